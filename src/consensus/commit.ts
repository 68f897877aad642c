/**
 * Builds the Commit for a decided block from the precommits of the decision round: one CommitSig
 * per validator in set order — Commit for a precommit for the block, Nil for a precommit for
 * nil, Absent (empty address and signature, as CometBFT encodes it) otherwise.
 */
import { equalBytes, toHex } from "../codec/bytes.js";
import { BlockIdFlag, type Commit, type CommitSig } from "../types/block.js";
import type { ValidatorSet } from "../types/validator.js";
import type { Vote } from "../types/vote.js";

const ABSENT: CommitSig = {
  flag: BlockIdFlag.Absent,
  validatorAddress: new Uint8Array(0),
  signature: new Uint8Array(0),
};

export function buildCommit(
  validators: ValidatorSet,
  height: number,
  round: number,
  blockHash: Uint8Array,
  /** Precommits of (height, round), keyed by validator address hex. */
  precommits: ReadonlyMap<string, Vote>,
): Commit {
  const signatures = validators.validators.map((v): CommitSig => {
    const vote = precommits.get(toHex(v.address));
    if (vote === undefined) return ABSENT;
    if (vote.blockHash === null) {
      return { flag: BlockIdFlag.Nil, validatorAddress: v.address, signature: vote.signature };
    }
    if (equalBytes(vote.blockHash, blockHash)) {
      return { flag: BlockIdFlag.Commit, validatorAddress: v.address, signature: vote.signature };
    }
    return ABSENT;
  });
  return { height, round, blockHash, signatures };
}
