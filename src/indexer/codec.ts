/** Records of the event index (proto/dccn/indexer/indexer.proto). */
import type { ExecTxResult } from "../abci/types.js";
import { CodecError, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { decodeTxResult, writeTxResult } from "../state/abci-responses.js";
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
 * What was written for one height, so re-indexing and pruning can remove exactly that: the tx
 * hashes and the block event keys (tx event keys are derived again from the tx records).
 */
export interface BlockRecord {
  readonly txHashes: readonly Uint8Array[];
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
  for (const h of b.txHashes) w.bytesAlways(1, h);
  for (const k of b.eventKeys) w.bytesAlways(2, k);
  return w.finish();
}

export function decodeBlockRecord(bytes: Uint8Array): BlockRecord {
  try {
    const r = new ProtoReader(bytes, "BlockRecord");
    const txHashes: Uint8Array[] = [];
    const eventKeys: Uint8Array[] = [];
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) txHashes.push(r.bytes());
      else if (f === 2) eventKeys.push(r.bytes());
      else r.unknown();
    }
    return { txHashes, eventKeys };
  } catch (err) {
    throw corrupt("block record", err);
  }
}
