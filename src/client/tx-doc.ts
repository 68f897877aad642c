/**
 * Tx documents for offline signing: `tx send --generate-only` writes an unsigned document,
 * `tx sign` (possibly on an air-gapped machine) turns it into a signed one, and
 * `tx broadcast` sends it. Fields left null in the unsigned document (chain id, nonce, gas)
 * are filled at signing time, from flags or from the node.
 *
 *   {"type":"dccn/unsigned-tx","chain_id":"dccn-dev","from":"ankr1…","nonce":"4",
 *    "gas_limit":null,"gas_price":"0","memo":"","msg":{"type_url":"/dccn.bank.v1.MsgSend","value":"<base64>"}}
 *
 *   {"type":"dccn/signed-tx","hash":"<HEX>","tx":"<base64 tx bytes>", …the signed fields…}
 */
import { fromBase64, fromHex, toBase64, toHexUpper } from "../codec/bytes.js";
import { parseAddress, toBech32 } from "../crypto/address.js";
import { isDccnError } from "../errors.js";
import { type AnyMsg, decodeTx } from "../types/tx.js";
import { DccnClientError } from "./errors.js";

export const UNSIGNED_TX_TYPE = "dccn/unsigned-tx";
export const SIGNED_TX_TYPE = "dccn/signed-tx";

export interface MsgJson {
  readonly type_url: string;
  /** base64 of the message's protobuf bytes. */
  readonly value: string;
}

export interface UnsignedTxDoc {
  readonly type: typeof UNSIGNED_TX_TYPE;
  readonly chain_id: string | null;
  /** The address expected to sign (`ankr1…`), or null for any. */
  readonly from: string | null;
  readonly nonce: string | null;
  readonly gas_limit: string | null;
  /** Base units per gas. */
  readonly gas_price: string | null;
  readonly memo: string;
  readonly msg: MsgJson;
}

export interface SignedTxDoc {
  readonly type: typeof SIGNED_TX_TYPE;
  /** Upper-case hex SHA-256 of the tx bytes. */
  readonly hash: string;
  /** base64 of the signed tx bytes (what is broadcast). */
  readonly tx: string;
  readonly from: string;
  readonly chain_id: string;
  readonly nonce: string;
  readonly gas_limit: string;
  readonly gas_price: string;
  readonly memo: string;
  readonly msg: MsgJson;
}

/** The fields of an unsigned tx, as the client holds them. */
export interface UnsignedTx {
  readonly chainId?: string;
  readonly from?: string;
  readonly nonce?: number;
  readonly gasLimit?: number;
  readonly gasPrice?: bigint;
  readonly memo: string;
  readonly msg: AnyMsg;
}

const invalid = (why: string) =>
  new DccnClientError("TX_DOC_INVALID", `not a valid tx document: ${why}`, { why });

export const msgJson = (m: AnyMsg): MsgJson => ({ type_url: m.typeUrl, value: toBase64(m.value) });

export function unsignedTxDoc(t: UnsignedTx): UnsignedTxDoc {
  return {
    type: UNSIGNED_TX_TYPE,
    chain_id: t.chainId ?? null,
    from: t.from ?? null,
    nonce: t.nonce === undefined ? null : String(t.nonce),
    gas_limit: t.gasLimit === undefined ? null : String(t.gasLimit),
    gas_price: t.gasPrice === undefined ? null : t.gasPrice.toString(10),
    memo: t.memo,
    msg: msgJson(t.msg),
  };
}

function parseJson(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid("it is not JSON");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalid("it is not a JSON object");
  return doc as Record<string, unknown>;
}

function optionalInt(doc: Record<string, unknown>, field: string): number | undefined {
  const v = doc[field];
  if (v === null || v === undefined) return undefined;
  const n = typeof v === "string" && /^(0|[1-9][0-9]*)$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw invalid(`${field} must be a non-negative integer (a decimal string), got ${JSON.stringify(v)}`);
  }
  return n;
}

function optionalString(doc: Record<string, unknown>, field: string): string | undefined {
  const v = doc[field];
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "string") throw invalid(`${field} must be a string`);
  return v;
}

function parseMsg(v: unknown): AnyMsg {
  if (typeof v !== "object" || v === null) throw invalid("msg must be {type_url, value}");
  const { type_url: typeUrl, value } = v as Record<string, unknown>;
  if (typeof typeUrl !== "string" || typeUrl === "") throw invalid("msg.type_url must be a non-empty string");
  if (typeof value !== "string") throw invalid("msg.value must be base64");
  try {
    return { typeUrl, value: fromBase64(value) };
  } catch {
    throw invalid("msg.value must be base64");
  }
}

/** Reads an unsigned tx document (strictly: a wrong field is named). */
export function parseUnsignedTx(text: string): UnsignedTx {
  const doc = parseJson(text);
  if (doc.type !== UNSIGNED_TX_TYPE) {
    throw invalid(`type must be "${UNSIGNED_TX_TYPE}", got ${JSON.stringify(doc.type)}`);
  }
  const from = optionalString(doc, "from");
  if (from !== undefined) {
    try {
      parseAddress(from);
    } catch (err) {
      throw invalid(`from is not an address: ${isDccnError(err) ? err.message : String(err)}`);
    }
  }
  const gasPrice = optionalString(doc, "gas_price");
  if (gasPrice !== undefined && !/^(0|[1-9][0-9]{0,77})$/.test(gasPrice)) {
    throw invalid("gas_price must be a decimal string of base units per gas");
  }
  const chainId = optionalString(doc, "chain_id");
  const nonce = optionalInt(doc, "nonce");
  const gasLimit = optionalInt(doc, "gas_limit");
  return {
    memo: optionalString(doc, "memo") ?? "",
    msg: parseMsg(doc.msg),
    ...(chainId === undefined ? {} : { chainId }),
    ...(from === undefined ? {} : { from }),
    ...(nonce === undefined ? {} : { nonce }),
    ...(gasLimit === undefined ? {} : { gasLimit }),
    ...(gasPrice === undefined ? {} : { gasPrice: BigInt(gasPrice) }),
  };
}

/** The signed document of tx bytes (decoded, so what was signed can be read). */
export function signedTxDoc(bytes: Uint8Array): SignedTxDoc {
  const tx = decodeTx(bytes);
  const b = tx.body;
  return {
    type: SIGNED_TX_TYPE,
    hash: toHexUpper(tx.hash),
    tx: toBase64(bytes),
    from: toBech32(tx.sender),
    chain_id: b.chainId,
    nonce: String(b.nonce),
    gas_limit: String(b.gasLimit),
    gas_price: b.gasPrice.toString(10),
    memo: b.memo,
    msg: msgJson(b.msg),
  };
}

/**
 * Tx bytes from a signed document, or from bare base64 or hex. The bytes must decode as a tx
 * (the signature is the node's to check); a document's hash must match them.
 */
export function parseSignedTx(text: string): Uint8Array {
  const trimmed = text.trim();
  let bytes: Uint8Array;
  let claimedHash: string | undefined;
  if (trimmed.startsWith("{")) {
    const doc = parseJson(trimmed);
    if (doc.type === UNSIGNED_TX_TYPE) throw invalid("this tx is not signed yet (run `dccn tx sign` first)");
    if (doc.type !== SIGNED_TX_TYPE)
      throw invalid(`type must be "${SIGNED_TX_TYPE}", got ${JSON.stringify(doc.type)}`);
    if (typeof doc.tx !== "string") throw invalid("tx must be the base64 tx bytes");
    claimedHash = optionalString(doc, "hash");
    bytes = decodeText(doc.tx, "base64");
  } else {
    bytes = decodeText(trimmed, /^(0x)?[0-9a-fA-F]+$/.test(trimmed) ? "hex" : "base64");
  }
  let hash: string;
  try {
    hash = toHexUpper(decodeTx(bytes).hash);
  } catch (err) {
    throw invalid(`the tx bytes do not decode: ${isDccnError(err) ? err.message : String(err)}`);
  }
  if (claimedHash !== undefined && claimedHash.toUpperCase() !== hash) {
    throw invalid(`its hash ${claimedHash} is not the hash of its tx bytes (${hash})`);
  }
  return bytes;
}

function decodeText(text: string, as: "hex" | "base64"): Uint8Array {
  try {
    if (as === "hex") return fromHex(text.replace(/^0x/i, ""));
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new Error("not base64");
    return fromBase64(text);
  } catch {
    throw invalid(`the tx is not ${as}`);
  }
}
