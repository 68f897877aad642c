export { validateKeyName } from "./names.js";
export { KEYRING_BACKENDS, openKeyring } from "./open.js";
export { TestKeyring } from "./test-backend.js";
export type { KeyInfo, Keyring, KeyringBackend, KeyringErrorCode } from "./types.js";
export { KeyringError } from "./types.js";
