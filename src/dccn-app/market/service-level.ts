/**
 * The market's measure of an account's quality, which the staking/election module multiplies
 * stake by (seed p.12: verified proofs raise a provider's service level; p.14: "the resource
 * provider's Quality of Service and the resource consumer's credit"; pp.20–22: the indices).
 * Both are integer parts per million, 0..1_000_000, from the state at the block that asks.
 *
 * Resource provider (undefined when the account never registered as a provider):
 *   SL = w_o·S + w_c·C + w_r·R + w_p·P + w_u·U        (weights: params service_level.provider, ppm)
 *     S  outcomes EMA: every finished deal moves it, completed → 1, failed / lost placement
 *        (ack timeout, reported failure) → 0 (reputation.ts serviceLevel, weight `service_weight`)
 *     C  completed-deal ratio: completed / finished deals
 *     R  rating score: mean rating / 100
 *     P  proofs of service verified: seconds of running time covered by accepted usage reports /
 *        seconds of running time of its finished placements
 *     U  uptime: instances marked available / instances not retired (now)
 *   C, R and P have no evidence before the first finished deal, rating or running placement;
 *   until then they take S's value, so a newcomer sits at the initial service level.
 *
 * Consumer credit (undefined when the account never submitted a task):
 *   credit = w_o·S + w_c·C + w_r·R                    (weights: params service_level.consumer)
 *     S  payment-history EMA: a deal it saw through to completion → 1, a placed deal it
 *        cancelled → 0 (escrow makes unpaid usage impossible, so walking away is the default)
 *     C  its completed-deal ratio, R the providers' mean rating of it / 100 (fallback S as above)
 */
import type { KvReader } from "../state/kv.js";
import { ONE } from "./fixed.js";
import type { ServiceLevelParams } from "./module/params.js";
import type { ProviderRecord } from "./module/records.js";
import { findReputation, getMarketParams, getProvider, getReputation } from "./module/store.js";
import { completedRatio, type ReputationRecord, ratingScore } from "./reputation.js";

const orFallback = (evidence: boolean, value: bigint, fallback: bigint): bigint =>
  evidence ? value : fallback;

/** Σ weight_ppm · value(×ONE) / ONE, floored: the weighted mean in ppm. */
function weighted(parts: readonly [number, bigint][]): number {
  let sum = 0n;
  for (const [w, v] of parts) sum += BigInt(w) * v;
  return Number(sum / ONE);
}

/** A provider's service level in ppm from its records (pure; see the module comment). */
export function providerServiceLevelOf(
  p: ProviderRecord,
  rep: ReputationRecord,
  w: ServiceLevelParams["provider"],
): number {
  const s = rep.serviceLevel;
  const c = orFallback(rep.finishedDeals > 0n, completedRatio(rep), s);
  const r = orFallback(rep.ratingCount > 0n, ratingScore(rep), s);
  const proofs = orFallback(
    p.runSec > 0,
    (BigInt(Math.min(p.provenSec, p.runSec)) * ONE) / BigInt(p.runSec || 1),
    s,
  );
  const uptime = p.instancesTotal > 0 ? (BigInt(p.instancesAvailable) * ONE) / BigInt(p.instancesTotal) : 0n;
  return weighted([
    [w.outcomes, s],
    [w.completedRatio, c],
    [w.rating, r],
    [w.proofs, proofs],
    [w.uptime, uptime],
  ]);
}

/** A consumer's credit in ppm from its consumer reputation record (pure). */
export function consumerCreditOf(rep: ReputationRecord, w: ServiceLevelParams["consumer"]): number {
  const s = rep.serviceLevel;
  return weighted([
    [w.outcomes, s],
    [w.completedRatio, orFallback(rep.finishedDeals > 0n, completedRatio(rep), s)],
    [w.rating, orFallback(rep.ratingCount > 0n, ratingScore(rep), s)],
  ]);
}

/** A resource provider's service level in ppm (0..1_000_000); undefined when it is not a provider. */
export async function providerServiceLevelPpm(
  store: KvReader,
  provider: Uint8Array,
): Promise<number | undefined> {
  const p = getProvider(store, provider);
  if (p === undefined) return undefined;
  const params = getMarketParams(store);
  const rep = getReputation(store, "resourceProvider", provider, params);
  return providerServiceLevelOf(p, rep, params.serviceLevel.provider);
}

/** A consumer's credit in ppm (0..1_000_000); undefined when it never submitted a task. */
export async function consumerCreditPpm(store: KvReader, account: Uint8Array): Promise<number | undefined> {
  const rep = findReputation(store, "consumer", account);
  if (rep === undefined) return undefined;
  return consumerCreditOf(rep, getMarketParams(store).serviceLevel.consumer);
}
