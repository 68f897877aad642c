import { createHash } from "node:crypto";
import { asBytes } from "../codec/bytes.js";

export const HASH_SIZE = 32;

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return asBytes(h.digest());
}
