/**
 * The transaction envelope (proto/dccn/tx/v1/tx.proto). The envelope knows nothing of message
 * semantics: `msg` is routed by `typeUrl` to the application module that owns it.
 */
import { concatBytes, utf8 } from "../codec/bytes.js";
import { CodecError, decodeCanonicalWith, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { addressFromPublicKey } from "../crypto/address.js";
import type { PrivateKey } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";

export interface AnyMsg {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

export interface TxBody {
  readonly chainId: string;
  readonly nonce: number;
  readonly gasLimit: number;
  /** Base units per gas. */
  readonly gasPrice: bigint;
  readonly memo: string;
  readonly msg: AnyMsg;
}

export interface TxRaw {
  readonly body: Uint8Array;
  readonly pubKey: Uint8Array;
  readonly signature: Uint8Array;
}

/** A decoded tx with its raw parts kept, so hashing and verification use the exact bytes. */
export interface DecodedTx {
  readonly raw: TxRaw;
  readonly body: TxBody;
  readonly sender: Uint8Array;
  readonly hash: Uint8Array;
}

const TX_DOMAIN = utf8("dccn/tx/v1\0");

// Decoders return views into the tx bytes (ProtoReader.view): tx bytes are never mutated once
// received or built (see txHash), and a decoded tx lives exactly as long as its bytes.

function writeAny(w: ProtoWriter, m: AnyMsg): void {
  w.string(1, m.typeUrl).bytes(2, m.value);
}

export function encodeAny(m: AnyMsg): Uint8Array {
  const w = new ProtoWriter();
  writeAny(w, m);
  return w.finish();
}

export function decodeAny(bytes: Uint8Array): AnyMsg {
  const r = new ProtoReader(bytes, "Any");
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array(0);
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) typeUrl = r.string();
    else if (f === 2) value = r.view();
    else r.unknown();
  }
  return { typeUrl, value };
}

function writeTxBody(w: ProtoWriter, b: TxBody): void {
  w.string(1, b.chainId)
    .uint(2, b.nonce)
    .uint(3, b.gasLimit)
    .bigint(4, b.gasPrice)
    .string(5, b.memo)
    .nested(6, (n) => writeAny(n, b.msg));
}

export function encodeTxBody(b: TxBody): Uint8Array {
  const w = new ProtoWriter();
  writeTxBody(w, b);
  return w.finish();
}

export function decodeTxBody(bytes: Uint8Array): TxBody {
  const r = new ProtoReader(bytes, "TxBody");
  let chainId = "";
  let nonce = 0;
  let gasLimit = 0;
  let gasPrice = 0n;
  let memo = "";
  let msg: AnyMsg | undefined;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) chainId = r.string();
    else if (f === 2) nonce = r.uint();
    else if (f === 3) gasLimit = r.uint();
    else if (f === 4) gasPrice = r.bigint();
    else if (f === 5) memo = r.string();
    else if (f === 6) msg = decodeAny(r.message());
    else r.unknown();
  }
  if (msg === undefined) throw new CodecError("CODEC_BAD_VALUE", "TxBody: missing msg");
  return { chainId, nonce, gasLimit, gasPrice, memo, msg };
}

function writeTxRaw(w: ProtoWriter, t: TxRaw): void {
  w.bytes(1, t.body).bytes(2, t.pubKey).bytes(3, t.signature);
}

export function encodeTxRaw(t: TxRaw): Uint8Array {
  const w = new ProtoWriter();
  writeTxRaw(w, t);
  return w.finish();
}

export function decodeTxRaw(bytes: Uint8Array): TxRaw {
  const r = new ProtoReader(bytes, "TxRaw");
  let body: Uint8Array = new Uint8Array(0);
  let pubKey: Uint8Array = new Uint8Array(0);
  let signature: Uint8Array = new Uint8Array(0);
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) body = r.view();
    else if (f === 2) pubKey = r.view();
    else if (f === 3) signature = r.view();
    else r.unknown();
  }
  return { body, pubKey, signature };
}

export const txSignBytes = (body: Uint8Array): Uint8Array => concatBytes(TX_DOMAIN, body);
/**
 * Hashes by bytes object: a tx is hashed by the mempool, its decoding, the block store and the
 * NewBlock publication, nearly always from the same Uint8Array (the mempool's copy goes into the
 * block). Tx bytes are never mutated once received or built; the hash returned is shared and must
 * not be mutated either.
 */
const txHashes = new WeakMap<Uint8Array, Uint8Array>();

export function txHash(txBytes: Uint8Array): Uint8Array {
  let hash = txHashes.get(txBytes);
  if (hash === undefined) {
    hash = sha256(txBytes);
    txHashes.set(txBytes, hash);
  }
  return hash;
}

/**
 * Decodes tx bytes strictly: canonical envelope and body (so one signed tx has exactly one
 * byte form and one hash). Does not verify the signature.
 */
export function decodeTx(bytes: Uint8Array): DecodedTx {
  const raw = decodeCanonicalWith(bytes, "TxRaw", decodeTxRaw, writeTxRaw);
  const body = decodeCanonicalWith(raw.body, "TxBody", decodeTxBody, writeTxBody);
  if (raw.pubKey.length !== 32) throw new CodecError("CODEC_BAD_VALUE", "TxRaw: pub_key must be 32 bytes");
  return { raw, body, sender: addressFromPublicKey(raw.pubKey), hash: txHash(bytes) };
}

/** Builds and signs a tx; returns its bytes. */
export function signTx(key: PrivateKey, body: TxBody): Uint8Array {
  const bodyBytes = encodeTxBody(body);
  const signature = key.sign(txSignBytes(bodyBytes));
  return encodeTxRaw({ body: bodyBytes, pubKey: key.publicKey, signature });
}
