import { describe, expect, it } from "vitest";
import { applyBps, ema, lnFixed, mulDiv, ONE } from "../../../src/dccn-app/market/index.js";
import { isDccnError } from "../../../src/errors.js";
import { Prng } from "./prng.js";

describe("fixed-point math", () => {
  it("computes ln to the last of 18 decimals (reference values from 60-digit arithmetic)", () => {
    const cases: [bigint, bigint][] = [
      [1n, 0n],
      [2n, 693147180559945309n],
      [3n, 1098612288668109691n],
      [10n, 2302585092994045684n],
      [10n ** 18n, 41446531673892822312n],
      [999999999999999999999n, 48354286952874959364n],
      [2n ** 200n + 12345n, 138629436111989061883n],
    ];
    for (const [x, want] of cases) {
      const got = lnFixed(x);
      expect(got - want >= -1n && got - want <= 1n, `ln(${x}) = ${got}, want ${want}`).toBe(true);
    }
  });

  it("is monotonic and additive within a few units of 10^-18", () => {
    const rng = new Prng(7);
    for (let i = 0; i < 300; i++) {
      const a = rng.big(1n, 2n ** 90n);
      const b = rng.big(1n, 2n ** 90n);
      const sum = lnFixed(a) + lnFixed(b);
      const prod = lnFixed(a * b);
      expect(prod - sum >= -3n && prod - sum <= 3n).toBe(true);
      expect(lnFixed(a + 1n) >= lnFixed(a)).toBe(true);
    }
  });

  it("rejects the logarithm of zero or a negative number with a typed error", () => {
    for (const x of [0n, -5n]) {
      expect(() => lnFixed(x)).toThrowError(/ln is defined/);
      try {
        lnFixed(x);
      } catch (err) {
        expect(isDccnError(err, "MARKET_MATH_DOMAIN")).toBe(true);
      }
    }
  });

  it("floors EMAs, basis points and mulDiv", () => {
    expect(ema(0n, ONE, ONE / 4n)).toBe(ONE / 4n);
    expect(ema(ONE, 0n, ONE / 4n)).toBe((3n * ONE) / 4n);
    expect(ema(5n, 5n, ONE / 3n)).toBe(5n); // a constant series stays put: one floor, no drift
    expect(ema(0n, 1n, ONE / 3n)).toBe(0n);
    expect(applyBps(1_000n, 500n)).toBe(50n);
    expect(applyBps(19n, 500n)).toBe(0n);
    expect(mulDiv(7n, 3n, 2n)).toBe(10n);
    expect(() => mulDiv(1n, 1n, 0n)).toThrowError(/divisor/);
  });
});
