import { KeyringError } from "./types.js";

/** Key names become file names, so they are restricted to a safe, portable alphabet. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function validateKeyName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new KeyringError(
      "KEY_NAME_INVALID",
      `invalid key name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      { name },
    );
  }
}
