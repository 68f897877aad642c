export { armor, dearmor, looksArmored } from "./armor.js";
export { DirKeyring } from "./dir-keyring.js";
export {
  DEFAULT_SCRYPT_PARAMS,
  openSecret,
  parseSealedSecret,
  type ScryptParams,
  type SealedSecret,
  sealSecret,
} from "./envelope.js";
export { FileKeyring, type FileKeyringOptions } from "./file-backend.js";
export { DEFAULT_LOCKOUT, type LockoutStep, LockoutTracker } from "./lockout.js";
export { MNEMONIC_WORDS, mnemonicToSeed, seedToMnemonic } from "./mnemonic.js";
export { validateKeyName } from "./names.js";
export { KEYRING_BACKENDS, keyringDir, type OpenKeyringOptions, openKeyring } from "./open.js";
export {
  assertStrongPassword,
  normalizePassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordProblems,
} from "./password.js";
export { TestKeyring } from "./test-backend.js";
export type {
  KeyInfo,
  Keyring,
  KeyringBackend,
  KeyringErrorCode,
  PasswordProvider,
  PasswordRequest,
} from "./types.js";
export { KeyringError } from "./types.js";
