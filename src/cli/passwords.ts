/**
 * Where the CLI gets passwords, first match wins:
 *   1. a file named by a flag (its first line) — for scripts;
 *   2. an environment variable — for scripts and containers;
 *   3. the terminal, without echo (a new password is asked twice).
 * Keyring passwords: `--password-file` / DCCN_KEYRING_PASSWORD. Passwords of armored exports:
 * `--export-password-file` / DCCN_EXPORT_PASSWORD.
 */
import { readFileSync } from "node:fs";
import { errorMessage } from "../errors.js";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../keyring/password.js";
import { KeyringError, type PasswordProvider, type PasswordRequest } from "../keyring/types.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";

export const KEYRING_PASSWORD_ENV = "DCCN_KEYRING_PASSWORD";
export const EXPORT_PASSWORD_ENV = "DCCN_EXPORT_PASSWORD";

const POLICY = `${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters with upper-case, lower-case and special`;

/** The first line of a password file (without its line break). */
export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError("PASSWORD_FILE_UNREADABLE", `cannot read password file ${path}: ${errorMessage(err)}`);
  }
  const line = text.split(/\r?\n/, 1)[0] ?? "";
  if (line === "")
    throw new CliError("PASSWORD_FILE_UNREADABLE", `password file ${path} has an empty first line`);
  return line;
}

interface Source {
  readonly file: string | undefined;
  readonly fileFlag: string;
  readonly env: string;
}

function provider(ctx: CliContext, src: Source): PasswordProvider {
  return async (req: PasswordRequest) => {
    if (src.file !== undefined) return readPasswordFile(src.file);
    const fromEnv = (ctx.deps.env ?? process.env)[src.env];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const prompt = ctx.deps.promptPassword;
    const what = req.subject === "export" ? `the export of key "${req.keyName}"` : `key "${req.keyName}"`;
    if (prompt === undefined) {
      throw new KeyringError(
        "KEY_PASSWORD_REQUIRED",
        `a password is needed for ${what}: pass ${src.fileFlag} FILE or set ${src.env} (no terminal to ask on)`,
        { name: req.keyName },
      );
    }
    if (req.purpose === "unlock") return prompt(`Password for ${what}: `);
    const first = await prompt(`New password for ${what} (${POLICY}): `);
    const again = await prompt("Repeat the password: ");
    if (first !== again)
      throw new CliError("PASSWORD_MISMATCH", "the two passwords differ; nothing was changed");
    return first;
  };
}

/** Passwords of the `file` keyring's keys. */
export const keyringPasswords = (ctx: CliContext, opts: { passwordFile?: string }): PasswordProvider =>
  provider(ctx, { file: opts.passwordFile, fileFlag: "--password-file", env: KEYRING_PASSWORD_ENV });

/** The password protecting an armored export (asked once to import, twice to export). */
export function exportPassword(
  ctx: CliContext,
  opts: { exportPasswordFile?: string },
  purpose: "new" | "unlock",
  keyName: string,
): Promise<string> {
  const ask = provider(ctx, {
    file: opts.exportPasswordFile,
    fileFlag: "--export-password-file",
    env: EXPORT_PASSWORD_ENV,
  });
  return ask({ purpose, keyName, subject: "export" });
}
