/**
 * Dominant shares (seed p.8): s_i = max_j(U_ij / R_j) / w_i, as fixed-point ×ONE.
 * Resources a provider does not offer (R_j = 0) take no part in the maximum.
 */
import { MarketError } from "../errors.js";
import { ONE } from "../fixed.js";
import { type Resources, toVector } from "../resources.js";

/** max_j floor(used_j · ONE / capacity_j) over resources with capacity_j > 0. */
export function dominantShareOf(used: readonly bigint[], capacity: readonly bigint[]): bigint {
  let best = 0n;
  for (let j = 0; j < capacity.length; j++) {
    const r = capacity[j]!;
    if (r === 0n) continue;
    const s = ((used[j] ?? 0n) * ONE) / r;
    if (s > best) best = s;
  }
  return best;
}

/** The share the scheduler ranks by: dominant share divided by the user's weight (both ×ONE). */
export function weightedShareOf(
  used: readonly bigint[],
  capacity: readonly bigint[],
  weight: bigint,
): bigint {
  return (dominantShareOf(used, capacity) * ONE) / weight;
}

export const dominantShare = (used: Resources, capacity: Resources): bigint =>
  dominantShareOf(toVector(used), toVector(capacity));

export const weightedDominantShare = (used: Resources, capacity: Resources, weight: bigint): bigint =>
  weightedShareOf(toVector(used), toVector(capacity), weight);

/** How a user's reputation turns into its WDRF weight w_i (seed p.7: "calculated by user reputation"). */
export interface WeightParams {
  /** Weight of a user without reputation (×ONE). */
  readonly base: bigint;
  /** Weight added per 1.0 of reputation score (×ONE). */
  readonly perReputation: bigint;
  /** Cap, so no reputation buys an unbounded share (×ONE). */
  readonly max: bigint;
}

export const DEFAULT_WEIGHT_PARAMS: WeightParams = { base: ONE, perReputation: ONE, max: 4n * ONE };

/** w_i = min(max, base + reputation · perReputation); always positive. */
export function weightFromReputation(
  reputation: bigint,
  params: WeightParams = DEFAULT_WEIGHT_PARAMS,
): bigint {
  if (params.base <= 0n || params.max < params.base || params.perReputation < 0n) {
    throw new MarketError(
      "MARKET_INVALID_PARAMS",
      "weight params need 0 < base <= max and perReputation >= 0",
    );
  }
  const rep = reputation < 0n ? 0n : reputation;
  const w = params.base + (rep * params.perReputation) / ONE;
  return w > params.max ? params.max : w;
}
