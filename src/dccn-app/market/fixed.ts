/**
 * Deterministic fixed-point arithmetic for everything that feeds state: no floats anywhere.
 *
 * A fixed-point value `v` stands for v / ONE (18 decimals, like ANKR itself). Rates on money
 * use basis points (1/10_000). All divisions floor, so results are identical on every node.
 */
import { MarketError } from "./errors.js";

export const ONE = 10n ** 18n;
export const BPS_ONE = 10_000n;

/** Internal precision of the logarithm (36 decimals), so the result is exact to ONE's last digit. */
const LN_SCALE = 10n ** 36n;
const LN_DOWN = LN_SCALE / ONE;

/** The larger of two bigints (Math.max does not take bigint). */
export function maxBig(a: bigint, b: bigint): bigint {
  if (a > b) return a;
  return b;
}

/** The smaller of two bigints. */
export function minBig(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

/** floor(a · b / d) for non-negative operands. */
export function mulDiv(a: bigint, b: bigint, d: bigint): bigint {
  if (d <= 0n) throw new MarketError("MARKET_MATH_DOMAIN", `mulDiv: divisor ${d} must be positive`);
  return (a * b) / d;
}

/** floor(amount · bps / 10_000): the share of `amount` that a basis-point rate takes. */
export function applyBps(amount: bigint, bps: bigint): bigint {
  return (amount * bps) / BPS_ONE;
}

/** Exponential moving average: floor(w·sample + (1 − w)·prev), w a fixed-point weight in [0, ONE]. */
export function ema(prev: bigint, sample: bigint, weight: bigint): bigint {
  return (weight * sample + (ONE - weight) * prev) / ONE;
}

/** Number of bits of a positive bigint (position of the highest set bit + 1). */
function bitLength(x: bigint): number {
  return x.toString(2).length;
}

/**
 * ln(m) · LN_SCALE for m · LN_SCALE in [LN_SCALE, 2·LN_SCALE], by the series
 * ln m = 2·(z + z³/3 + z⁵/5 + …) with z = (m − 1)/(m + 1) ≤ 1/3, so each term gains ~1 digit.
 */
function lnMantissa(mScaled: bigint): bigint {
  const z = ((mScaled - LN_SCALE) * LN_SCALE) / (mScaled + LN_SCALE);
  const z2 = (z * z) / LN_SCALE;
  let term = z;
  let sum = 0n;
  for (let n = 1n; term > 0n; n += 2n) {
    sum += term / n;
    term = (term * z2) / LN_SCALE;
  }
  return 2n * sum;
}

const LN2_SCALED = lnMantissa(2n * LN_SCALE);

/**
 * Natural logarithm of a positive integer as fixed-point (×ONE).
 * x = 2^k · m with m in [1, 2): ln x = k·ln 2 + ln m, computed at 36 decimals and floored to 18,
 * so the absolute error is below 2·10⁻¹⁸ for every x up to 2^256.
 */
export function lnFixed(x: bigint): bigint {
  if (x < 1n) throw new MarketError("MARKET_MATH_DOMAIN", `ln is defined here for integers >= 1, got ${x}`);
  const k = bitLength(x) - 1;
  const mScaled = (x * LN_SCALE) >> BigInt(k);
  return (BigInt(k) * LN2_SCALED + lnMantissa(mScaled)) / LN_DOWN;
}

/** Largest value a resource quantity or unit price may take (fits int64 on the wire). */
export const MAX_INT64 = 2n ** 63n - 1n;
