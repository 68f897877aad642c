import { describe, expect, it } from "vitest";
import {
  chargeFor,
  DEFAULT_FEE_PARAMS,
  escrowForTask,
  type FeeParams,
  maxCharge,
  type Resources,
  resources,
  settle,
} from "../../../src/dccn-app/market/index.js";
import { isDccnError } from "../../../src/errors.js";
import { randomPrices } from "./fixtures.js";
import { Prng } from "./prng.js";

const fees: FeeParams = {
  platformFeeBps: 500,
  feeSplitBps: { resourceProvider: 2_000, appProvider: 3_000, platform: 5_000 },
};

describe("settlement", () => {
  it("splits a deal as the fee model says, to the unit", () => {
    const c = chargeFor(1_000_000n, 1_000, true, fees);
    expect(c).toEqual({
      usageCost: 1_000_000n,
      appFee: 100_000n, // 10% app fee
      platformFee: 55_000n, // 5% of the 1_100_000 deal
      total: 1_155_000n,
      toResourceProvider: 1_000_000n + 11_000n,
      toAppProvider: 100_000n + 16_500n,
      toPlatform: 27_500n,
    });
    const noApp = chargeFor(1_000_000n, 0, false, fees);
    expect(noApp).toMatchObject({ appFee: 0n, platformFee: 50_000n, toAppProvider: 0n, toPlatform: 40_000n });
    // Rounding remainders go to the platform: 5% of 999 is 49, of which 20% → 9, 30% → 14.
    expect(chargeFor(999n, 0, true, fees)).toMatchObject({
      toResourceProvider: 999n + 9n,
      toAppProvider: 14n,
      toPlatform: 26n,
    });
  });

  it("conserves every unit: payouts + refund + escrow left = escrow", () => {
    const rng = new Prng(42);
    for (let i = 0; i < 300; i++) {
      const prices = randomPrices(rng);
      const alloc = resources({
        cpu: BigInt(rng.int(1, 8000)),
        memory: BigInt(rng.int(1, 1 << 30)),
        disk: BigInt(rng.int(0, 1 << 30)),
        bandwidth: BigInt(rng.int(0, 1_000_000)),
        gpu: BigInt(rng.int(0, 2)),
      });
      const pricePerSec =
        alloc.cpu * prices.cpu +
        alloc.memory * prices.memory +
        alloc.disk * prices.disk +
        alloc.bandwidth * prices.bandwidth +
        alloc.gpu * prices.gpu;
      const seconds = BigInt(rng.int(1, 100_000));
      const appFeeBps = rng.int(0, 3000);
      const hasApp = rng.chance(50);
      const f: FeeParams = {
        platformFeeBps: rng.int(0, 2000),
        feeSplitBps: (() => {
          const a = rng.int(0, 10_000);
          const b = rng.int(0, 10_000 - a);
          return { resourceProvider: a, appProvider: b, platform: 10_000 - a - b };
        })(),
      };
      const escrow = maxCharge(pricePerSec, seconds, appFeeBps, hasApp, f) + BigInt(rng.int(0, 1000));
      // Random periods within the allocation that add up to at most `seconds`.
      const usage: Resources[] = [];
      let left = seconds;
      while (left > 0n && usage.length < 20) {
        const len = BigInt(rng.int(1, Number(left < 10_000n ? left : 10_000n)));
        left -= len;
        const frac = (v: bigint) => (v * len * BigInt(rng.int(0, 100))) / 100n;
        usage.push(
          resources({
            cpu: frac(alloc.cpu),
            memory: frac(alloc.memory),
            disk: frac(alloc.disk),
            bandwidth: frac(alloc.bandwidth),
            gpu: frac(alloc.gpu),
          }),
        );
      }
      const final = rng.chance(50);
      const r = settle({ escrow, prices, usage, appFeeBps, hasAppProvider: hasApp, final }, f);
      expect(r.toResourceProvider + r.toAppProvider + r.toPlatform + r.refund + r.escrowLeft).toBe(escrow);
      expect(r.lines.reduce((s, l) => s + l.total, 0n)).toBe(
        r.toResourceProvider + r.toAppProvider + r.toPlatform,
      );
      for (const l of r.lines) expect(l.toResourceProvider + l.toAppProvider + l.toPlatform).toBe(l.total);
      expect(final ? r.escrowLeft : r.refund).toBe(0n);
      if (!hasApp) expect(r.toAppProvider).toBe(0n);
    }
  });

  it("refuses periods that cost more than the escrow, settling nothing", () => {
    const prices = resources({ cpu: 10n });
    const usage = [resources({ cpu: 100n })];
    const exact = maxCharge(10n, 100n, 0, false, DEFAULT_FEE_PARAMS);
    expect(
      settle({ escrow: exact, prices, usage, appFeeBps: 0, hasAppProvider: false, final: true }).refund,
    ).toBe(0n);
    let caught: unknown;
    try {
      settle({ escrow: exact - 1n, prices, usage, appFeeBps: 0, hasAppProvider: false, final: true });
    } catch (err) {
      caught = err;
    }
    expect(isDccnError(caught, "SETTLEMENT_ESCROW_EXCEEDED")).toBe(true);
  });

  it("locks a job's maximum cost as its escrow", () => {
    const spec = {
      demand: resources({ cpu: 1n, memory: 1n }),
      replicas: 1,
      kind: "job" as const,
      durationSec: 100,
      maxPricePerSec: 1_000n,
      appProvider: "app",
      appFeeBps: 1_000,
    };
    // 100 s × 1000 = 100_000; app fee 10_000; platform 5% of 110_000 = 5_500.
    expect(escrowForTask(spec, 100, fees)).toBe(115_500n);
    expect(escrowForTask({ ...spec, appProvider: undefined, appFeeBps: 0 }, 100, fees)).toBe(105_000n);
  });

  it("rejects inconsistent fee params", () => {
    const bad = {
      platformFeeBps: 500,
      feeSplitBps: { resourceProvider: 5_000, appProvider: 5_000, platform: 1 },
    };
    expect(() =>
      settle(
        { escrow: 1n, prices: resources({}), usage: [], appFeeBps: 0, hasAppProvider: false, final: true },
        bad,
      ),
    ).toThrowError(/sum to 10000/);
  });
});
