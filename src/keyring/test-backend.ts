/**
 * The `test` keyring: one unencrypted JSON file per key, `<dir>/<name>.json`, holding
 * `{name, address, pubkey, seed}`. For development and local networks only — anyone who can
 * read the directory can spend the funds (files are created 0600 in a 0700 directory).
 */
import { toHex, zeroize } from "../codec/bytes.js";
import { DirKeyring, parseSeedHex } from "./dir-keyring.js";
import type { KeyInfo } from "./types.js";

export class TestKeyring extends DirKeyring {
  readonly backend = "test" as const;

  protected async encodeKey(info: KeyInfo, seed: Uint8Array): Promise<Record<string, unknown>> {
    return { ...info, seed: toHex(seed) };
  }

  protected async decodeSeed(info: KeyInfo, doc: Record<string, unknown>, path: string): Promise<Uint8Array> {
    if (typeof doc.seed !== "string") throw this.corrupt(path, "no seed", info.name);
    try {
      return parseSeedHex(doc.seed);
    } catch {
      throw this.corrupt(path, "the seed is not 64 hex characters", info.name);
    }
  }

  /** Seeds are in the clear, so `show` and `list` verify them (an edited file is reported). */
  protected override async describe(name: string): Promise<KeyInfo> {
    const { info, seed } = await this.loadSeed(name);
    zeroize(seed);
    return info;
  }
}
