/**
 * Codec of the tx topic's messages (proto/dccn/p2p/v1/p2p.proto: TxBatch). Txs travel in
 * batches because the per-message cost of gossip (RPC encoding, a muxer frame, an encryption and
 * a socket write per peer) dominated the per-tx cost when each tx was its own message.
 */
import { CodecError, decodeCanonical, ProtoReader, ProtoWriter } from "../../codec/proto.js";

/**
 * Most txs one batch may carry. Well above what a sender puts in one (`TxBatcher`, default 500)
 * and a bound on the work one message can ask of a receiver's mempool.
 */
export const MAX_TX_BATCH_TXS = 4096;

/** Bytes one tx of `txBytes` bytes adds to an encoded batch: tag, length prefix, payload. */
export function txBatchEntrySize(txBytes: number): number {
  return 1 + varintSize(txBytes) + txBytes;
}

/** Encodes txs in order. Refuses what receivers would reject: no txs, an empty tx, too many. */
export function encodeTxBatch(txs: readonly Uint8Array[]): Uint8Array {
  checkCount(txs.length);
  const w = new ProtoWriter();
  for (const tx of txs) {
    if (tx.length === 0) throw new CodecError("CODEC_BAD_VALUE", "TxBatch: a tx cannot be empty");
    w.bytesAlways(1, tx);
  }
  return w.finish();
}

/**
 * Strict decoding: only the canonical encoding of 1..MAX_TX_BATCH_TXS non-empty txs is accepted
 * (a re-encoded variant would dodge gossipsub's content-id dedup). Throws `CodecError`.
 */
export function decodeTxBatch(bytes: Uint8Array): Uint8Array[] {
  return decodeCanonical(bytes, "TxBatch", decodeTxs, encodeTxBatch);
}

function decodeTxs(bytes: Uint8Array): Uint8Array[] {
  const r = new ProtoReader(bytes, "TxBatch");
  const txs: Uint8Array[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f !== 1) r.unknown();
    if (txs.length >= MAX_TX_BATCH_TXS) {
      throw new CodecError("CODEC_TOO_LARGE", `TxBatch: more than ${MAX_TX_BATCH_TXS} txs`);
    }
    // A copy: the mempool keeps the tx, which must not pin the whole message in memory.
    const tx = r.bytes();
    if (tx.length === 0) throw new CodecError("CODEC_BAD_VALUE", `TxBatch: tx ${txs.length} is empty`);
    txs.push(tx);
  }
  checkCount(txs.length);
  return txs;
}

function checkCount(n: number): void {
  if (n === 0) throw new CodecError("CODEC_BAD_VALUE", "TxBatch: no txs");
  if (n > MAX_TX_BATCH_TXS) {
    throw new CodecError("CODEC_TOO_LARGE", `TxBatch: ${n} txs, at most ${MAX_TX_BATCH_TXS} allowed`);
  }
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}
