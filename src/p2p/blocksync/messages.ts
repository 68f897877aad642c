/** Codec of the block sync protocol (proto/dccn/p2p/v1/p2p.proto: BlockSyncRequest / BlockSyncResponse). */
import { CodecError, ProtoReader, ProtoWriter } from "../../codec/proto.js";
import {
  type Block,
  type Commit,
  decodeBlock,
  decodeCommit,
  encodeBlock,
  encodeCommit,
} from "../../types/block.js";

export type BlockSyncRequest =
  | { readonly kind: "status" }
  | { readonly kind: "blocks"; readonly fromHeight: number; readonly count: number };

export type BlockSyncResponse =
  | { readonly kind: "status"; readonly base: number; readonly height: number }
  | { readonly kind: "block"; readonly block: Block; readonly commit: Commit }
  | { readonly kind: "no_block"; readonly height: number };

const EMPTY = new Uint8Array(0);

export function encodeBlockSyncRequest(r: BlockSyncRequest): Uint8Array {
  if (r.kind === "status") return new ProtoWriter().message(1, EMPTY).finish();
  return new ProtoWriter()
    .message(2, new ProtoWriter().uint(1, r.fromHeight).uint(2, r.count).finish())
    .finish();
}

export function decodeBlockSyncRequest(bytes: Uint8Array): BlockSyncRequest {
  const r = new ProtoReader(bytes, "BlockSyncRequest");
  let out: BlockSyncRequest | null = null;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (out !== null) throw new CodecError("CODEC_BAD_VALUE", "BlockSyncRequest: more than one request");
    if (f === 1) {
      const inner = new ProtoReader(r.message(), "StatusRequest");
      if (inner.next() !== 0) inner.unknown();
      out = { kind: "status" };
    } else if (f === 2) {
      const inner = new ProtoReader(r.message(), "BlockRangeRequest");
      let fromHeight = 0;
      let count = 0;
      for (let g = inner.next(); g !== 0; g = inner.next()) {
        if (g === 1) fromHeight = inner.uint();
        else if (g === 2) count = inner.uint();
        else inner.unknown();
      }
      out = { kind: "blocks", fromHeight, count };
    } else r.unknown();
  }
  if (out === null) throw new CodecError("CODEC_BAD_VALUE", "BlockSyncRequest: empty request");
  return out;
}

export function encodeBlockSyncResponse(r: BlockSyncResponse): Uint8Array {
  switch (r.kind) {
    case "status":
      return new ProtoWriter()
        .message(1, new ProtoWriter().uint(1, r.base).uint(2, r.height).finish())
        .finish();
    case "block":
      return new ProtoWriter()
        .message(
          2,
          new ProtoWriter().message(1, encodeBlock(r.block)).message(2, encodeCommit(r.commit)).finish(),
        )
        .finish();
    case "no_block":
      return new ProtoWriter().message(3, new ProtoWriter().uint(1, r.height).finish()).finish();
  }
}

export function decodeBlockSyncResponse(bytes: Uint8Array): BlockSyncResponse {
  const r = new ProtoReader(bytes, "BlockSyncResponse");
  let out: BlockSyncResponse | null = null;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (out !== null) throw new CodecError("CODEC_BAD_VALUE", "BlockSyncResponse: more than one response");
    if (f === 1) {
      const inner = new ProtoReader(r.message(), "StatusResponse");
      let base = 0;
      let height = 0;
      for (let g = inner.next(); g !== 0; g = inner.next()) {
        if (g === 1) base = inner.uint();
        else if (g === 2) height = inner.uint();
        else inner.unknown();
      }
      out = { kind: "status", base, height };
    } else if (f === 2) {
      const inner = new ProtoReader(r.message(), "BlockResponse");
      let block: Block | null = null;
      let commit: Commit | null = null;
      for (let g = inner.next(); g !== 0; g = inner.next()) {
        if (g === 1) block = decodeBlock(inner.message());
        else if (g === 2) commit = decodeCommit(inner.message());
        else inner.unknown();
      }
      if (block === null || commit === null) {
        throw new CodecError("CODEC_BAD_VALUE", "BlockResponse: needs both the block and its commit");
      }
      out = { kind: "block", block, commit };
    } else if (f === 3) {
      const inner = new ProtoReader(r.message(), "NoBlockResponse");
      let height = 0;
      for (let g = inner.next(); g !== 0; g = inner.next()) {
        if (g === 1) height = inner.uint();
        else inner.unknown();
      }
      out = { kind: "no_block", height };
    } else r.unknown();
  }
  if (out === null) throw new CodecError("CODEC_BAD_VALUE", "BlockSyncResponse: empty response");
  return out;
}
