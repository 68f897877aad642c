/**
 * The `test` keyring: one unencrypted JSON file per key, `<dir>/<name>.json`, holding
 * `{name, address, pubkey, seed}`. For development and local networks only — anyone who can
 * read the directory can spend the funds (files are created 0600 in a 0700 directory).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { asBytes, fromHex, toBase64, toHex, zeroize } from "../codec/bytes.js";
import { hasErrno, writeFileAtomic } from "../config/fs.js";
import { addressFromPublicKey, toBech32 } from "../crypto/address.js";
import { PrivateKey, SEED_SIZE } from "../crypto/ed25519.js";
import { validateKeyName } from "./names.js";
import { type KeyInfo, type Keyring, KeyringError } from "./types.js";

interface KeyFile extends KeyInfo {
  readonly seed: string;
}

function infoFromSeed(name: string, seed: Uint8Array): KeyInfo {
  const publicKey = PrivateKey.fromSeed(seed).publicKey;
  return { name, address: toBech32(addressFromPublicKey(publicKey)), pubkey: toBase64(publicKey) };
}

function parseSeedHex(seedHex: string): Uint8Array {
  const clean = seedHex.trim();
  if (!new RegExp(`^[0-9a-fA-F]{${SEED_SIZE * 2}}$`).test(clean)) {
    throw new KeyringError(
      "KEY_SEED_INVALID",
      `a seed is ${SEED_SIZE} bytes written as ${SEED_SIZE * 2} hex characters`,
    );
  }
  return fromHex(clean);
}

export class TestKeyring implements Keyring {
  readonly backend = "test" as const;

  constructor(readonly dir: string) {}

  private file(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  private notFound(name: string): KeyringError {
    return new KeyringError("KEY_NOT_FOUND", `no key named ${JSON.stringify(name)} in ${this.dir}`, { name });
  }

  /** Reads and cross-checks a key file; the caller zeroizes the returned seed. */
  private read(name: string): { info: KeyInfo; seed: Uint8Array } {
    validateKeyName(name);
    const path = this.file(name);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if (hasErrno(err, "ENOENT")) throw this.notFound(name);
      throw err;
    }
    const corrupt = (why: string) =>
      new KeyringError("KEY_FILE_CORRUPT", `key file ${path} is damaged: ${why}`, { name, path });
    let doc: Partial<Record<keyof KeyFile, unknown>>;
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw corrupt("not JSON");
    }
    if (typeof doc.seed !== "string") throw corrupt("no seed");
    let seed: Uint8Array;
    try {
      seed = parseSeedHex(doc.seed);
    } catch {
      throw corrupt("the seed is not 64 hex characters");
    }
    const info = infoFromSeed(name, seed);
    // The stored address and key are derived data; disagreement means the file was edited.
    if (doc.address !== info.address || doc.pubkey !== info.pubkey || doc.name !== name) {
      zeroize(seed);
      throw corrupt("name, address or pubkey does not match the seed");
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

  private store(name: string, seed: Uint8Array): KeyInfo {
    validateKeyName(name);
    const info = infoFromSeed(name, seed);
    for (const other of this.names()) {
      if (other === name) continue;
      let existing: KeyInfo;
      try {
        const got = this.read(other);
        zeroize(got.seed);
        existing = got.info;
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
    const file: KeyFile = { ...info, seed: toHex(seed) };
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    try {
      writeFileAtomic(this.file(name), `${JSON.stringify(file, null, 2)}\n`, {
        mode: 0o600,
        exclusive: true,
      });
    } catch (err) {
      if (hasErrno(err, "EEXIST")) {
        throw new KeyringError("KEY_EXISTS", `a key named ${JSON.stringify(name)} already exists`, { name });
      }
      throw err;
    }
    return info;
  }

  async add(name: string): Promise<KeyInfo> {
    validateKeyName(name);
    const seed = asBytes(randomBytes(SEED_SIZE));
    try {
      return this.store(name, seed);
    } finally {
      zeroize(seed);
    }
  }

  async import(name: string, seedHex: string): Promise<KeyInfo> {
    validateKeyName(name);
    const seed = parseSeedHex(seedHex);
    try {
      return this.store(name, seed);
    } finally {
      zeroize(seed);
    }
  }

  async list(): Promise<KeyInfo[]> {
    return this.names().map((name) => {
      const { info, seed } = this.read(name);
      zeroize(seed);
      return info;
    });
  }

  async show(name: string): Promise<KeyInfo> {
    const { info, seed } = this.read(name);
    zeroize(seed);
    return info;
  }

  async exportSeed(name: string): Promise<string> {
    const { seed } = this.read(name);
    const hex = toHex(seed);
    zeroize(seed);
    return hex;
  }

  async delete(name: string): Promise<KeyInfo> {
    const info = await this.show(name);
    rmSync(this.file(name));
    return info;
  }

  async getSigner(name: string): Promise<PrivateKey> {
    const { seed } = this.read(name);
    try {
      return PrivateKey.fromSeed(seed);
    } finally {
      zeroize(seed);
    }
  }
}
