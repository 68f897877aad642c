/** Consensus parameters (block and evidence limits), agreed in genesis and hashed into headers. */
import { ProtoReader, ProtoWriter } from "../codec/proto.js";
import { sha256 } from "../crypto/hash.js";

export interface ConsensusParams {
  readonly block: { readonly maxBytes: number; readonly maxGas: number };
  readonly evidence: { readonly maxAgeBlocks: number; readonly maxBytes: number };
}

/**
 * Block gas is sized to max_bytes: 4 MiB holds ~23k plain transfers, and 1e9 gas admits ~25k of
 * them at a wallet's 40k gas limit, so neither limit cuts a block of transfers far short of the
 * other (200M capped blocks at 5,000 transfers, under what one node checks per block interval).
 */
export const DEFAULT_CONSENSUS_PARAMS: ConsensusParams = {
  block: { maxBytes: 4 * 1024 * 1024, maxGas: 1_000_000_000 },
  evidence: { maxAgeBlocks: 100_000, maxBytes: 1024 * 1024 },
};

export function encodeConsensusParams(p: ConsensusParams): Uint8Array {
  return new ProtoWriter()
    .uint(1, p.block.maxBytes)
    .uint(2, p.block.maxGas)
    .uint(3, p.evidence.maxAgeBlocks)
    .uint(4, p.evidence.maxBytes)
    .finish();
}

export function decodeConsensusParams(bytes: Uint8Array): ConsensusParams {
  const r = new ProtoReader(bytes, "ConsensusParams");
  const p = { maxBytes: 0, maxGas: 0, maxAgeBlocks: 0, evMaxBytes: 0 };
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) p.maxBytes = r.uint();
    else if (f === 2) p.maxGas = r.uint();
    else if (f === 3) p.maxAgeBlocks = r.uint();
    else if (f === 4) p.evMaxBytes = r.uint();
    else r.unknown();
  }
  return {
    block: { maxBytes: p.maxBytes, maxGas: p.maxGas },
    evidence: { maxAgeBlocks: p.maxAgeBlocks, maxBytes: p.evMaxBytes },
  };
}

export const consensusParamsHash = (p: ConsensusParams): Uint8Array => sha256(encodeConsensusParams(p));
