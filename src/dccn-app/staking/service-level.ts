/**
 * Service level (SL) of a candidate, in [0, 1] as integer ppm (0..1_000_000), and where it came from.
 *
 * Seed p.14: "the user's service level is calculated by the DCCN resource provider's Quality of
 * Service and the resource consumer's credit". The inputs are the marketplace's records
 * (src/dccn-app/market), read at the state of the block that uses them:
 *
 *   1. a candidate that names a provider identity:
 *        SL = providerServiceLevelPpm(provider)          source "market-provider"
 *      — the provider's quality of service: an exponential moving average of its deal outcomes
 *        (completed = 1, failed / lost placement = 0), moved by verified proofs of service,
 *        uptime, the completed-deal ratio and ratings, as the market module defines it;
 *   2. otherwise, or when the market has no provider record:
 *        SL = consumerCreditPpm(operator)                source "market-consumer"
 *      — the operator's credit as a consumer, from its payment history;
 *   3. when the market knows neither:
 *        SL = the candidate's genesis-set value          source "genesis"
 *      — `service_level_ppm` of its genesis entry, or the `default_service_level_ppm` parameter
 *        for candidates registered by tx.
 *
 * A market value outside [0, 1_000_000] is clamped (floored to an integer), so a faulty input
 * can never produce a weight outside stake × [0, 1].
 */
import type { KvReader } from "../state/kv.js";
import { PPM } from "./params.js";

export type ServiceLevelSource = "genesis" | "market-provider" | "market-consumer";

export interface ServiceLevel {
  readonly ppm: number;
  readonly source: ServiceLevelSource;
}

/** Where the market's records are read; the staking module takes it as an option (tests inject one). */
export interface ServiceLevelInputs {
  providerServiceLevelPpm(store: KvReader, provider: Uint8Array): Promise<number | undefined>;
  consumerCreditPpm(store: KvReader, account: Uint8Array): Promise<number | undefined>;
}

/** Inputs that know no market records: every candidate gets its genesis-set value. */
export const NO_MARKET_INPUTS: ServiceLevelInputs = {
  providerServiceLevelPpm: async () => undefined,
  consumerCreditPpm: async () => undefined,
};

function clampPpm(v: number | undefined): number | undefined {
  if (v === undefined || !Number.isFinite(v)) return undefined;
  return Math.min(PPM, Math.max(0, Math.floor(v)));
}

export async function resolveServiceLevel(
  inputs: ServiceLevelInputs,
  store: KvReader,
  who: { operator: Uint8Array; provider?: Uint8Array | undefined; genesisPpm: number },
): Promise<ServiceLevel> {
  if (who.provider !== undefined) {
    const p = clampPpm(await inputs.providerServiceLevelPpm(store, who.provider));
    if (p !== undefined) return { ppm: p, source: "market-provider" };
  }
  const c = clampPpm(await inputs.consumerCreditPpm(store, who.operator));
  if (c !== undefined) return { ppm: c, source: "market-consumer" };
  return { ppm: clampPpm(who.genesisPpm) ?? 0, source: "genesis" };
}
