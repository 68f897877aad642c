/**
 * Stored SMT node records. A record's hash is the hash of its first 65 bytes, which are
 * exactly the hash preimage: inner = 0x01 ‖ left ‖ right; leaf = 0x00 ‖ keyHash ‖ valueHash,
 * followed (leaves only, not hashed) by u16be key length ‖ key ‖ value, so any version's
 * keys and values can be read back from the tree alone.
 */
import { hash as oneShotHash } from "node:crypto";
import { SmtError } from "./errors.js";
import { HASH_BYTES } from "./hashing.js";
import { KIND_INNER, KIND_LEAF, type NodeKind } from "./node-cache.js";

export const MAX_KEY_BYTES = 0xffff;
const HEAD = 1 + 2 * HASH_BYTES;

export function encodeLeafRecord(
  keyHash: Uint8Array,
  valueHash: Uint8Array,
  key: Uint8Array,
  value: Uint8Array,
): Uint8Array {
  if (key.length > MAX_KEY_BYTES) {
    throw new SmtError(
      "SMT_KEY_TOO_LARGE",
      `state keys are at most ${MAX_KEY_BYTES} bytes, got ${key.length}`,
    );
  }
  const rec = new Uint8Array(HEAD + 2 + key.length + value.length);
  rec[0] = KIND_LEAF;
  rec.set(keyHash, 1);
  rec.set(valueHash, 1 + HASH_BYTES);
  rec[HEAD] = key.length >> 8;
  rec[HEAD + 1] = key.length & 0xff;
  rec.set(key, HEAD + 2);
  rec.set(value, HEAD + 2 + key.length);
  return rec;
}

export function encodeInnerRecord(left: Uint8Array, right: Uint8Array): Uint8Array {
  const rec = new Uint8Array(HEAD);
  rec[0] = KIND_INNER;
  rec.set(left, 1);
  rec.set(right, 1 + HASH_BYTES);
  return rec;
}

/** The node hash of a record. One-shot hashing: no Hash object per node (less GC pressure). */
export function recordHash(record: Uint8Array): Uint8Array {
  const d = oneShotHash("sha256", record.subarray(0, HEAD), "buffer");
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export interface DecodedRecord {
  readonly kind: NodeKind;
  /** left child (inner) or key hash (leaf). */
  readonly a: Uint8Array;
  /** right child (inner) or value hash (leaf). */
  readonly b: Uint8Array;
  /** Leaves only. */
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

const NONE = new Uint8Array(0);

export function decodeRecord(rec: Uint8Array): DecodedRecord {
  const corrupt = () => new SmtError("SMT_CORRUPT_NODE", `malformed SMT node record (${rec.length} bytes)`);
  if (rec.length < HEAD) throw corrupt();
  const a = rec.subarray(1, 1 + HASH_BYTES);
  const b = rec.subarray(1 + HASH_BYTES, HEAD);
  if (rec[0] === KIND_INNER) {
    if (rec.length !== HEAD) throw corrupt();
    return { kind: KIND_INNER, a, b, key: NONE, value: NONE };
  }
  if (rec[0] !== KIND_LEAF || rec.length < HEAD + 2) throw corrupt();
  const keyLen = (rec[HEAD]! << 8) | rec[HEAD + 1]!;
  if (rec.length < HEAD + 2 + keyLen) throw corrupt();
  return {
    kind: KIND_LEAF,
    a,
    b,
    key: rec.subarray(HEAD + 2, HEAD + 2 + keyLen),
    value: rec.subarray(HEAD + 2 + keyLen),
  };
}
