/** The scheduler's inputs, outputs and parameters (plain data; see schedule.ts for the algorithm). */
import { MarketError } from "../errors.js";
import { ONE } from "../fixed.js";
import type { Resources } from "../resources.js";
import type { NodeInstance, TaskConstraints } from "../types.js";

export interface SchedulerParams {
  /** Candidates considered per call (bounded work per block). */
  readonly maxTasksPerCall: number;
  /** Routing rounds per call (a round ends when every provider's queue is placed or full). */
  readonly maxRounds: number;
  /**
   * Demand routed to a provider in one round, as a percentage of its free capacity, beyond which
   * other providers are preferred (≥ 100; see the routing step).
   */
  readonly routingOversubscriptionPct: number;
  /** Tree nodes one Filter/Prioritize search may visit. */
  readonly maxVisitsPerTask: number;
  /** w_p, weight of the price score (×ONE). */
  readonly priceWeight: bigint;
  /** w_m, weights of the provider indices (×ONE), in the order of ProviderView.indices. */
  readonly indexWeights: readonly bigint[];
}

export const DEFAULT_SCHEDULER_PARAMS: SchedulerParams = {
  maxTasksPerCall: 2_000,
  maxRounds: 4,
  routingOversubscriptionPct: 200,
  maxVisitsPerTask: 4_096,
  priceWeight: ONE,
  indexWeights: [ONE / 4n, ONE / 4n, ONE / 4n, ONE / 4n, ONE / 4n],
};

/** An instance as the scheduler sees it: what it offers and what is already taken on it. */
export interface InstanceState extends NodeInstance {
  /** Consumed by running and scheduled tasks. */
  readonly used: Resources;
}

export interface ProviderView {
  readonly address: string;
  /** Reputation score (×ONE), compared with tasks' minReputation. */
  readonly reputation: bigint;
  /** R_im, fixed-point, aligned with SchedulerParams.indexWeights (see providerIndices). */
  readonly indices: readonly bigint[];
}

export interface UserView {
  readonly address: string;
  /** w_i (×ONE, > 0); users not listed weigh ONE. See weightFromReputation. */
  readonly weight: bigint;
}

/** What a user's running and scheduled tasks hold at a provider (fairness across blocks). */
export interface UserUsage {
  readonly provider: string;
  readonly user: string;
  readonly used: Resources;
}

export interface PendingTask {
  readonly id: string;
  readonly owner: string;
  readonly submitHeight: number;
  /** Whole-task demand: demand per replica × replicas (see totalDemand). */
  readonly demand: Resources;
  readonly maxPricePerSec: bigint;
  readonly constraints?: TaskConstraints;
  /** Providers that already lost this task (TaskLifecycle.avoidProviders). */
  readonly avoidProviders?: readonly string[];
}

export interface ScheduleInput {
  readonly instances: readonly InstanceState[];
  readonly providers: readonly ProviderView[];
  readonly users: readonly UserView[];
  readonly usage: readonly UserUsage[];
  readonly pending: readonly PendingTask[];
}

export interface Assignment {
  readonly taskId: string;
  readonly owner: string;
  readonly provider: string;
  readonly instanceId: string;
  readonly demand: Resources;
  /** The instance's price for this demand, per second (≤ the task's maxPricePerSec). */
  readonly pricePerSec: bigint;
}

export interface ScheduleResult {
  /** Placements in the order they were made. */
  readonly assignments: readonly Assignment[];
  /** Candidates that were considered but stay pending, sorted. */
  readonly unplaced: readonly string[];
  readonly considered: number;
  readonly rounds: number;
  /** Providers that became full during this call, sorted. */
  readonly fullProviders: readonly string[];
}

/** Throws MARKET_INVALID_PARAMS unless every scheduler parameter is in range. */
export function checkSchedulerParams(p: SchedulerParams): void {
  for (const [name, v] of [
    ["maxTasksPerCall", p.maxTasksPerCall],
    ["maxRounds", p.maxRounds],
    ["maxVisitsPerTask", p.maxVisitsPerTask],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new MarketError(
        "MARKET_INVALID_PARAMS",
        `scheduler ${name} must be a positive integer, got ${v}`,
      );
    }
  }
  if (!Number.isSafeInteger(p.routingOversubscriptionPct) || p.routingOversubscriptionPct < 100) {
    throw new MarketError(
      "MARKET_INVALID_PARAMS",
      "scheduler routingOversubscriptionPct must be an integer >= 100",
    );
  }
  if (p.priceWeight < 0n || p.indexWeights.some((w) => w < 0n)) {
    throw new MarketError("MARKET_INVALID_PARAMS", "scheduler weights must be non-negative");
  }
}
