import { describe, expect, it } from "vitest";
import {
  DEFAULT_REWARD_PARAMS,
  distributeRewards,
  ONE,
  REWARD_FACTORS,
  REWARD_ROLES,
  type RewardParams,
  type RewardParticipant,
  rewardScore,
} from "../../../src/dccn-app/market/index.js";
import { isDccnError } from "../../../src/errors.js";
import { Prng } from "./prng.js";

const ANKR = 10n ** 18n;

describe("rewards", () => {
  it("scores a resource provider with the seed's weights: Σ w_i · p_i", () => {
    const score = rewardScore({
      address: "p",
      role: "resourceProvider",
      factors: { earnedFee: 1000n * ANKR, completedDeals: 3n, reputation: ONE / 2n },
    });
    expect(score).toBe(2n * ANKR + 30n * ANKR + 50n * ANKR);
  });

  it("pays scores in full when the pool covers them and keeps the rest undistributed", () => {
    const params: RewardParams = {
      ...DEFAULT_REWARD_PARAMS,
      poolSplitBps: { consumer: 0, appProvider: 0, resourceProvider: 10_000, staker: 0 },
    };
    const r = distributeRewards(
      1000n * ANKR,
      [{ address: "a", role: "resourceProvider", factors: { completedDeals: 2n } }],
      params,
    );
    expect(r.payouts).toEqual([
      { address: "a", role: "resourceProvider", score: 20n * ANKR, amount: 20n * ANKR },
    ]);
    expect(r.undistributed).toBe(980n * ANKR);
  });

  it("shares a short pool pro rata, leftover units to the largest remainders then lower addresses", () => {
    const params: RewardParams = {
      poolSplitBps: { consumer: 10_000, appProvider: 0, resourceProvider: 0, staker: 0 },
      weights: { ...DEFAULT_REWARD_PARAMS.weights, consumer: { completedDeals: 10n * ONE } },
    };
    const deals = (address: string, n: bigint): RewardParticipant => ({
      address,
      role: "consumer",
      factors: { completedDeals: n },
    });
    // Scores of 10 each exceed the pool of 10: 3 each, the leftover unit to the lowest address.
    const r = distributeRewards(10n, [deals("c", 1n), deals("a", 1n), deals("b", 1n)], params);
    expect(r.payouts.map((p) => [p.address, p.amount])).toEqual([
      ["a", 4n],
      ["b", 3n],
      ["c", 3n],
    ]);
    const skew = distributeRewards(10n, [deals("a", 1n), deals("b", 2n), deals("c", 4n)], params);
    // scores 10, 20, 40 > pool 10: 10·(1, 2, 4)/7 = 1.43, 2.86, 5.71 → floors 1, 2, 5; remainders .43 .86 .71 → b, then c
    expect(skew.payouts.map((p) => p.amount)).toEqual([1n, 3n, 6n]);
    expect(skew.undistributed).toBe(0n);
  });

  it("accounts for every unit of the pool on random epochs", () => {
    const rng = new Prng(11);
    for (let i = 0; i < 200; i++) {
      const participants: RewardParticipant[] = [];
      for (let j = 0; j < rng.int(0, 30); j++) {
        const role = rng.pick(REWARD_ROLES);
        const factors: Record<string, bigint> = {};
        for (const f of REWARD_FACTORS[role]) if (rng.chance(60)) factors[f] = rng.big(0n, 10n ** 24n);
        participants.push({ address: `addr${j}`, role, factors });
      }
      const pool = rng.big(0n, 10n ** 26n);
      const r = distributeRewards(pool, participants);
      const paid = r.payouts.reduce((s, p) => s + p.amount, 0n);
      expect(paid + r.undistributed).toBe(pool);
      expect(r.undistributed >= 0n).toBe(true);
      for (const p of r.payouts) expect(p.amount <= p.score && p.amount > 0n).toBe(true);
    }
  });

  it("rejects duplicates, unknown factors and a pool split that does not add up", () => {
    const dup = () =>
      distributeRewards(1n, [
        { address: "a", role: "staker", factors: {} },
        { address: "a", role: "staker", factors: {} },
      ]);
    expect(() => dup()).toThrowError(/twice/);
    try {
      dup();
    } catch (err) {
      expect(isDccnError(err, "REWARD_DUPLICATE_PARTICIPANT")).toBe(true);
    }
    expect(() =>
      distributeRewards(1n, [{ address: "a", role: "staker", factors: { payFee: 1n } }]),
    ).toThrowError(/not a staker reward factor/);
    expect(() =>
      distributeRewards(1n, [], {
        ...DEFAULT_REWARD_PARAMS,
        poolSplitBps: { consumer: 1, appProvider: 0, resourceProvider: 0, staker: 0 },
      }),
    ).toThrowError(/sum to 10000/);
  });
});
