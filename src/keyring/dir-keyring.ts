/**
 * What every keyring backend shares: one JSON file per key, `<dir>/<name>.json` (0600 in a
 * 0700 directory), carrying the key's name, address and public key in the clear and the seed
 * in a backend-specific form; and the import/export formats (hex seed, 24-word backup,
 * armored encrypted export). A backend only says how a seed is written and read back.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { asBytes, fromBase64, fromHex, toBase64, toHex, zeroize } from "../codec/bytes.js";
import { hasErrno, writeFileAtomic } from "../config/fs.js";
import { addressFromPublicKey, toBech32 } from "../crypto/address.js";
import { PrivateKey, SEED_SIZE } from "../crypto/ed25519.js";
import { armor, dearmor } from "./armor.js";
import {
  DEFAULT_SCRYPT_PARAMS,
  openSecret,
  parseSealedSecret,
  type ScryptParams,
  type SealedSecret,
  sealSecret,
} from "./envelope.js";
import { mnemonicToSeed, seedToMnemonic } from "./mnemonic.js";
import { validateKeyName } from "./names.js";
import { assertStrongPassword } from "./password.js";
import type { KeyInfo, Keyring, KeyringBackend } from "./types.js";
import { KeyringError } from "./types.js";

/** The document of an armored export. */
interface ExportDoc extends KeyInfo {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: 1;
  readonly crypto: SealedSecret;
}

const EXPORT_FORMAT = "dccn-key-export";

export function infoFromSeed(name: string, seed: Uint8Array): KeyInfo {
  const publicKey = PrivateKey.fromSeed(seed).publicKey;
  return { name, address: toBech32(addressFromPublicKey(publicKey)), pubkey: toBase64(publicKey) };
}

export function parseSeedHex(seedHex: string): Uint8Array {
  const clean = seedHex.trim().replace(/^0x/i, "");
  if (!new RegExp(`^[0-9a-fA-F]{${SEED_SIZE * 2}}$`).test(clean)) {
    throw new KeyringError(
      "KEY_SEED_INVALID",
      `a seed is ${SEED_SIZE} bytes written as ${SEED_SIZE * 2} hex characters`,
    );
  }
  return fromHex(clean);
}

/** Whether `address` is the address of the base64 public key `pubkey`. */
function addressMatches(address: unknown, pubkey: unknown): boolean {
  if (typeof address !== "string" || typeof pubkey !== "string") return false;
  try {
    const key = fromBase64(pubkey);
    return key.length === 32 && toBech32(addressFromPublicKey(key)) === address;
  } catch {
    return false;
  }
}

export abstract class DirKeyring implements Keyring {
  abstract readonly backend: KeyringBackend;

  constructor(
    readonly dir: string,
    /** KDF cost for armored exports. */
    protected readonly scrypt: ScryptParams = DEFAULT_SCRYPT_PARAMS,
  ) {}

  /** The file document for a key (its public `info` plus the seed in the backend's form). */
  protected abstract encodeKey(info: KeyInfo, seed: Uint8Array): Promise<Record<string, unknown>>;
  /** The seed in a file document; `path` is for messages. The caller checks it against `info`. */
  protected abstract decodeSeed(
    info: KeyInfo,
    doc: Record<string, unknown>,
    path: string,
  ): Promise<Uint8Array>;

  /** What `show` and `list` return; backends that can cheaply verify the seed may do so. */
  protected async describe(name: string): Promise<KeyInfo> {
    return (await this.readDoc(name)).info;
  }

  /** Called before a key file is removed (e.g. to ask for its password). */
  protected async authorizeDelete(_name: string): Promise<void> {}

  protected file(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  protected corrupt(path: string, why: string, name?: string): KeyringError {
    return new KeyringError("KEY_FILE_CORRUPT", `key file ${path} is damaged: ${why}`, { name, path });
  }

  /** Reads a key file and checks its public part (the address must be its public key's). */
  protected readDoc(name: string): { info: KeyInfo; doc: Record<string, unknown>; path: string } {
    validateKeyName(name);
    const path = this.file(name);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if (hasErrno(err, "ENOENT")) {
        throw new KeyringError("KEY_NOT_FOUND", `no key named ${JSON.stringify(name)} in ${this.dir}`, {
          name,
        });
      }
      throw err;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw this.corrupt(path, "not JSON", name);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw this.corrupt(path, "not a JSON object", name);
    }
    const d = doc as Record<string, unknown>;
    if (d.name !== name || !addressMatches(d.address, d.pubkey)) {
      throw this.corrupt(path, "name, address or pubkey does not match", name);
    }
    return { info: { name, address: d.address as string, pubkey: d.pubkey as string }, doc: d, path };
  }

  /** The key's seed, checked against its stored public key; the caller zeroizes it. */
  protected async loadSeed(name: string): Promise<{ info: KeyInfo; seed: Uint8Array }> {
    const { info, doc, path } = this.readDoc(name);
    const seed = await this.decodeSeed(info, doc, path);
    let derived: KeyInfo;
    try {
      derived = infoFromSeed(name, seed);
    } catch {
      zeroize(seed);
      throw this.corrupt(path, "the stored seed is not a valid key", name);
    }
    // The stored address and key are derived data; disagreement means the file was edited.
    if (derived.address !== info.address || derived.pubkey !== info.pubkey) {
      zeroize(seed);
      throw this.corrupt(path, "name, address or pubkey does not match the seed", name);
    }
    return { info, seed };
  }

  private names(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch (err) {
      if (hasErrno(err, "ENOENT")) return [];
      throw err;
    }
    return entries
      .filter((f) => f.endsWith(".json") && !f.startsWith("."))
      .map((f) => f.slice(0, -".json".length))
      .sort();
  }

  /** Writes a new key file for `seed` (left to the caller to zeroize). */
  private async storeSeed(name: string, seed: Uint8Array): Promise<KeyInfo> {
    validateKeyName(name);
    const info = infoFromSeed(name, seed);
    for (const other of this.names()) {
      if (other === name) continue;
      let existing: KeyInfo;
      try {
        existing = this.readDoc(other).info;
      } catch (err) {
        // A damaged file elsewhere is reported by list/show; it must not block new keys.
        if (err instanceof KeyringError) continue;
        throw err;
      }
      if (existing.address === info.address) {
        throw new KeyringError("KEY_EXISTS", `this key is already stored as ${JSON.stringify(other)}`, {
          name: other,
        });
      }
    }
    // Before the (slow, password-asking) encoding: a taken name fails at once.
    if (this.names().includes(name)) throw this.exists(name);
    const doc = await this.encodeKey(info, seed);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    try {
      writeFileAtomic(this.file(name), `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, exclusive: true });
    } catch (err) {
      if (hasErrno(err, "EEXIST")) throw this.exists(name);
      throw err;
    }
    return info;
  }

  private exists(name: string): KeyringError {
    return new KeyringError("KEY_EXISTS", `a key named ${JSON.stringify(name)} already exists`, { name });
  }

  /** Runs `use` on a seed and wipes the seed afterwards, whatever happens. */
  private async withSeed<T>(seed: Uint8Array, use: (seed: Uint8Array) => Promise<T> | T): Promise<T> {
    try {
      return await use(seed);
    } finally {
      zeroize(seed);
    }
  }

  async add(name: string): Promise<KeyInfo> {
    validateKeyName(name);
    return this.withSeed(asBytes(randomBytes(SEED_SIZE)), (seed) => this.storeSeed(name, seed));
  }

  async import(name: string, seedHex: string): Promise<KeyInfo> {
    validateKeyName(name);
    return this.withSeed(parseSeedHex(seedHex), (seed) => this.storeSeed(name, seed));
  }

  async importMnemonic(name: string, mnemonic: string): Promise<KeyInfo> {
    validateKeyName(name);
    return this.withSeed(mnemonicToSeed(mnemonic), (seed) => this.storeSeed(name, seed));
  }

  async importArmored(name: string, text: string, exportPassword: string): Promise<KeyInfo> {
    validateKeyName(name);
    const where = "the armored key";
    const { doc } = dearmor(text);
    const d = doc as Partial<Record<keyof ExportDoc, unknown>>;
    if (typeof doc !== "object" || doc === null || d.format !== EXPORT_FORMAT || d.version !== 1) {
      throw new KeyringError(
        "KEY_ARMOR_INVALID",
        `not an armored DCCN key: expected format "${EXPORT_FORMAT}" version 1`,
      );
    }
    if (!addressMatches(d.address, d.pubkey)) {
      throw new KeyringError("KEY_FILE_CORRUPT", `${where} is damaged: its address is not its public key's`);
    }
    const sealed = parseSealedSecret(d.crypto, where);
    const address = d.address as string;
    const pubkey = d.pubkey as string;
    const seed = await openSecret(sealed, exportPassword, [EXPORT_FORMAT, address, pubkey], where);
    return this.withSeed(seed, (s) => {
      let derived: KeyInfo;
      try {
        derived = infoFromSeed(name, s);
      } catch {
        throw new KeyringError("KEY_FILE_CORRUPT", `${where} is damaged: the seed is not a valid key`);
      }
      if (derived.pubkey !== pubkey) {
        throw new KeyringError(
          "KEY_FILE_CORRUPT",
          `${where} is damaged: the seed does not match its public key`,
        );
      }
      return this.storeSeed(name, s);
    });
  }

  async list(): Promise<KeyInfo[]> {
    const out: KeyInfo[] = [];
    for (const name of this.names()) out.push(await this.describe(name));
    return out;
  }

  show(name: string): Promise<KeyInfo> {
    return this.describe(name);
  }

  async exportSeed(name: string): Promise<string> {
    const { seed } = await this.loadSeed(name);
    return this.withSeed(seed, toHex);
  }

  async exportMnemonic(name: string): Promise<string> {
    const { seed } = await this.loadSeed(name);
    return this.withSeed(seed, seedToMnemonic);
  }

  async exportArmored(name: string, exportPassword: string): Promise<string> {
    // Checked first: a weak password must not cost the user an unlock.
    assertStrongPassword(exportPassword, "the export password");
    const { info, seed } = await this.loadSeed(name);
    const sealed = await this.withSeed(seed, (s) =>
      sealSecret(s, exportPassword, [EXPORT_FORMAT, info.address, info.pubkey], this.scrypt),
    );
    const doc: ExportDoc = { format: EXPORT_FORMAT, version: 1, ...info, crypto: sealed };
    return armor(doc, { address: info.address, kdf: sealed.kdf, cipher: sealed.cipher });
  }

  async delete(name: string): Promise<KeyInfo> {
    const info = await this.describe(name);
    await this.authorizeDelete(name);
    rmSync(this.file(name));
    return info;
  }

  async getSigner(name: string): Promise<PrivateKey> {
    const { seed } = await this.loadSeed(name);
    return this.withSeed(seed, (s) => PrivateKey.fromSeed(s));
  }
}
