/**
 * The `file` keyring: every seed encrypted at rest under its own password (scrypt +
 * AES-256-GCM, see envelope.ts), one file per key:
 *
 *   <home>/keyring-file/<name>.json
 *   { "format": "dccn-keyring-file", "version": 1, "name", "address", "pubkey",
 *     "crypto": { "kdf": "scrypt", "kdfparams": {log2n, r, p, salt}, "cipher": "aes-256-gcm",
 *                 "iv", "ciphertext", "tag", "check" } }
 *
 * Name, address and public key are readable without the password (for `keys list`) and are
 * bound to the ciphertext, so editing them is detected at unlock. New passwords must meet the
 * policy (password.ts); wrong ones count towards a lockout (lockout.ts).
 */
import { join } from "node:path";
import { zeroize } from "../codec/bytes.js";
import { DirKeyring } from "./dir-keyring.js";
import {
  DEFAULT_SCRYPT_PARAMS,
  openSecret,
  parseSealedSecret,
  type ScryptParams,
  sealSecret,
} from "./envelope.js";
import { DEFAULT_LOCKOUT, type LockoutStep, LockoutTracker } from "./lockout.js";
import { assertStrongPassword } from "./password.js";
import { type KeyInfo, KeyringError, type PasswordProvider, type PasswordRequest } from "./types.js";

const FILE_FORMAT = "dccn-keyring-file";

export interface FileKeyringOptions {
  /** Asked whenever a seed is sealed or opened. Without one, such calls fail KEY_PASSWORD_REQUIRED. */
  readonly password?: PasswordProvider;
  /** KDF cost of new files and exports (default N=2^17, r=8, p=1). */
  readonly scrypt?: ScryptParams;
  readonly lockout?: readonly LockoutStep[];
  /** Wall clock for the lockout. */
  readonly now?: () => number;
}

export class FileKeyring extends DirKeyring {
  readonly backend = "file" as const;
  private readonly lockout: LockoutTracker;
  private readonly password: PasswordProvider | undefined;

  constructor(dir: string, opts: FileKeyringOptions = {}) {
    super(dir, opts.scrypt ?? DEFAULT_SCRYPT_PARAMS);
    this.password = opts.password;
    this.lockout = new LockoutTracker(join(dir, ".lockout.json"), opts.lockout ?? DEFAULT_LOCKOUT, opts.now);
  }

  private async ask(req: PasswordRequest): Promise<string> {
    if (this.password === undefined) {
      throw new KeyringError(
        "KEY_PASSWORD_REQUIRED",
        `the file keyring needs a password for key ${JSON.stringify(req.keyName)}`,
        { name: req.keyName },
      );
    }
    return this.password(req);
  }

  protected async encodeKey(info: KeyInfo, seed: Uint8Array): Promise<Record<string, unknown>> {
    const password = await this.ask({ purpose: "new", keyName: info.name, subject: "keyring" });
    assertStrongPassword(password);
    const crypto = await sealSecret(seed, password, context(info), this.scrypt);
    return { format: FILE_FORMAT, version: 1, ...info, crypto };
  }

  protected async decodeSeed(info: KeyInfo, doc: Record<string, unknown>, path: string): Promise<Uint8Array> {
    if (doc.format !== FILE_FORMAT || doc.version !== 1) {
      throw this.corrupt(path, `expected format "${FILE_FORMAT}" version 1`, info.name);
    }
    const sealed = parseSealedSecret(doc.crypto, `key file ${path}`);
    this.lockout.assertUnlocked(info.name);
    const password = await this.ask({ purpose: "unlock", keyName: info.name, subject: "keyring" });
    try {
      const seed = await openSecret(sealed, password, context(info), `key ${JSON.stringify(info.name)}`);
      this.lockout.recordSuccess(info.name);
      return seed;
    } catch (err) {
      if (err instanceof KeyringError && err.code === "KEY_PASSWORD_WRONG") {
        const lockMs = this.lockout.recordFailure(info.name);
        if (lockMs > 0) {
          throw new KeyringError(
            "KEY_PASSWORD_WRONG",
            `${err.message}; too many wrong passwords: the key is locked for ${Math.ceil(lockMs / 1000)} s`,
            { name: info.name, lockedForMs: lockMs },
          );
        }
      }
      throw err;
    }
  }

  /** Deleting an encrypted key takes its password, so a slip of the keyboard cannot lose it. */
  protected override async authorizeDelete(name: string): Promise<void> {
    const { seed } = await this.loadSeed(name);
    zeroize(seed);
  }
}

/** What the ciphertext is bound to. */
const context = (info: KeyInfo): string[] => [FILE_FORMAT, info.name, info.address, info.pubkey];
