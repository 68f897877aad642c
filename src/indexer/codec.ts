/** Records of the event index (proto/dccn/indexer/indexer.proto). */
import type { ExecTxResult } from "../abci/types.js";
import { CodecError, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { decodeTxResult, writeTxResult } from "../state/abci-responses.js";
import { type ByteArena, copyBytes } from "./arena.js";
import { IndexerError } from "./errors.js";

/** A committed tx with its result: what `tx` and `tx_search` return (CometBFT's abci.TxResult). */
export interface IndexedTx {
  readonly height: number;
  readonly index: number;
  readonly hash: Uint8Array;
  readonly tx: Uint8Array;
  readonly result: ExecTxResult;
}

/**
 * What was written for one height, so re-indexing and pruning can remove exactly that: how many
 * tx records and the block event keys (tx event keys and hash pointers are derived again from
 * the tx records, which hold each tx's hash).
 */
export interface BlockRecord {
  readonly txCount: number;
  readonly eventKeys: readonly Uint8Array[];
}

function corrupt(what: string, err: unknown): IndexerError {
  const detail = err instanceof CodecError ? err.message : String(err);
  return new IndexerError(
    "INDEXER_CORRUPT",
    `stored ${what} does not decode (${detail}); rebuild the index`,
    {},
    {
      cause: err,
    },
  );
}

export function encodeIndexedTx(t: IndexedTx): Uint8Array {
  return new ProtoWriter()
    .uint(1, t.height)
    .uint(2, t.index)
    .bytes(3, t.hash)
    .bytes(4, t.tx)
    .nested(5, (w) => writeTxResult(w, t.result), true)
    .finish();
}

function varintSize(n: number): number {
  let size = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) size++;
  return size;
}

/** Writes the varint of a non-negative safe integer at `at`; returns the offset after it. */
function putVarint(out: Uint8Array, at: number, n: number): number {
  let v = n;
  let p = at;
  while (v >= 0x80) {
    out[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[p++] = v;
  return p;
}

/** `tag | length | bytes` of a non-empty length-delimited field (field numbers below 16). */
function putDelimited(out: Uint8Array, at: number, field: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return at;
  out[at] = (field << 3) | 2;
  const p = putVarint(out, at + 1, bytes.length);
  copyBytes(out, p, bytes, 0, bytes.length);
  return p + bytes.length;
}

const delimitedSize = (n: number): number => (n === 0 ? 0 : 1 + varintSize(n) + n);

/**
 * encodeIndexedTx of a result that is already encoded (`encodeTxResult` bytes), written into
 * `arena`: the result is copied, not decoded and encoded again.
 */
export function indexedTxRecord(
  arena: ByteArena,
  height: number,
  index: number,
  hash: Uint8Array,
  tx: Uint8Array,
  result: Uint8Array,
): Uint8Array {
  if (!Number.isSafeInteger(height) || height < 0 || !Number.isSafeInteger(index) || index < 0) {
    throw new CodecError("CODEC_INT_RANGE", `tx record: (${height}, ${index}) is not a valid position`);
  }
  const size =
    (height === 0 ? 0 : 1 + varintSize(height)) +
    (index === 0 ? 0 : 1 + varintSize(index)) +
    delimitedSize(hash.length) +
    delimitedSize(tx.length) +
    delimitedSize(result.length);
  const out = arena.alloc(size);
  let p = 0;
  if (height !== 0) {
    out[p] = 0x08;
    p = putVarint(out, p + 1, height);
  }
  if (index !== 0) {
    out[p] = 0x10;
    p = putVarint(out, p + 1, index);
  }
  p = putDelimited(out, p, 3, hash);
  p = putDelimited(out, p, 4, tx);
  putDelimited(out, p, 5, result);
  return out;
}

/** The hash and the encoded result inside a stored tx record (views; empty when absent). */
export function indexedTxHashAndResult(bytes: Uint8Array): { hash: Uint8Array; result: Uint8Array } {
  try {
    const r = new ProtoReader(bytes, "IndexedTx");
    let hash: Uint8Array = new Uint8Array(0);
    let result: Uint8Array = new Uint8Array(0);
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1 || f === 2) r.uint();
      else if (f === 3) hash = r.message();
      else if (f === 4) r.message();
      else if (f === 5) result = r.message();
      else r.unknown();
    }
    return { hash, result };
  } catch (err) {
    throw corrupt("tx record", err);
  }
}

export function decodeIndexedTx(bytes: Uint8Array): IndexedTx {
  try {
    const r = new ProtoReader(bytes, "IndexedTx");
    let height = 0;
    let index = 0;
    let hash: Uint8Array = new Uint8Array(0);
    let tx: Uint8Array = new Uint8Array(0);
    let result = decodeTxResult(new Uint8Array(0));
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) height = r.uint();
      else if (f === 2) index = r.uint();
      else if (f === 3) hash = r.bytes();
      else if (f === 4) tx = r.bytes();
      else if (f === 5) result = decodeTxResult(r.bytes());
      else r.unknown();
    }
    return { height, index, hash, tx, result };
  } catch (err) {
    throw corrupt("tx record", err);
  }
}

export function encodeBlockRecord(b: BlockRecord): Uint8Array {
  const w = new ProtoWriter();
  w.uint(1, b.txCount);
  for (const k of b.eventKeys) w.bytesAlways(2, k);
  return w.finish();
}

export function decodeBlockRecord(bytes: Uint8Array): BlockRecord {
  try {
    const r = new ProtoReader(bytes, "BlockRecord");
    let txCount = 0;
    const eventKeys: Uint8Array[] = [];
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) txCount = r.uint();
      else if (f === 2) eventKeys.push(r.bytes());
      else r.unknown();
    }
    return { txCount, eventKeys };
  } catch (err) {
    throw corrupt("block record", err);
  }
}
