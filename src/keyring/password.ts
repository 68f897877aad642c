/**
 * The password policy of the whitepaper's security chapter: 8 to 32 characters with at least
 * one upper-case letter, one lower-case letter and one special character. It applies when a
 * secret is protected; unlocking takes whatever password was used then.
 */
import { KeyringError } from "./types.js";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 32;

/**
 * The form a password is hashed in: Unicode NFC, so the same characters typed on different
 * systems (composed or decomposed accents) give the same key.
 */
export const normalizePassword = (password: string): string => password.normalize("NFC");

/** What the policy finds missing in `password` (empty when it passes). */
export function passwordProblems(password: string): string[] {
  const chars = [...normalizePassword(password)];
  const problems: string[] = [];
  if (chars.length < PASSWORD_MIN_LENGTH || chars.length > PASSWORD_MAX_LENGTH) {
    problems.push(`${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters (got ${chars.length})`);
  }
  if (chars.some((c) => /\p{Cc}/u.test(c))) problems.push("no control characters");
  if (!chars.some((c) => /\p{Lu}/u.test(c))) problems.push("an upper-case letter");
  if (!chars.some((c) => /\p{Ll}/u.test(c))) problems.push("a lower-case letter");
  if (!chars.some((c) => !/[\p{L}\p{N}\s\p{Cc}]/u.test(c))) {
    problems.push("a special character (not a letter, digit or space)");
  }
  return problems;
}

/** Throws KEY_PASSWORD_WEAK naming every rule `password` breaks. */
export function assertStrongPassword(password: string, what = "the password"): void {
  const problems = passwordProblems(password);
  if (problems.length > 0) {
    throw new KeyringError("KEY_PASSWORD_WEAK", `${what} is too weak: it needs ${problems.join(", ")}`, {
      problems,
    });
  }
}
