// Hashing and signature verification, done natively by the host.
import { ed25519_verify, sha256 as host_sha256 } from "./dccn";

export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  host_sha256(data.dataStart, data.length, out.dataStart);
  return out;
}

/** Verifies an Ed25519 signature (32-byte public key, 64-byte signature). */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): bool {
  if (publicKey.length != 32 || signature.length != 64) return false;
  return ed25519_verify(publicKey.dataStart, message.dataStart, message.length, signature.dataStart) != 0;
}
