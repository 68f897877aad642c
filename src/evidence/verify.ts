/**
 * Verification of duplicate-vote evidence against the chain: the height is committed and not
 * too old for the block that would carry it, the offender was a validator at that height with
 * the stated power and index, the total power and time match that height, and both
 * signatures are valid.
 */
import { toHexUpper } from "../codec/bytes.js";
import { verifySignature } from "../crypto/ed25519.js";
import type { ValidatorSet } from "../types/validator.js";
import { voteSignBytes } from "../types/vote.js";
import { checkPair, type DuplicateVoteEvidence } from "./duplicate-vote.js";
import { EvidenceError } from "./errors.js";

/** Where the chain's history comes from (the state store and block store). */
export interface EvidenceChainView {
  readonly chainId: string;
  /** The validator set that signed `height`; null when unknown. */
  loadValidators(height: number): Promise<ValidatorSet | null>;
  /** The time of the committed block at `height`; null when unknown (never committed, pruned). */
  loadBlockTime(height: number): Promise<number | null>;
}

export interface EvidenceWindow {
  /** The last committed height: evidence must not be newer. */
  readonly lastBlockHeight: number;
  /** The height of the block that would carry the evidence. */
  readonly blockHeight: number;
  readonly maxAgeBlocks: number;
}

/** True when evidence at `evidenceHeight` may no longer be included at `blockHeight`. */
export function isExpired(evidenceHeight: number, blockHeight: number, maxAgeBlocks: number): boolean {
  return blockHeight - evidenceHeight > maxAgeBlocks;
}

/** Height and age only (cheap; no I/O). */
export function checkWindow(ev: DuplicateVoteEvidence, window: EvidenceWindow): void {
  const height = ev.voteA.height;
  if (height > window.lastBlockHeight) {
    throw new EvidenceError(
      "EVIDENCE_FROM_FUTURE",
      `evidence for height ${height} is not verifiable yet: the last committed height is ${window.lastBlockHeight}`,
      { height, lastBlockHeight: window.lastBlockHeight },
    );
  }
  if (isExpired(height, window.blockHeight, window.maxAgeBlocks)) {
    throw new EvidenceError(
      "EVIDENCE_EXPIRED",
      `evidence for height ${height} is older than ${window.maxAgeBlocks} blocks at height ${window.blockHeight}`,
      { height, blockHeight: window.blockHeight, maxAgeBlocks: window.maxAgeBlocks },
    );
  }
}

/** Full verification; throws an EvidenceError naming the first rule broken. */
export async function verifyDuplicateVoteEvidence(
  ev: DuplicateVoteEvidence,
  chain: EvidenceChainView,
  window: EvidenceWindow,
): Promise<void> {
  checkPair(ev);
  checkWindow(ev, window);
  const a = ev.voteA;
  const height = a.height;
  const who = toHexUpper(a.validatorAddress);
  const validators = await chain.loadValidators(height);
  if (validators === null) {
    throw new EvidenceError("EVIDENCE_UNKNOWN_HEIGHT", `no validator set is known for height ${height}`, {
      height,
    });
  }
  const index = validators.indexOf(a.validatorAddress);
  const validator = validators.validators[index];
  if (validator === undefined) {
    throw new EvidenceError("EVIDENCE_UNKNOWN_VALIDATOR", `${who} was not a validator at height ${height}`, {
      height,
      validator: who,
    });
  }
  const mismatch = (what: string, got: number, want: number): never => {
    throw new EvidenceError(
      "EVIDENCE_MISMATCH",
      `evidence against ${who} at height ${height}: ${what} is ${got}, the chain says ${want}`,
      { height, validator: who, what, got, want },
    );
  };
  if (a.validatorIndex !== index) mismatch("validator index", a.validatorIndex, index);
  if (ev.validatorPower !== validator.votingPower) {
    mismatch("validator power", ev.validatorPower, validator.votingPower);
  }
  if (ev.totalVotingPower !== validators.totalVotingPower) {
    mismatch("total voting power", ev.totalVotingPower, validators.totalVotingPower);
  }
  const timeMs = await chain.loadBlockTime(height);
  if (timeMs === null) {
    throw new EvidenceError("EVIDENCE_UNKNOWN_HEIGHT", `no block time is known for height ${height}`, {
      height,
    });
  }
  if (ev.timeMs !== timeMs) mismatch("time", ev.timeMs, timeMs);
  for (const [name, vote] of [
    ["vote_a", ev.voteA],
    ["vote_b", ev.voteB],
  ] as const) {
    if (!verifySignature(validator.pubKey, voteSignBytes(chain.chainId, vote), vote.signature)) {
      throw new EvidenceError(
        "EVIDENCE_BAD_SIGNATURE",
        `evidence against ${who} at height ${height}: ${name}'s signature is not valid`,
        { height, validator: who },
      );
    }
  }
}
