/**
 * Ed25519 through node:crypto (native; ~10x faster than pure-JS libraries, see DESIGN.md).
 * Keys are derived from 32-byte seeds. Public KeyObjects are cached so a hot verify path does
 * not re-parse DER for every signature.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { asBytes, concatBytes, toHex, zeroize } from "../codec/bytes.js";
import { DccnError } from "../errors.js";

export type KeyErrorCode = "KEY_BAD_SEED" | "KEY_BAD_PUBKEY" | "KEY_BAD_SIGNATURE_SIZE";

export const SEED_SIZE = 32;
export const PUBKEY_SIZE = 32;
export const SIGNATURE_SIZE = 64;

// ASN.1 DER prefixes for PKCS#8 private keys and SPKI public keys of type Ed25519 (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** A signing key. Holds a native KeyObject; the seed bytes are wiped once the object exists. */
export class PrivateKey {
  private constructor(
    private readonly key: KeyObject,
    readonly publicKey: Uint8Array,
  ) {}

  /** Derives the key pair from a 32-byte seed. The caller's seed is left untouched. */
  static fromSeed(seed: Uint8Array): PrivateKey {
    if (seed.length !== SEED_SIZE) {
      throw new DccnError<KeyErrorCode>(
        "KEY_BAD_SEED",
        `an Ed25519 seed is ${SEED_SIZE} bytes, got ${seed.length}`,
      );
    }
    const der = concatBytes(PKCS8_PREFIX, seed);
    const key = createPrivateKey({ key: Buffer.from(der.buffer), format: "der", type: "pkcs8" });
    zeroize(der);
    const spki = asBytes(createPublicKey(key).export({ format: "der", type: "spki" }));
    return new PrivateKey(key, spki.slice(SPKI_PREFIX.length));
  }

  sign(message: Uint8Array): Uint8Array {
    return asBytes(sign(null, message, this.key));
  }

  /** The seed, for export into a keyring file. Callers should zeroize it after use. */
  exportSeed(): Uint8Array {
    const der = asBytes(this.key.export({ format: "der", type: "pkcs8" }));
    const seed = der.slice(PKCS8_PREFIX.length);
    zeroize(der);
    return seed;
  }
}

const pubKeyCache = new Map<string, KeyObject>();
const PUBKEY_CACHE_LIMIT = 10_000;

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = toHex(publicKey);
  let key = pubKeyCache.get(id);
  if (key === undefined) {
    key = createPublicKey({
      key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)),
      format: "der",
      type: "spki",
    });
    if (pubKeyCache.size >= PUBKEY_CACHE_LIMIT) {
      const oldest = pubKeyCache.keys().next().value;
      if (oldest !== undefined) pubKeyCache.delete(oldest);
    }
    pubKeyCache.set(id, key);
  }
  return key;
}

/** Throws KEY_BAD_PUBKEY unless `publicKey` is a well-formed Ed25519 public key. */
export function assertPublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== PUBKEY_SIZE) {
    throw new DccnError<KeyErrorCode>(
      "KEY_BAD_PUBKEY",
      `an Ed25519 public key is ${PUBKEY_SIZE} bytes, got ${publicKey.length}`,
    );
  }
  try {
    publicKeyObject(publicKey);
  } catch (err) {
    throw new DccnError<KeyErrorCode>("KEY_BAD_PUBKEY", "not a valid Ed25519 public key", {}, { cause: err });
  }
}

/** Verifies an Ed25519 signature; false (never a throw) for any malformed input. */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBKEY_SIZE || signature.length !== SIGNATURE_SIZE) return false;
  try {
    return verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}
