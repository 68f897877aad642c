/**
 * Reputation of consumers, application providers and resource providers (seed pp.20–22).
 *
 * Every role keeps the same five indices, all fixed-point ×ONE:
 *   fee index      EMA of log-scaled total fee (TotalPayFee for consumers, TotalEarnedFee for
 *                  providers): p_t = w·(ln(x_t)/D) + (1 − w)·p_{t−1}, updated on every settlement
 *   deals index    the same EMA over the total of completed deals, updated when a deal ends
 *   completed ratio  completed deals / all finished deals
 *   service level  EMA of deal outcomes (1 completed, 0 failed or lost placement; cancellations and
 *                  expiries leave it alone) — a resource provider's quality of service, a
 *                  consumer's credit; in [0, ONE]
 *   rating score   mean rating / 100 (ratings are 0..100), in [0, ONE]
 * Reputation = Σ weight_k · index_k. The logarithm is the natural one, computed exactly to 18
 * decimals by `lnFixed`; D is 1000 as in the seed (a parameter).
 */
import { MarketError } from "./errors.js";
import { ema, lnFixed, ONE } from "./fixed.js";

export type ReputationRole = "consumer" | "appProvider" | "resourceProvider";

export interface ReputationRecord {
  readonly totalFee: bigint;
  readonly feeIndex: bigint;
  readonly completedDeals: bigint;
  readonly finishedDeals: bigint;
  readonly dealsIndex: bigint;
  readonly serviceLevel: bigint;
  readonly ratingSum: bigint;
  readonly ratingCount: bigint;
}

export interface ReputationParams {
  /** w of the log-scaled EMAs (×ONE). */
  readonly emaWeight: bigint;
  /** D in ln(x)/D. */
  readonly logDivisor: bigint;
  /** Weight of the newest outcome in the service-level EMA (×ONE). */
  readonly serviceWeight: bigint;
  /** Service level of a newcomer (×ONE). */
  readonly initialServiceLevel: bigint;
  /** Weights of [fee index, deals index, completed ratio, service level, rating score] (×ONE). */
  readonly scoreWeights: readonly [bigint, bigint, bigint, bigint, bigint];
}

export const DEFAULT_REPUTATION_PARAMS: ReputationParams = {
  emaWeight: ONE / 2n,
  logDivisor: 1000n,
  serviceWeight: ONE / 10n,
  initialServiceLevel: ONE / 2n,
  // The log-scaled indices are small (ln of 10²⁴ base units / 1000 ≈ 0.055), hence larger weights.
  scoreWeights: [2n * ONE, 2n * ONE, ONE / 5n, ONE / 5n, ONE / 5n],
};

export type DealOutcome = "completed" | "failed" | "cancelled" | "expired";

export function newReputation(params: ReputationParams = DEFAULT_REPUTATION_PARAMS): ReputationRecord {
  return {
    totalFee: 0n,
    feeIndex: 0n,
    completedDeals: 0n,
    finishedDeals: 0n,
    dealsIndex: 0n,
    serviceLevel: params.initialServiceLevel,
    ratingSum: 0n,
    ratingCount: 0n,
  };
}

/** ln(max(x, 1)) / D as fixed-point: the seed's log-scaled sample (0 for a zero total). */
export function logScaled(x: bigint, divisor: bigint): bigint {
  return lnFixed(x < 1n ? 1n : x) / divisor;
}

/** A fee paid (consumer) or earned (provider) in one settlement. */
export function recordFee(
  rec: ReputationRecord,
  amount: bigint,
  params: ReputationParams = DEFAULT_REPUTATION_PARAMS,
): ReputationRecord {
  if (amount < 0n) throw new MarketError("MARKET_INVALID_INPUT", `fee must be non-negative, got ${amount}`);
  const totalFee = rec.totalFee + amount;
  return {
    ...rec,
    totalFee,
    feeIndex: ema(rec.feeIndex, logScaled(totalFee, params.logDivisor), params.emaWeight),
  };
}

/** A deal ended with `outcome`; updates counts, the deals EMA and the service level. */
export function recordOutcome(
  rec: ReputationRecord,
  outcome: DealOutcome,
  params: ReputationParams = DEFAULT_REPUTATION_PARAMS,
): ReputationRecord {
  const completedDeals = rec.completedDeals + (outcome === "completed" ? 1n : 0n);
  const finishedDeals = rec.finishedDeals + 1n;
  let serviceLevel = rec.serviceLevel;
  if (outcome === "completed") serviceLevel = ema(serviceLevel, ONE, params.serviceWeight);
  else if (outcome === "failed") serviceLevel = ema(serviceLevel, 0n, params.serviceWeight);
  return {
    ...rec,
    completedDeals,
    finishedDeals,
    dealsIndex: ema(rec.dealsIndex, logScaled(completedDeals, params.logDivisor), params.emaWeight),
    serviceLevel,
  };
}

/** A counterparty's rating, an integer 0..100. (Rating each deal once is the caller's check.) */
export function recordRating(rec: ReputationRecord, rating: number): ReputationRecord {
  if (!Number.isSafeInteger(rating) || rating < 0 || rating > 100) {
    throw new MarketError("REPUTATION_INVALID_RATING", `a rating is an integer from 0 to 100, got ${rating}`);
  }
  return { ...rec, ratingSum: rec.ratingSum + BigInt(rating), ratingCount: rec.ratingCount + 1n };
}

export function completedRatio(rec: ReputationRecord): bigint {
  return rec.finishedDeals === 0n ? 0n : (rec.completedDeals * ONE) / rec.finishedDeals;
}

/** p/100 of the mean rating p; 0 before the first rating. */
export function ratingScore(rec: ReputationRecord): bigint {
  return rec.ratingCount === 0n ? 0n : (rec.ratingSum * ONE) / (100n * rec.ratingCount);
}

/** Service level in [0, ONE] — what staking/election multiplies stake by for a resource provider. */
export function serviceLevel(rec: ReputationRecord): bigint {
  return rec.serviceLevel;
}

/** The five indices in score-weight order. */
export function reputationIndices(rec: ReputationRecord): [bigint, bigint, bigint, bigint, bigint] {
  return [rec.feeIndex, rec.dealsIndex, completedRatio(rec), rec.serviceLevel, ratingScore(rec)];
}

/** Reputation = Σ weight_k · index_k (×ONE). */
export function reputationScore(
  rec: ReputationRecord,
  params: ReputationParams = DEFAULT_REPUTATION_PARAMS,
): bigint {
  const idx = reputationIndices(rec);
  let sum = 0n;
  for (let k = 0; k < idx.length; k++) sum += params.scoreWeights[k]! * idx[k]!;
  return sum / ONE;
}
