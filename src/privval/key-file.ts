/**
 * `priv_validator_key.json` in CometBFT's shape:
 *   { address: HEX, pub_key: { type: "tendermint/PubKeyEd25519", value: b64 },
 *     priv_key: { type: "tendermint/PrivKeyEd25519", value: b64(seed ‖ pubkey) } }
 * Byte buffers holding key material are zeroed as soon as they are no longer needed (the
 * base64 strings JSON needs cannot be wiped; they are dropped immediately).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  asBytes,
  concatBytes,
  equalBytes,
  fromBase64,
  toBase64,
  toHexUpper,
  zeroize,
} from "../codec/bytes.js";
import { addressFromPublicKey } from "../crypto/address.js";
import { PrivateKey, SEED_SIZE } from "../crypto/ed25519.js";
import { errorMessage } from "../errors.js";
import { createFileAtomic, writeFileAtomic } from "./atomic-file.js";
import { PrivvalError } from "./errors.js";

export const PUBKEY_TYPE = "tendermint/PubKeyEd25519";
export const PRIVKEY_TYPE = "tendermint/PrivKeyEd25519";

function keyJson(key: PrivateKey): string {
  const seed = key.exportSeed();
  const priv = concatBytes(seed, key.publicKey);
  try {
    return `${JSON.stringify(
      {
        address: toHexUpper(addressFromPublicKey(key.publicKey)),
        pub_key: { type: PUBKEY_TYPE, value: toBase64(key.publicKey) },
        priv_key: { type: PRIVKEY_TYPE, value: toBase64(priv) },
      },
      null,
      2,
    )}\n`;
  } finally {
    zeroize(seed);
    zeroize(priv);
  }
}

/** Writes `key` to `path` (mode 0600, atomically); refuses to replace a file unless `overwrite`. */
export async function saveValidatorKey(
  path: string,
  key: PrivateKey,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    if (options.overwrite === true) await writeFileAtomic(path, keyJson(key));
    else await createFileAtomic(path, keyJson(key));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new PrivvalError(
        "PRIVVAL_KEY_EXISTS",
        `${path} already exists; refusing to overwrite a validator key (move it away first)`,
        { path },
      );
    }
    throw new PrivvalError(
      "PRIVVAL_KEY_IO",
      `cannot write ${path}: ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
}

/** Generates a fresh Ed25519 validator key at `path`; refuses to overwrite an existing file. */
export async function generateValidatorKeyFile(
  path: string,
): Promise<{ address: Uint8Array; pubKey: Uint8Array }> {
  const seed = asBytes(randomBytes(SEED_SIZE));
  let key: PrivateKey;
  try {
    key = PrivateKey.fromSeed(seed);
  } finally {
    zeroize(seed);
  }
  await saveValidatorKey(path, key);
  return { address: addressFromPublicKey(key.publicKey), pubKey: key.publicKey };
}

/** Loads and cross-checks a key file (address, public key and private key must agree). */
export async function loadValidatorKey(path: string): Promise<PrivateKey> {
  const invalid = (why: string, cause?: unknown) =>
    new PrivvalError("PRIVVAL_KEY_INVALID", `${path}: ${why}`, { path }, { cause });
  let raw: Uint8Array;
  try {
    raw = asBytes(await readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new PrivvalError("PRIVVAL_KEY_NOT_FOUND", `${path} does not exist (run \`dccn init\`?)`, {
        path,
      });
    }
    throw new PrivvalError(
      "PRIVVAL_KEY_IO",
      `cannot read ${path}: ${errorMessage(err)}`,
      { path },
      { cause: err },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8"));
  } catch (err) {
    throw invalid("not valid JSON", err);
  } finally {
    zeroize(raw);
  }
  const o = doc as {
    address?: unknown;
    pub_key?: { type?: unknown; value?: unknown };
    priv_key?: { type?: unknown; value?: unknown };
  } | null;
  if (typeof o !== "object" || o === null) throw invalid("not a JSON object");
  if (o.priv_key?.type !== PRIVKEY_TYPE || typeof o.priv_key.value !== "string") {
    throw invalid(`priv_key must be {type: "${PRIVKEY_TYPE}", value: base64}`);
  }
  if (o.pub_key?.type !== PUBKEY_TYPE || typeof o.pub_key.value !== "string") {
    throw invalid(`pub_key must be {type: "${PUBKEY_TYPE}", value: base64}`);
  }
  if (typeof o.address !== "string") throw invalid("address must be a hex string");

  let priv: Uint8Array;
  let pub: Uint8Array;
  try {
    priv = fromBase64(o.priv_key.value);
    pub = fromBase64(o.pub_key.value);
  } catch (err) {
    throw invalid("bad base64 in a key", err);
  }
  let key: PrivateKey;
  try {
    if (priv.length !== 2 * SEED_SIZE)
      throw invalid(`priv_key must be 64 bytes (seed ‖ public key), got ${priv.length}`);
    const seed = priv.subarray(0, SEED_SIZE);
    key = PrivateKey.fromSeed(seed);
    if (!equalBytes(key.publicKey, priv.subarray(SEED_SIZE)))
      throw invalid("priv_key's two halves do not match");
  } finally {
    zeroize(priv);
  }
  if (!equalBytes(key.publicKey, pub)) throw invalid("pub_key does not match priv_key");
  if (o.address.toUpperCase() !== toHexUpper(addressFromPublicKey(pub))) {
    throw invalid("address does not match pub_key");
  }
  return key;
}
