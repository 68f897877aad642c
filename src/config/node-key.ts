/**
 * `node_key.json`: this node's p2p identity, in CometBFT's shape
 * `{"priv_key":{"type":"tendermint/PrivKeyEd25519","value":base64(seed ‖ pubkey)}}`.
 * The node id is the lower-case hex of the key's address, as CometBFT prints it.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { asBytes, concatBytes, equalBytes, fromBase64, toBase64, toHex, zeroize } from "../codec/bytes.js";
import { addressFromPublicKey } from "../crypto/address.js";
import { PrivateKey, SEED_SIZE } from "../crypto/ed25519.js";
import { DccnError } from "../errors.js";
import { writeFileAtomic } from "./fs.js";

export type NodeKeyErrorCode = "NODE_KEY_INVALID";

export const PRIV_KEY_TYPE_ED25519 = "tendermint/PrivKeyEd25519";

export interface NodeKey {
  /** The 32-byte Ed25519 seed; callers zeroize it when done. */
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Lower-case hex of the first 20 bytes of SHA-256(publicKey). */
  readonly nodeId: string;
}

function fromSeed(seed: Uint8Array): NodeKey {
  const publicKey = PrivateKey.fromSeed(seed).publicKey;
  return { seed, publicKey, nodeId: toHex(addressFromPublicKey(publicKey)) };
}

/** Creates a fresh node key file (mode 0600), refusing to replace an existing one. */
export function generateNodeKeyFile(path: string): NodeKey {
  const key = fromSeed(asBytes(randomBytes(SEED_SIZE)));
  const raw = concatBytes(key.seed, key.publicKey);
  const json = { priv_key: { type: PRIV_KEY_TYPE_ED25519, value: toBase64(raw) } };
  zeroize(raw);
  writeFileAtomic(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600, exclusive: true });
  return key;
}

export function loadNodeKey(path: string): NodeKey {
  const invalid = (why: string) =>
    new DccnError<NodeKeyErrorCode>("NODE_KEY_INVALID", `${path}: ${why}`, { path });
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err));
  }
  const priv = (doc as { priv_key?: { type?: unknown; value?: unknown } } | null)?.priv_key;
  if (priv?.type !== PRIV_KEY_TYPE_ED25519 || typeof priv.value !== "string") {
    throw invalid(`expected {"priv_key":{"type":"${PRIV_KEY_TYPE_ED25519}","value":"<base64>"}}`);
  }
  let raw: Uint8Array;
  try {
    raw = fromBase64(priv.value);
  } catch {
    throw invalid("priv_key.value is not base64");
  }
  if (raw.length !== 64) throw invalid("priv_key.value must be 64 bytes (seed and public key)");
  const key = fromSeed(raw.slice(0, SEED_SIZE));
  const matches = equalBytes(key.publicKey, raw.subarray(SEED_SIZE));
  zeroize(raw);
  if (!matches) throw invalid("the public key half does not match the seed");
  return key;
}
