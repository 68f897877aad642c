/**
 * The keyring contract. Backends differ only in how seeds are stored (the `test` backend keeps
 * them unencrypted for development; an encrypted backend can implement the same interface).
 * Methods are async so a backend may derive keys from a password or ask an agent.
 */
import type { PrivateKey } from "../crypto/ed25519.js";
import { DccnError } from "../errors.js";

export type KeyringErrorCode =
  | "KEY_NOT_FOUND"
  | "KEY_EXISTS"
  | "KEY_NAME_INVALID"
  | "KEY_SEED_INVALID"
  | "KEY_FILE_CORRUPT"
  | "KEYRING_BACKEND_UNKNOWN";

export class KeyringError extends DccnError<KeyringErrorCode> {
  constructor(code: KeyringErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
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

export type KeyringBackend = "test";

export interface Keyring {
  readonly backend: KeyringBackend;
  /** Creates a key from a fresh random seed. */
  add(name: string): Promise<KeyInfo>;
  /** Stores a key from a 32-byte seed given as 64 hex characters. */
  import(name: string, seedHex: string): Promise<KeyInfo>;
  /** All keys, sorted by name. */
  list(): Promise<KeyInfo[]>;
  show(name: string): Promise<KeyInfo>;
  /** The seed as 64 hex characters. */
  exportSeed(name: string): Promise<string>;
  delete(name: string): Promise<KeyInfo>;
  getSigner(name: string): Promise<PrivateKey>;
}
