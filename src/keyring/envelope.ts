/**
 * Password encryption of a secret (a 32-byte seed) at rest: scrypt derives 64 bytes from the
 * password and a random salt; the first 32 are an AES-256-GCM key, the last 32 a MAC key for
 * a password check value. The KDF parameters travel with the sealed secret, so files written
 * with other costs stay readable.
 *
 * The check value tells a wrong password (KEY_PASSWORD_WRONG) apart from a modified file
 * (KEY_FILE_CORRUPT): with the right password, any change to the ciphertext, the IV, the tag
 * or the bound context (name, address, public key: the GCM associated data) fails
 * authentication. It gives an attacker nothing the GCM tag would not: each guess still costs
 * a full scrypt.
 *
 * Key material (derived keys, password bytes, plaintext copies) is zeroed after use. The
 * password arrives as a JS string, which cannot be wiped; it is turned into bytes at once.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from "node:crypto";
import { fromBase64, toBase64 } from "../codec/bytes.js";
import { normalizePassword } from "./password.js";
import { KeyringError } from "./types.js";

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly log2n: number;
  readonly r: number;
  readonly p: number;
}

/** N = 2^17, r = 8, p = 1: 128 MiB and about a quarter second here per derivation. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { log2n: 17, r: 8, p: 1 };

/** What a sealed secret may ask for; beyond it a (tampered) file could exhaust memory. */
const LIMITS = { log2n: [10, 20], r: [1, 16], p: [1, 4] } as const;

export const KDF = "scrypt";
export const CIPHER = "aes-256-gcm";
const SALT_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DOMAIN = "dccn/keyring/v1";
const CHECK_LABEL = Buffer.from(`${DOMAIN}/password-check`, "utf8");

/** The JSON form of a sealed secret (`crypto` in key files and armored exports). */
export interface SealedSecret {
  readonly kdf: typeof KDF;
  readonly kdfparams: ScryptParams & { readonly salt: string };
  readonly cipher: typeof CIPHER;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
  /** HMAC-SHA256 of a fixed label under the password's MAC key. */
  readonly check: string;
}

export function assertScryptParams(p: ScryptParams): void {
  for (const name of ["log2n", "r", "p"] as const) {
    const v = p[name];
    const [min, max] = LIMITS[name];
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new KeyringError(
        "KEY_FILE_CORRUPT",
        `scrypt ${name} must be an integer in [${min}, ${max}], got ${v}`,
      );
    }
  }
}

function derive(password: string, salt: Uint8Array, p: ScryptParams): Promise<Buffer> {
  const pw = Buffer.from(normalizePassword(password), "utf8");
  const n = 2 ** p.log2n;
  const maxmem = 128 * n * p.r * p.p + 32 * 1024 * 1024;
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(pw, salt, 64, { N: n, r: p.r, p: p.p, maxmem }, (err, key) => {
      pw.fill(0);
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** The GCM associated data: everything about the secret that must not change unnoticed. */
function associatedData(context: readonly string[], p: ScryptParams, salt: string): Buffer {
  return Buffer.from(JSON.stringify([DOMAIN, ...context, KDF, p.log2n, p.r, p.p, salt, CIPHER]), "utf8");
}

function checkValue(dk: Buffer): Buffer {
  return createHmac("sha256", dk.subarray(32, 64)).update(CHECK_LABEL).digest();
}

/**
 * Encrypts `secret` under `password`; `context` (e.g. name, address, public key) is bound as
 * associated data and must be given again to open it. The caller checks the password policy.
 */
export async function sealSecret(
  secret: Uint8Array,
  password: string,
  context: readonly string[],
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<SealedSecret> {
  assertScryptParams(params);
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const saltText = toBase64(salt);
  const dk = await derive(password, salt, params);
  try {
    const cipher = createCipheriv(CIPHER, dk.subarray(0, 32), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(context, params, saltText));
    const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
    return {
      kdf: KDF,
      kdfparams: { log2n: params.log2n, r: params.r, p: params.p, salt: saltText },
      cipher: CIPHER,
      iv: toBase64(iv),
      ciphertext: toBase64(ciphertext),
      tag: toBase64(cipher.getAuthTag()),
      check: toBase64(checkValue(dk)),
    };
  } finally {
    dk.fill(0);
  }
}

const corrupt = (where: string, why: string) =>
  new KeyringError("KEY_FILE_CORRUPT", `${where} is damaged or was modified: ${why}`, { where });

function bytesField(doc: Record<string, unknown>, name: string, where: string, size?: number): Uint8Array {
  const v = doc[name];
  let bytes: Uint8Array | undefined;
  try {
    if (typeof v === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(v)) bytes = fromBase64(v);
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined || (size !== undefined && bytes.length !== size) || bytes.length === 0) {
    throw corrupt(where, `${name} must be base64${size === undefined ? "" : ` of ${size} bytes`}`);
  }
  return bytes;
}

/** Validates the JSON form of a sealed secret (from a file someone may have edited). */
export function parseSealedSecret(value: unknown, where: string): SealedSecret {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw corrupt(where, "no encrypted secret");
  }
  const doc = value as Record<string, unknown>;
  if (doc.kdf !== KDF) throw corrupt(where, `unsupported kdf ${JSON.stringify(doc.kdf)} (expected "${KDF}")`);
  if (doc.cipher !== CIPHER) {
    throw corrupt(where, `unsupported cipher ${JSON.stringify(doc.cipher)} (expected "${CIPHER}")`);
  }
  const kp = doc.kdfparams;
  if (typeof kp !== "object" || kp === null) throw corrupt(where, "no kdfparams");
  const { log2n, r, p, salt } = kp as Record<string, unknown>;
  const params = { log2n, r, p } as ScryptParams;
  try {
    assertScryptParams(params);
  } catch (err) {
    throw corrupt(where, err instanceof Error ? err.message : String(err));
  }
  bytesField(kp as Record<string, unknown>, "salt", where, SALT_BYTES);
  bytesField(doc, "iv", where, IV_BYTES);
  bytesField(doc, "ciphertext", where);
  bytesField(doc, "tag", where, TAG_BYTES);
  bytesField(doc, "check", where, 32);
  return {
    kdf: KDF,
    kdfparams: { ...params, salt: salt as string },
    cipher: CIPHER,
    iv: doc.iv as string,
    ciphertext: doc.ciphertext as string,
    tag: doc.tag as string,
    check: doc.check as string,
  };
}

/**
 * Decrypts a sealed secret; the caller zeroizes the result. Throws KEY_PASSWORD_WRONG or
 * KEY_FILE_CORRUPT (`where` names the file or export in the message).
 */
export async function openSecret(
  sealed: SealedSecret,
  password: string,
  context: readonly string[],
  where: string,
): Promise<Uint8Array> {
  const p = sealed.kdfparams;
  const dk = await derive(password, fromBase64(p.salt), p);
  try {
    const expected = fromBase64(sealed.check);
    const actual = checkValue(dk);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new KeyringError("KEY_PASSWORD_WRONG", `wrong password for ${where}`, { where });
    }
    const decipher = createDecipheriv(CIPHER, dk.subarray(0, 32), fromBase64(sealed.iv), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(associatedData(context, p, p.salt));
    decipher.setAuthTag(fromBase64(sealed.tag));
    const head = decipher.update(fromBase64(sealed.ciphertext));
    let tail: Buffer;
    try {
      tail = decipher.final();
    } catch {
      head.fill(0);
      throw corrupt(where, "the password is right but the encrypted data does not authenticate");
    }
    const secret = new Uint8Array(head.length + tail.length);
    secret.set(head, 0);
    secret.set(tail, head.length);
    head.fill(0);
    tail.fill(0);
    return secret;
  } finally {
    dk.fill(0);
  }
}
