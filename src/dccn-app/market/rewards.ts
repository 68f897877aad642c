/**
 * Epoch rewards (seed pp.19–22): for each participant, Rewards = Σ_i w_i · p_i over the factors of
 * its role's table (demand, application supply, resource supply) plus stake holding.
 *
 * The epoch's pool is divided among roles by `poolSplitBps`. Within a role, a participant's score
 * Σ w_i·p_i (base units) is what it earns when the role's pool covers every score; otherwise the
 * pool is shared pro rata to the scores, floors first and the leftover units one each to the
 * largest remainders (ties to the lower address). Whatever is not paid is `undistributed`, so
 * Σ payouts + undistributed = pool, to the unit.
 *
 * A weight is fixed-point (×ONE) "base units of reward per unit of the factor": fees and stake in
 * base units, deals/ratings/invitations as counts, online time in seconds, reputation as ×ONE.
 */
import { MarketError } from "./errors.js";
import { ONE } from "./fixed.js";

export type RewardRole = "consumer" | "appProvider" | "resourceProvider" | "staker";

export const REWARD_ROLES: readonly RewardRole[] = ["consumer", "appProvider", "resourceProvider", "staker"];

/** The factors p_i of each role's table. */
export const REWARD_FACTORS: Readonly<Record<RewardRole, readonly string[]>> = {
  consumer: [
    "payFee",
    "completedDeals",
    "invitations",
    "onlineTime",
    "ratingTimes",
    "stakeHolding",
    "reputation",
  ],
  appProvider: ["earnedFee", "completedDeals", "ratingTimes", "stakeHolding", "reputation"],
  resourceProvider: ["earnedFee", "completedDeals", "ratingTimes", "stakeHolding", "reputation"],
  staker: ["stakeHolding"],
};

export interface RewardParams {
  /** Share of the pool per role, basis points summing to 10_000. */
  readonly poolSplitBps: Readonly<Record<RewardRole, number>>;
  /** w_i per role and factor (×ONE); a factor without a weight earns nothing. */
  readonly weights: Readonly<Record<RewardRole, Readonly<Record<string, bigint>>>>;
}

const ANKR = 10n ** 18n;
const perUnit = (baseUnits: bigint): bigint => baseUnits * ONE;
/** A fraction w = num/den of a base-unit factor, as ×ONE. */
const frac = (num: bigint, den: bigint): bigint => (num * ONE) / den;

/**
 * Seed values where the tables are legible (EarnedFee 0.002, CompletedDeals 10 ANKR, StakeHolding
 * 0.00005 per epoch, Reputation 100 ANKR per 1.0); the rest are our placeholders, chain params.
 */
export const DEFAULT_REWARD_PARAMS: RewardParams = {
  poolSplitBps: { consumer: 2_500, appProvider: 1_500, resourceProvider: 4_000, staker: 2_000 },
  weights: {
    consumer: {
      payFee: frac(2n, 1000n),
      completedDeals: perUnit(10n * ANKR),
      invitations: perUnit(10n * ANKR),
      onlineTime: 0n,
      ratingTimes: perUnit(ANKR),
      stakeHolding: frac(5n, 100_000n),
      reputation: 100n * ANKR,
    },
    appProvider: {
      earnedFee: frac(2n, 1000n),
      completedDeals: perUnit(10n * ANKR),
      ratingTimes: perUnit(ANKR),
      stakeHolding: frac(5n, 100_000n),
      reputation: 100n * ANKR,
    },
    resourceProvider: {
      earnedFee: frac(2n, 1000n),
      completedDeals: perUnit(10n * ANKR),
      ratingTimes: perUnit(ANKR),
      stakeHolding: frac(5n, 100_000n),
      reputation: 100n * ANKR,
    },
    staker: { stakeHolding: frac(5n, 100_000n) },
  },
};

export interface RewardParticipant {
  readonly address: string;
  readonly role: RewardRole;
  /** p_i by factor name (REWARD_FACTORS[role]); missing factors count as 0. */
  readonly factors: Readonly<Record<string, bigint>>;
}

export interface RewardPayout {
  readonly address: string;
  readonly role: RewardRole;
  readonly score: bigint;
  readonly amount: bigint;
}

export interface RewardDistribution {
  /** Sorted by (role order, address); participants with nothing to receive are left out. */
  readonly payouts: readonly RewardPayout[];
  readonly undistributed: bigint;
}

const bad = (message: string) => new MarketError("MARKET_INVALID_INPUT", message);

/** Throws MARKET_INVALID_PARAMS unless the pool split sums to 10_000 and every weight is a known factor. */
export function assertRewardParams(params: RewardParams): void {
  let sum = 0;
  for (const role of REWARD_ROLES) {
    const bps = params.poolSplitBps[role];
    if (!Number.isSafeInteger(bps) || bps < 0) {
      throw new MarketError("MARKET_INVALID_PARAMS", `poolSplitBps.${role} must be a non-negative integer`);
    }
    sum += bps;
    for (const [f, w] of Object.entries(params.weights[role])) {
      if (!REWARD_FACTORS[role].includes(f) || w < 0n) {
        throw new MarketError(
          "MARKET_INVALID_PARAMS",
          `weights.${role}.${f} is not a non-negative weight of a ${role} factor`,
        );
      }
    }
  }
  if (sum !== 10_000)
    throw new MarketError("MARKET_INVALID_PARAMS", `poolSplitBps must sum to 10000, got ${sum}`);
}

/** Σ w_i · p_i / ONE for one participant, in base units. */
export function rewardScore(p: RewardParticipant, params: RewardParams = DEFAULT_REWARD_PARAMS): bigint {
  const weights = params.weights[p.role];
  let sum = 0n;
  for (const [factor, value] of Object.entries(p.factors)) {
    if (!REWARD_FACTORS[p.role].includes(factor)) throw bad(`${factor} is not a ${p.role} reward factor`);
    if (typeof value !== "bigint" || value < 0n)
      throw bad(`${p.address}: factor ${factor} must be a non-negative integer`);
    sum += (weights[factor] ?? 0n) * value;
  }
  return sum / ONE;
}

const compareStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Divides an epoch's `pool` among participants; exact to the unit (see the module comment). */
export function distributeRewards(
  pool: bigint,
  participants: readonly RewardParticipant[],
  params: RewardParams = DEFAULT_REWARD_PARAMS,
): RewardDistribution {
  assertRewardParams(params);
  if (pool < 0n) throw bad(`the reward pool must be non-negative, got ${pool}`);
  const seen = new Set<string>();
  const byRole = new Map<RewardRole, { address: string; score: bigint }[]>(REWARD_ROLES.map((r) => [r, []]));
  for (const p of participants) {
    const list = byRole.get(p.role);
    if (list === undefined) throw bad(`unknown reward role ${String(p.role)}`);
    const key = `${p.role}\u0000${p.address}`;
    if (seen.has(key)) {
      throw new MarketError("REWARD_DUPLICATE_PARTICIPANT", `${p.address} appears twice as ${p.role}`, {
        address: p.address,
        role: p.role,
      });
    }
    seen.add(key);
    list.push({ address: p.address, score: rewardScore(p, params) });
  }

  const payouts: RewardPayout[] = [];
  let paid = 0n;
  for (const role of REWARD_ROLES) {
    const rolePool = (pool * BigInt(params.poolSplitBps[role])) / 10_000n;
    const list = byRole.get(role)!.sort((a, b) => compareStr(a.address, b.address));
    const total = list.reduce((s, x) => s + x.score, 0n);
    if (total === 0n) continue;
    let amounts: bigint[];
    if (total <= rolePool) {
      amounts = list.map((x) => x.score);
    } else {
      amounts = list.map((x) => (rolePool * x.score) / total);
      let left = rolePool - amounts.reduce((s, a) => s + a, 0n);
      // Largest remainders first; the stable sort keeps address order among equals.
      const order = list
        .map((x, i) => ({ i, rem: (rolePool * x.score) % total }))
        .sort((a, b) => (a.rem > b.rem ? -1 : a.rem < b.rem ? 1 : 0));
      for (const { i } of order) {
        if (left === 0n) break;
        amounts[i]! += 1n;
        left--;
      }
    }
    list.forEach((x, i) => {
      const amount = amounts[i]!;
      if (amount === 0n) return;
      paid += amount;
      payouts.push({ address: x.address, role, score: x.score, amount });
    });
  }
  return { payouts, undistributed: pool - paid };
}
