/**
 * SLSBFT proposer selection: a weighted pseudo-random draw per (height, round), identical on
 * every node. seed = SHA-256(prevBlockHash ‖ u64be(height) ‖ u64be(round)), read as a big-endian
 * integer mod the total power; the proposer is the validator whose cumulative-power interval
 * (in set order) contains it, so each validator is chosen with probability power/total.
 */
import { toHex, u64be } from "../codec/bytes.js";
import { sha256 } from "../crypto/hash.js";
import type { Validator, ValidatorSet } from "../types/validator.js";
import { ConsensusError } from "./errors.js";

export function proposerSeed(prevBlockHash: Uint8Array, height: number, round: number): bigint {
  const seed = sha256(prevBlockHash, u64be(height), u64be(round));
  return BigInt(`0x${toHex(seed)}`);
}

export function proposerFor(
  validators: ValidatorSet,
  prevBlockHash: Uint8Array,
  height: number,
  round: number,
): Validator {
  // The total is < 2^50 (ValidatorSet enforces it), so the remainder is an exact JS number.
  const target = Number(proposerSeed(prevBlockHash, height, round) % BigInt(validators.totalVotingPower));
  let cumulative = 0;
  for (const v of validators.validators) {
    cumulative += v.votingPower;
    if (target < cumulative) return v;
  }
  // Unreachable: target < total = final cumulative power.
  throw new ConsensusError("CONSENSUS_INVARIANT", "proposerFor: cumulative power did not cover the target");
}
