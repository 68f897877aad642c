/**
 * The provider reputation indices R_im that Prioritize weighs (seed p.7: "proportion of idle
 * resources, number of resource allocation tasks that have been scheduled, rating score, system
 * stability, and current running status"), each fixed-point in [0, ONE] except the deals index,
 * which is the log-scaled EMA of completed deals.
 */
import { ONE } from "../fixed.js";
import { type ReputationRecord, ratingScore, serviceLevel } from "../reputation.js";
import { RESOURCE_KINDS, type Resources } from "../resources.js";

export const PROVIDER_INDEX_NAMES = [
  "idleShare",
  "scheduledDeals",
  "rating",
  "stability",
  "runningStatus",
] as const;

export interface ProviderIndexInput {
  /** Total capacity of the provider's available instances. */
  readonly capacity: Resources;
  /** What running and scheduled tasks consume on them. */
  readonly used: Resources;
  readonly reputation: ReputationRecord;
  readonly instancesTotal: number;
  readonly instancesAvailable: number;
}

/** Mean over offered resources of free/capacity. */
export function idleShare(capacity: Resources, used: Resources): bigint {
  let sum = 0n;
  let n = 0n;
  for (const k of RESOURCE_KINDS) {
    const c = capacity[k];
    if (c === 0n) continue;
    const free = used[k] >= c ? 0n : c - used[k];
    sum += (free * ONE) / c;
    n++;
  }
  return n === 0n ? 0n : sum / n;
}

/** [idleShare, scheduledDeals, rating, stability, runningStatus] in PROVIDER_INDEX_NAMES order. */
export function providerIndices(input: ProviderIndexInput): bigint[] {
  const running =
    input.instancesTotal <= 0 ? 0n : (BigInt(input.instancesAvailable) * ONE) / BigInt(input.instancesTotal);
  return [
    idleShare(input.capacity, input.used),
    input.reputation.dealsIndex,
    ratingScore(input.reputation),
    serviceLevel(input.reputation),
    running,
  ];
}
