/**
 * EndBlock of the staking module: releases matured unbonding, and either runs the election (at
 * an epoch's last block: every height divisible by `epoch_blocks`) or removes validators that
 * can no longer serve (jailed, withdrawn, re-keyed, or bonded below `min_stake`).
 *
 * Eligibility (seed p.14): a candidate that is not jailed, has bonded ≥ `min_stake`, and whose
 * service level (service-level.ts) is ≥ `min_service_level_ppm`. Its weight is
 *
 *     weight = bonded (base units) × service level (ppm)
 *
 * and the election draws up to `max_validators` of the eligible at random without replacement,
 * proportionally to weight (election.ts), from seed = SHA-256(tag, chain id, height, hash of this
 * block) — the last block of the ending epoch, committed data every node has. Voting power is the
 * same weight scaled to integers (`votingPowers`). The difference to the current set goes out as
 * validator updates and takes effect at height + 2. Every node computes the same set.
 *
 * An election with no eligible candidate, or a removal that would empty the set, changes nothing:
 * a chain without validators cannot make blocks, so the old set stays until someone is eligible.
 * Genesis validators that no staking operator owns are only replaced by an election.
 */
import type { ValidatorUpdate } from "../../abci/types.js";
import { equalBytes, toHex, toHexUpper } from "../../codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../crypto/address.js";
import { transfer } from "../bank/accounts.js";
import type { BlockContext } from "../module.js";
import type { KvReader } from "../state/kv.js";
import { drawWeighted, electionSeed, type SetMember, setDiff, votingPowers } from "./election.js";
import { stakingEvent } from "./events.js";
import { STAKING_POOL } from "./keys.js";
import type { StakingParams } from "./params.js";
import type { Candidate } from "./records.js";
import { payStakeHoldingRewards } from "./rewards.js";
import { resolveServiceLevel, type ServiceLevel, type ServiceLevelInputs } from "./service-level.js";
import {
  allCandidates,
  clearSigningInfo,
  currentValidators,
  dueUnbondings,
  getBonded,
  getCandidate,
  getUnbonding,
  operatorOfConsensus,
  setElection,
  setUnbonding,
  setValidator,
} from "./store.js";

export const isEpochEnd = (height: number, params: StakingParams): boolean =>
  height % params.epochBlocks === 0;

/** Pays out every unbonding entry whose completion height has come. */
export async function releaseUnbonding(ctx: BlockContext): Promise<void> {
  for (const { account, completion } of await dueUnbondings(ctx.store, ctx.height)) {
    const entry = getUnbonding(ctx.store, account, completion);
    if (entry === undefined) continue;
    setUnbonding(ctx.store, account, completion, { amount: 0n, creationHeight: entry.creationHeight });
    ctx.events.push(transfer(ctx.store, STAKING_POOL, account, entry.amount));
    ctx.events.push(
      stakingEvent("unbonding_complete", { staker: toBech32(account), amount: entry.amount.toString() }),
    );
  }
}

export interface CandidateStanding {
  readonly operator: Uint8Array;
  readonly candidate: Candidate;
  readonly bonded: bigint;
  readonly serviceLevel: ServiceLevel;
  readonly eligible: boolean;
  /** bonded × service level ppm when eligible, else 0. */
  readonly weight: bigint;
}

/** A candidate's stake, service level, eligibility and weight at the state of `store`. */
export async function standingOf(
  store: KvReader,
  params: StakingParams,
  inputs: ServiceLevelInputs,
  operator: Uint8Array,
  candidate: Candidate,
): Promise<CandidateStanding> {
  const bonded = getBonded(store, operator);
  const serviceLevel = await resolveServiceLevel(inputs, store, {
    operator,
    provider: candidate.provider,
    genesisPpm: candidate.genesisServiceLevelPpm,
  });
  const eligible =
    !candidate.jailed &&
    bonded > 0n &&
    bonded >= params.minStake &&
    serviceLevel.ppm >= params.minServiceLevelPpm &&
    serviceLevel.ppm > 0;
  return {
    operator,
    candidate,
    bonded,
    serviceLevel,
    eligible,
    weight: eligible ? bonded * BigInt(serviceLevel.ppm) : 0n,
  };
}

function commitSet(
  ctx: BlockContext,
  current: readonly SetMember[],
  next: readonly SetMember[],
): ValidatorUpdate[] {
  const updates = setDiff(current, next);
  const before = new Set(current.map((m) => toHex(m.consAddress)));
  const after = new Set(next.map((m) => toHex(m.consAddress)));
  for (const m of current) {
    if (!after.has(toHex(m.consAddress)))
      setValidator(ctx.store, m.consAddress, { pubKey: m.pubKey, power: 0 });
  }
  for (const m of next) {
    setValidator(ctx.store, m.consAddress, { pubKey: m.pubKey, power: m.power });
    // A (re)joining validator's liveness window starts with its first expected vote.
    if (!before.has(toHex(m.consAddress))) clearSigningInfo(ctx.store, m.consAddress);
  }
  for (const u of updates) {
    ctx.events.push(
      stakingEvent("validator_update", {
        consensus_address: toHexUpper(addressFromPublicKey(u.pubKey)),
        power: String(u.power),
      }),
    );
  }
  return updates;
}

async function currentMembers(ctx: BlockContext): Promise<SetMember[]> {
  return (await currentValidators(ctx.store)).map(({ consAddress, validator }) => ({
    consAddress,
    pubKey: validator.pubKey,
    power: validator.power,
  }));
}

/** The election at an epoch's last block; returns the validator updates. */
export async function runElection(
  ctx: BlockContext,
  params: StakingParams,
  inputs: ServiceLevelInputs,
  blockHash: Uint8Array,
): Promise<ValidatorUpdate[]> {
  const pool: { id: Uint8Array; weight: bigint; value: CandidateStanding }[] = [];
  for await (const { operator, candidate } of allCandidates(ctx.store)) {
    const s = await standingOf(ctx.store, params, inputs, operator, candidate);
    if (s.eligible) pool.push({ id: operator, weight: s.weight, value: s });
  }
  const seed = electionSeed(ctx.chainId, ctx.height, blockHash);
  const picked = drawWeighted(pool, params.maxValidators, seed);
  const totalWeight = picked.reduce((sum, c) => sum + c.weight, 0n);
  setElection(ctx.store, {
    height: ctx.height,
    seed,
    eligible: pool.length,
    elected: picked.length,
    totalWeight,
  });
  ctx.events.push(
    stakingEvent("election", {
      height: String(ctx.height),
      seed: toHexUpper(seed),
      eligible: String(pool.length),
      elected: String(picked.length),
    }),
  );
  if (picked.length === 0) return [];
  const powers = votingPowers(picked.map((c) => c.weight));
  const next: SetMember[] = picked.map((c, i) => ({
    consAddress: addressFromPublicKey(c.value.candidate.consPubKey),
    pubKey: c.value.candidate.consPubKey,
    power: powers[i]!,
  }));
  return commitSet(ctx, await currentMembers(ctx), next);
}

/** Between elections: drops validators whose operator can no longer serve. */
export async function removeUnfit(ctx: BlockContext, params: StakingParams): Promise<ValidatorUpdate[]> {
  const current = await currentMembers(ctx);
  const keep = current.filter((m) => {
    const operator = operatorOfConsensus(ctx.store, m.consAddress);
    if (operator === undefined) return true; // a genesis validator without an operator
    const c = getCandidate(ctx.store, operator);
    if (c === undefined || c.jailed || !equalBytes(c.consPubKey, m.pubKey)) return false;
    const bonded = getBonded(ctx.store, operator);
    return bonded > 0n && bonded >= params.minStake;
  });
  if (keep.length === current.length) return [];
  if (keep.length === 0) {
    ctx.events.push(
      stakingEvent("validator_removal_skipped", {
        why: "removing every unfit validator would leave the set empty",
        count: String(current.length),
      }),
    );
    return [];
  }
  return commitSet(ctx, current, keep);
}

/** The staking EndBlock; returns the validator updates. */
export async function stakingEndBlock(
  ctx: BlockContext,
  params: StakingParams,
  inputs: ServiceLevelInputs,
  blockHash: Uint8Array,
): Promise<ValidatorUpdate[]> {
  await releaseUnbonding(ctx);
  if (!isEpochEnd(ctx.height, params)) return removeUnfit(ctx, params);
  await payStakeHoldingRewards(ctx, params);
  return runElection(ctx, params, inputs, blockHash);
}
