/**
 * Plain data of the marketplace: providers, their node instances, and tenants' task requests.
 * Addresses are bech32 strings (`ankr1…`); they are compared as strings, which is deterministic.
 * Money is bigint in ANKR base units; times are integer seconds of block time.
 */
import type { Resources } from "./resources.js";

/** A data centre or edge miner offering node instances (seed p.18). */
export interface Provider {
  readonly address: string;
  readonly name: string;
  readonly region: string;
  readonly tags: readonly string[];
}

/** Instance j of provider i (x_ij in the seed's Filter): what it offers and at which price. */
export interface NodeInstance {
  readonly id: string;
  readonly provider: string;
  readonly capacity: Resources;
  /** Base units per resource unit per second (see resources.ts for units). */
  readonly prices: Resources;
  readonly available: boolean;
  readonly region: string;
  readonly tags: readonly string[];
}

export type TaskKind = "service" | "job";

export interface TaskConstraints {
  /** Only instances in this region. */
  readonly region?: string;
  /** Only instances carrying every one of these tags. */
  readonly tags?: readonly string[];
  /** Only providers whose reputation score (fixed-point ×ONE) is at least this. */
  readonly minReputation?: bigint;
}

/** What a tenant submits. One task occupies one instance with `demand × replicas`. */
export interface TaskSpec {
  /** Resources per replica. */
  readonly demand: Resources;
  readonly replicas: number;
  readonly kind: TaskKind;
  /** Jobs only: seconds of running time the tenant pays for. */
  readonly durationSec?: number;
  /** Ceiling on the whole task's price per second (all replicas), in base units. */
  readonly maxPricePerSec: bigint;
  /** Optional application provider and its fee on top of the resource cost, in basis points. */
  readonly appProvider?: string;
  readonly appFeeBps?: number;
  readonly constraints?: TaskConstraints;
}
