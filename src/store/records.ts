/** Block-store records and their canonical codec (proto/dccn/store/v1/store.proto). */
import { ProtoReader, ProtoWriter } from "../codec/proto.js";
import { decodeHeader, encodeHeader, type Header } from "../types/block.js";

export interface BlockMeta {
  readonly blockHash: Uint8Array;
  /** Bytes of the encoded block. */
  readonly blockSize: number;
  readonly header: Header;
  readonly numTxs: number;
}

export interface BlockStoreRange {
  readonly base: number;
  readonly height: number;
}

export function encodeBlockMeta(m: BlockMeta): Uint8Array {
  return new ProtoWriter()
    .bytes(1, m.blockHash)
    .uint(2, m.blockSize)
    .message(3, encodeHeader(m.header))
    .uint(4, m.numTxs)
    .finish();
}

export function decodeBlockMeta(bytes: Uint8Array): BlockMeta {
  const r = new ProtoReader(bytes, "BlockMeta");
  let blockHash: Uint8Array = new Uint8Array(0);
  let blockSize = 0;
  let header: Header | undefined;
  let numTxs = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) blockHash = r.bytes();
    else if (f === 2) blockSize = r.uint();
    else if (f === 3) header = decodeHeader(r.message());
    else if (f === 4) numTxs = r.uint();
    else r.unknown();
  }
  return { blockHash, blockSize, header: header ?? decodeHeader(new Uint8Array(0)), numTxs };
}

export function encodeBlockStoreRange(s: BlockStoreRange): Uint8Array {
  return new ProtoWriter().uint(1, s.base).uint(2, s.height).finish();
}

export function decodeBlockStoreRange(bytes: Uint8Array): BlockStoreRange {
  const r = new ProtoReader(bytes, "BlockStoreState");
  let base = 0;
  let height = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) base = r.uint();
    else if (f === 2) height = r.uint();
    else r.unknown();
  }
  return { base, height };
}
