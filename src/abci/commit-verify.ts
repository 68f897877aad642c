/**
 * Verifies a Commit: one entry per validator in set order, every non-absent entry signed by
 * that validator over the precommit sign-bytes (nil entries over a nil precommit), and more
 * than two thirds of the set's power committing to `blockHash`. Each signature is verified
 * exactly once; nil signatures are verified too because the app rewards "signed last block".
 */
import { equalBytes, toHexUpper } from "../codec/bytes.js";
import { verifySignature } from "../crypto/ed25519.js";
import { DccnError } from "../errors.js";
import { BlockIdFlag, type Commit } from "../types/block.js";
import type { ValidatorSet } from "../types/validator.js";
import { VoteType, voteSignBytes } from "../types/vote.js";

export type CommitErrorCode =
  | "COMMIT_WRONG_HEIGHT"
  | "COMMIT_WRONG_BLOCK"
  | "COMMIT_WRONG_SIZE"
  | "COMMIT_WRONG_VALIDATOR"
  | "COMMIT_MALFORMED_SIG"
  | "COMMIT_BAD_SIGNATURE"
  | "COMMIT_INSUFFICIENT_POWER";

export class CommitError extends DccnError<CommitErrorCode> {
  constructor(code: CommitErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "CommitError";
  }
}

export interface CommitTally {
  /** Power of the validators that committed to the block. */
  readonly committedPower: number;
  readonly totalPower: number;
}

export function verifyCommit(
  chainId: string,
  valset: ValidatorSet,
  height: number,
  blockHash: Uint8Array,
  commit: Commit,
): CommitTally {
  if (commit.height !== height) {
    throw new CommitError(
      "COMMIT_WRONG_HEIGHT",
      `commit is for height ${commit.height}, expected ${height}`,
      {
        height,
        commitHeight: commit.height,
      },
    );
  }
  if (!equalBytes(commit.blockHash, blockHash)) {
    throw new CommitError(
      "COMMIT_WRONG_BLOCK",
      `commit at height ${height} is for block ${toHexUpper(commit.blockHash)}, expected ${toHexUpper(blockHash)}`,
      { height },
    );
  }
  if (commit.signatures.length !== valset.size) {
    throw new CommitError(
      "COMMIT_WRONG_SIZE",
      `commit at height ${height} has ${commit.signatures.length} signatures for a set of ${valset.size} validators`,
      { height },
    );
  }
  const base = { type: VoteType.Precommit, height, round: commit.round } as const;
  const forBlock = voteSignBytes(chainId, { ...base, blockHash });
  let forNil: Uint8Array | undefined;
  let committedPower = 0;
  commit.signatures.forEach((sig, i) => {
    const val = valset.validators[i]!;
    if (sig.flag === BlockIdFlag.Absent) {
      if (sig.validatorAddress.length !== 0 || sig.signature.length !== 0) {
        throw new CommitError(
          "COMMIT_MALFORMED_SIG",
          `absent entry #${i} carries an address or a signature`,
          {
            height,
            index: i,
          },
        );
      }
      return;
    }
    if (!equalBytes(sig.validatorAddress, val.address)) {
      throw new CommitError(
        "COMMIT_WRONG_VALIDATOR",
        `commit entry #${i} is from ${toHexUpper(sig.validatorAddress)}, but validator #${i} is ${toHexUpper(val.address)}`,
        { height, index: i },
      );
    }
    if (sig.flag !== BlockIdFlag.Commit) forNil ??= voteSignBytes(chainId, { ...base, blockHash: null });
    const signBytes = sig.flag === BlockIdFlag.Commit ? forBlock : forNil!;
    if (!verifySignature(val.pubKey, signBytes, sig.signature)) {
      throw new CommitError(
        "COMMIT_BAD_SIGNATURE",
        `invalid precommit signature from validator ${toHexUpper(val.address)} (entry #${i}) at height ${height}`,
        { height, index: i },
      );
    }
    if (sig.flag === BlockIdFlag.Commit) committedPower += val.votingPower;
  });
  if (!valset.hasTwoThirds(committedPower)) {
    throw new CommitError(
      "COMMIT_INSUFFICIENT_POWER",
      `commit at height ${height} has ${committedPower} of ${valset.totalVotingPower} voting power; more than two thirds is needed`,
      { height, committedPower, totalPower: valset.totalVotingPower },
    );
  }
  return { committedPower, totalPower: valset.totalVotingPower };
}
