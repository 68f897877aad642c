import { describe, expect, it } from "vitest";
import {
  completedRatio,
  DEFAULT_REPUTATION_PARAMS,
  type DealOutcome,
  idleShare,
  lnFixed,
  newReputation,
  newTaskLifecycle,
  ONE,
  providerIndices,
  ratingScore,
  ratingTargets,
  recordFee,
  recordOutcome,
  recordRating,
  reputationScore,
  resources,
  serviceLevel,
  transition,
  weightFromReputation,
} from "../../../src/dccn-app/market/index.js";
import { isDccnError } from "../../../src/errors.js";
import { Prng } from "./prng.js";

const P = DEFAULT_REPUTATION_PARAMS; // emaWeight 0.5, logDivisor 1000, serviceWeight 0.1, start 0.5

describe("reputation indices", () => {
  it("moves the fee index as p_t = w·ln(x_t)/1000 + (1 − w)·p_{t−1}", () => {
    const ANKR = 10n ** 18n;
    const r1 = recordFee(newReputation(P), ANKR, P);
    const sample1 = lnFixed(ANKR) / 1000n; // 0.041446531673892822
    expect(sample1).toBe(41446531673892822n);
    expect(r1.feeIndex).toBe(sample1 / 2n);
    const r2 = recordFee(r1, 9n * ANKR, P);
    expect(r2.totalFee).toBe(10n * ANKR);
    expect(r2.feeIndex).toBe(((ONE / 2n) * (lnFixed(10n * ANKR) / 1000n) + (ONE / 2n) * r1.feeIndex) / ONE);
  });

  it("tracks completed deals, their ratio and the service level", () => {
    let r = newReputation(P);
    expect(serviceLevel(r)).toBe(ONE / 2n);
    r = recordOutcome(r, "completed", P);
    expect(serviceLevel(r)).toBe((ONE * 55n) / 100n); // 0.9·0.5 + 0.1·1
    expect(r.dealsIndex).toBe(0n); // ln(1) = 0
    r = recordOutcome(r, "completed", P);
    expect(r.dealsIndex).toBe(lnFixed(2n) / 1000n / 2n);
    r = recordOutcome(r, "failed", P);
    expect(serviceLevel(r)).toBe((ONE * 5355n) / 10_000n); // 0.9·0.595 after two completions
    const before = serviceLevel(r);
    r = recordOutcome(r, "cancelled", P);
    expect(serviceLevel(r)).toBe(before); // a tenant's cancellation is not the provider's fault
    expect(completedRatio(r)).toBe(ONE / 2n); // 2 of 4
  });

  it("keeps the service level within [0, 1] whatever happens", () => {
    const rng = new Prng(3);
    const outcomes: DealOutcome[] = ["completed", "failed", "cancelled", "expired"];
    let r = newReputation(P);
    for (let i = 0; i < 2000; i++) {
      r = recordOutcome(r, rng.pick(outcomes), P);
      expect(r.serviceLevel >= 0n && r.serviceLevel <= ONE).toBe(true);
    }
    let good = newReputation(P);
    for (let i = 0; i < 600; i++) good = recordOutcome(good, "completed", P);
    expect(good.serviceLevel).toBeGreaterThan((ONE * 999n) / 1000n);
  });

  it("averages ratings as p/100 and rejects ratings outside 0..100", () => {
    const r = recordRating(recordRating(newReputation(P), 80), 91);
    expect(ratingScore(r)).toBe((ONE * 855n) / 1000n);
    for (const bad of [101, -1, 3.5]) {
      let caught: unknown;
      try {
        recordRating(r, bad);
      } catch (err) {
        caught = err;
      }
      expect(isDccnError(caught, "REPUTATION_INVALID_RATING")).toBe(true);
    }
  });

  it("scores reputation as the weighted sum of the five indices", () => {
    let r = recordFee(newReputation(P), 10n ** 21n, P);
    r = recordOutcome(recordOutcome(r, "completed", P), "completed", P);
    r = recordRating(r, 100);
    const want =
      (2n * ONE * r.feeIndex +
        2n * ONE * r.dealsIndex +
        (ONE / 5n) * ONE +
        (ONE / 5n) * r.serviceLevel +
        (ONE / 5n) * ONE) /
      ONE;
    expect(reputationScore(r, P)).toBe(want);
    expect(reputationScore(r, P)).toBeGreaterThan(reputationScore(newReputation(P), P));
  });

  it("derives the provider indices Prioritize weighs", () => {
    const cap = resources({ cpu: 1000n, memory: 1000n, gpu: 0n });
    expect(idleShare(cap, resources({ cpu: 500n, memory: 0n }))).toBe((ONE * 3n) / 4n);
    expect(idleShare(cap, resources({ cpu: 2000n, memory: 1000n }))).toBe(0n);
    const rep = recordRating(newReputation(P), 50);
    expect(
      providerIndices({
        capacity: cap,
        used: resources({}),
        reputation: rep,
        instancesTotal: 4,
        instancesAvailable: 3,
      }),
    ).toEqual([ONE, 0n, ONE / 2n, ONE / 2n, (ONE * 3n) / 4n]);
  });

  it("turns reputation into a bounded WDRF weight", () => {
    expect(weightFromReputation(0n)).toBe(ONE);
    expect(weightFromReputation(ONE / 2n)).toBe((ONE * 3n) / 2n);
    expect(weightFromReputation(100n * ONE)).toBe(4n * ONE);
    expect(() => weightFromReputation(0n, { base: 0n, perReputation: 0n, max: 0n })).toThrowError(
      /weight params/,
    );
  });
});

describe("who rates whom", () => {
  const done = transition(
    transition(
      transition(newTaskLifecycle("tenant"), {
        type: "schedule",
        provider: "prov",
        instanceId: "i",
        height: 1,
      }),
      { type: "ack", by: "prov", time: 2 },
    ),
    { type: "complete", by: "prov", time: 3 },
  );
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return isDccnError(err) ? err.code : "untyped";
    }
    return undefined;
  };

  it("lets each party of a completed task rate the other once", () => {
    expect(ratingTargets(done, "app", "tenant", [])).toEqual([
      { address: "prov", role: "resourceProvider" },
      { address: "app", role: "appProvider" },
    ]);
    expect(ratingTargets(done, undefined, "prov", ["tenant"])).toEqual([
      { address: "tenant", role: "consumer" },
    ]);
    expect(code(() => ratingTargets(done, undefined, "tenant", ["tenant"]))).toBe("REPUTATION_ALREADY_RATED");
    expect(code(() => ratingTargets(done, undefined, "stranger", []))).toBe("REPUTATION_NOT_RATABLE");
    expect(code(() => ratingTargets(newTaskLifecycle("tenant"), undefined, "tenant", []))).toBe(
      "REPUTATION_NOT_RATABLE",
    );
  });
});
