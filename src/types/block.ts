/** Block, Header and Commit: domain types and their canonical codec (proto/dccn/types/v1). */
import { ProtoReader, ProtoWriter } from "../codec/proto.js";
import { sha256 } from "../crypto/hash.js";
import { merkleRoot } from "../crypto/merkle.js";
import { txHash } from "./tx.js";

export interface Header {
  readonly chainId: string;
  readonly height: number;
  readonly timeMs: number;
  readonly lastBlockHash: Uint8Array;
  readonly lastCommitHash: Uint8Array;
  readonly dataHash: Uint8Array;
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
  readonly consensusHash: Uint8Array;
  readonly appHash: Uint8Array;
  readonly lastResultsHash: Uint8Array;
  readonly evidenceHash: Uint8Array;
  readonly proposerAddress: Uint8Array;
}

export const BlockIdFlag = { Absent: 1, Commit: 2, Nil: 3 } as const;
export type BlockIdFlag = (typeof BlockIdFlag)[keyof typeof BlockIdFlag];

export interface CommitSig {
  readonly flag: BlockIdFlag;
  readonly validatorAddress: Uint8Array;
  readonly signature: Uint8Array;
}

/** +2/3 precommits for `blockHash` at (height, round), one entry per validator in set order. */
export interface Commit {
  readonly height: number;
  readonly round: number;
  readonly blockHash: Uint8Array;
  readonly signatures: readonly CommitSig[];
}

export interface Block {
  readonly header: Header;
  readonly txs: readonly Uint8Array[];
  readonly evidence: readonly Uint8Array[];
  /** Null only at the initial height. */
  readonly lastCommit: Commit | null;
}

export function encodeHeader(h: Header): Uint8Array {
  return new ProtoWriter()
    .string(1, h.chainId)
    .uint(2, h.height)
    .uint(3, h.timeMs)
    .bytes(4, h.lastBlockHash)
    .bytes(5, h.lastCommitHash)
    .bytes(6, h.dataHash)
    .bytes(7, h.validatorsHash)
    .bytes(8, h.nextValidatorsHash)
    .bytes(9, h.consensusHash)
    .bytes(10, h.appHash)
    .bytes(11, h.lastResultsHash)
    .bytes(12, h.evidenceHash)
    .bytes(13, h.proposerAddress)
    .finish();
}

export function decodeHeader(bytes: Uint8Array): Header {
  const r = new ProtoReader(bytes, "Header");
  const e: Uint8Array = new Uint8Array(0);
  const h = {
    chainId: "",
    height: 0,
    timeMs: 0,
    lastBlockHash: e,
    lastCommitHash: e,
    dataHash: e,
    validatorsHash: e,
    nextValidatorsHash: e,
    consensusHash: e,
    appHash: e,
    lastResultsHash: e,
    evidenceHash: e,
    proposerAddress: e,
  };
  for (let f = r.next(); f !== 0; f = r.next()) {
    switch (f) {
      case 1:
        h.chainId = r.string();
        break;
      case 2:
        h.height = r.uint();
        break;
      case 3:
        h.timeMs = r.uint();
        break;
      case 4:
        h.lastBlockHash = r.bytes();
        break;
      case 5:
        h.lastCommitHash = r.bytes();
        break;
      case 6:
        h.dataHash = r.bytes();
        break;
      case 7:
        h.validatorsHash = r.bytes();
        break;
      case 8:
        h.nextValidatorsHash = r.bytes();
        break;
      case 9:
        h.consensusHash = r.bytes();
        break;
      case 10:
        h.appHash = r.bytes();
        break;
      case 11:
        h.lastResultsHash = r.bytes();
        break;
      case 12:
        h.evidenceHash = r.bytes();
        break;
      case 13:
        h.proposerAddress = r.bytes();
        break;
      default:
        r.unknown();
    }
  }
  return h;
}

/** The block hash: SHA-256 of the canonical header encoding. */
export function headerHash(h: Header): Uint8Array {
  return sha256(encodeHeader(h));
}

export function encodeCommitSig(s: CommitSig): Uint8Array {
  return new ProtoWriter().uint(1, s.flag).bytes(2, s.validatorAddress).bytes(3, s.signature).finish();
}

export function decodeCommitSig(bytes: Uint8Array): CommitSig {
  const r = new ProtoReader(bytes, "CommitSig");
  let flag = 0;
  let validatorAddress: Uint8Array = new Uint8Array(0);
  let signature: Uint8Array = new Uint8Array(0);
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) flag = r.uint();
    else if (f === 2) validatorAddress = r.bytes();
    else if (f === 3) signature = r.bytes();
    else r.unknown();
  }
  if (flag !== 1 && flag !== 2 && flag !== 3) {
    return { flag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(0), signature: new Uint8Array(0) };
  }
  return { flag, validatorAddress, signature };
}

export function encodeCommit(c: Commit): Uint8Array {
  const w = new ProtoWriter().uint(1, c.height).uint(2, c.round).bytes(3, c.blockHash);
  for (const s of c.signatures) w.bytesAlways(4, encodeCommitSig(s));
  return w.finish();
}

export function decodeCommit(bytes: Uint8Array): Commit {
  const r = new ProtoReader(bytes, "Commit");
  let height = 0;
  let round = 0;
  let blockHash: Uint8Array = new Uint8Array(0);
  const signatures: CommitSig[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) height = r.uint();
    else if (f === 2) round = r.uint();
    else if (f === 3) blockHash = r.bytes();
    else if (f === 4) signatures.push(decodeCommitSig(r.message()));
    else r.unknown();
  }
  return { height, round, blockHash, signatures };
}

export function commitHash(c: Commit | null): Uint8Array {
  return merkleRoot(c === null ? [] : c.signatures.map(encodeCommitSig));
}

export function encodeBlock(b: Block): Uint8Array {
  const w = new ProtoWriter().message(1, encodeHeader(b.header));
  for (const tx of b.txs) w.bytesAlways(2, tx);
  for (const ev of b.evidence) w.bytesAlways(3, ev);
  w.message(4, b.lastCommit === null ? null : encodeCommit(b.lastCommit));
  return w.finish();
}

export function decodeBlock(bytes: Uint8Array): Block {
  const r = new ProtoReader(bytes, "Block");
  let header: Header | undefined;
  const txs: Uint8Array[] = [];
  const evidence: Uint8Array[] = [];
  let lastCommit: Commit | null = null;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) header = decodeHeader(r.message());
    // Views into the block's bytes, not copies: a block of thousands of txs would otherwise be
    // thousands of small buffers, most dropped again for the mempool's own copies.
    else if (f === 2) txs.push(r.view());
    else if (f === 3) evidence.push(r.bytes());
    else if (f === 4) lastCommit = decodeCommit(r.message());
    else r.unknown();
  }
  return { header: header ?? decodeHeader(new Uint8Array(0)), txs, evidence, lastCommit };
}

export const blockHash = (b: Block): Uint8Array => headerHash(b.header);
/**
 * The data hash: the Merkle root over the txs' SHA-256 hashes, not their bytes (CometBFT v0.38
 * `Txs.Hash`). Each tx's hash is already known to the node (mempool, block store), so a block's
 * tree hashes 33-byte leaves.
 */
export const dataHash = (txs: readonly Uint8Array[]): Uint8Array => merkleRoot(txs.map(txHash));
export const evidenceHash = (evidence: readonly Uint8Array[]): Uint8Array => merkleRoot(evidence);
