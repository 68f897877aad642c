/**
 * The keyring contract. Backends differ only in how seeds are kept at rest: `test` stores them
 * unencrypted for development, `file` encrypts each one with a password (scrypt + AES-256-GCM).
 * Methods are async so a backend may derive keys from a password or ask a person for it.
 */
import type { PrivateKey } from "../crypto/ed25519.js";
import { DccnError } from "../errors.js";

export type KeyringErrorCode =
  | "KEY_NOT_FOUND"
  | "KEY_EXISTS"
  | "KEY_NAME_INVALID"
  | "KEY_SEED_INVALID"
  | "KEY_MNEMONIC_INVALID"
  | "KEY_ARMOR_INVALID"
  | "KEY_FILE_CORRUPT"
  | "KEY_PASSWORD_WRONG"
  | "KEY_PASSWORD_WEAK"
  | "KEY_PASSWORD_REQUIRED"
  | "KEY_LOCKED"
  | "KEYRING_BACKEND_UNKNOWN";

export class KeyringError extends DccnError<KeyringErrorCode> {
  constructor(
    code: KeyringErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "KeyringError";
  }
}

/** What may be shown about a key (never the seed). */
export interface KeyInfo {
  readonly name: string;
  /** bech32 `ankr1…` account address. */
  readonly address: string;
  /** base64 Ed25519 public key. */
  readonly pubkey: string;
}

export type KeyringBackend = "test" | "file";

/**
 * Why a password is asked for: `unlock` an existing secret, or protect a `new` one (the answer
 * must then meet the password policy; an interactive prompt should ask twice).
 */
export interface PasswordRequest {
  readonly purpose: "unlock" | "new";
  /** The key the password protects. */
  readonly keyName: string;
  /** `keyring`: the key's file in the keyring; `export`: an armored export of the key. */
  readonly subject: "keyring" | "export";
}

/** Supplies passwords (a TTY prompt, a file, an environment variable, a test constant). */
export type PasswordProvider = (req: PasswordRequest) => Promise<string>;

export interface Keyring {
  readonly backend: KeyringBackend;
  /** Creates a key from a fresh random seed. */
  add(name: string): Promise<KeyInfo>;
  /** Stores a key from a 32-byte seed given as 64 hex characters. */
  import(name: string, seedHex: string): Promise<KeyInfo>;
  /** Stores a key from its 24-word BIP39 (English) backup, as made by `exportMnemonic`. */
  importMnemonic(name: string, mnemonic: string): Promise<KeyInfo>;
  /**
   * Stores a key from an armored export (`exportArmored`), decrypted with `exportPassword`;
   * `name` may differ from the name it was exported under.
   */
  importArmored(name: string, armor: string, exportPassword: string): Promise<KeyInfo>;
  /** All keys, sorted by name. */
  list(): Promise<KeyInfo[]>;
  show(name: string): Promise<KeyInfo>;
  /** The seed as 64 hex characters. */
  exportSeed(name: string): Promise<string>;
  /** The seed as 24 BIP39 English words (the words encode the seed itself). */
  exportMnemonic(name: string): Promise<string>;
  /** The key encrypted with `exportPassword` (which must meet the password policy), as armored text. */
  exportArmored(name: string, exportPassword: string): Promise<string>;
  delete(name: string): Promise<KeyInfo>;
  getSigner(name: string): Promise<PrivateKey>;
}
