/** Ordered binary keys: a one-byte table prefix followed by a fixed-width big-endian height. */
import { concatBytes, readU64be, u64be } from "../codec/bytes.js";
import { StoreError } from "./db.js";

export function tableKey(table: number, suffix: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes(Uint8Array.of(table), suffix);
}

export function heightKey(table: number, height: number): Uint8Array {
  return concatBytes(Uint8Array.of(table), u64be(height));
}

/** The height encoded in a `heightKey`. */
export function heightOfKey(key: Uint8Array): number {
  if (key.length !== 9) throw new StoreError("STORE_CORRUPT", `not a height key (${key.length} bytes)`);
  return Number(readU64be(key, 1));
}
