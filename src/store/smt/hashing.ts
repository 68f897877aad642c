/**
 * Node hashing of the sparse Merkle tree, shared by the store and by proof verifiers.
 *
 * Paths are the 256 bits of SHA-256(key), most significant bit first (0 = left).
 * leaf = H(0x00 ‖ keyHash ‖ H(value)), inner = H(0x01 ‖ left ‖ right), empty subtree = 32 zero
 * bytes (not a hash preimage, so it cannot be forged). A subtree holding exactly one leaf is that
 * leaf, so the root is a function of the key/value set alone, whatever the insertion order.
 */
import { hash as oneShotHash } from "node:crypto";
import { sha256 } from "../../crypto/hash.js";

export const HASH_BYTES = 32;
export const KEY_BITS = 256;
export const EMPTY_HASH: Uint8Array = new Uint8Array(HASH_BYTES);

const LEAF_PREFIX = Uint8Array.of(0);
const INNER_PREFIX = Uint8Array.of(1);

/** SHA-256 of one buffer, without a Hash object (this is the tree's hot path). */
function digest(data: Uint8Array): Uint8Array {
  const d = oneShotHash("sha256", data, "buffer");
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export const keyHashOf = (key: Uint8Array): Uint8Array => digest(key);
export const valueHashOf = (value: Uint8Array): Uint8Array => digest(value);
export const leafNodeHash = (keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array =>
  sha256(LEAF_PREFIX, keyHash, valueHash);
export const innerNodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array =>
  sha256(INNER_PREFIX, left, right);

/** Bit `depth` of a key hash, most significant bit first: 0 = left, 1 = right. */
export function bitAt(keyHash: Uint8Array, depth: number): 0 | 1 {
  return ((keyHash[depth >> 3]! >> (7 - (depth & 7))) & 1) as 0 | 1;
}

export function isEmptyHash(hash: Uint8Array): boolean {
  if (hash.length !== HASH_BYTES) return false;
  for (let i = 0; i < HASH_BYTES; i++) if (hash[i] !== 0) return false;
  return true;
}

/** Whether two key hashes agree on their first `bits` bits. */
export function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}
