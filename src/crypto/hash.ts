import { createHash, hash } from "node:crypto";
import { asBytes } from "../codec/bytes.js";

export const HASH_SIZE = 32;

/**
 * SHA-256 of the concatenated parts. One part (tx hashes, Merkle leaves) goes through the
 * one-shot `crypto.hash`, about twice as fast as a Hash object for small inputs; that matters
 * because every tx is hashed several times on its way through the node.
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return asBytes(hash("sha256", parts[0]!, "buffer") as Buffer);
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return asBytes(h.digest());
}
