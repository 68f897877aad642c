/**
 * Exact values for query comparisons: decimals as scaled bigints and timestamps as bigint
 * nanoseconds since the Unix epoch. CometBFT compares with 125-bit big floats and Go's time
 * package; exact integer arithmetic gives the same answers without floats.
 */

/** A decimal number `sign · (int + frac / 10^frac.length)`. */
export interface Decimal {
  readonly negative: boolean;
  readonly int: bigint;
  /** Fractional digits without trailing zeros ("" for an integer). */
  readonly frac: string;
}

const QUERY_NUMBER = /^\d+(?:\.\d+)?$/;
const SIGNED_INT = /^[+-]?\d+$/;
const LEADING_NUMBER = /^\d+(?:\.\d+)?/;

function decimalOf(text: string, negative: boolean): Decimal {
  const [intPart = "0", fracPart = ""] = text.split(".");
  const frac = fracPart.replace(/0+$/, "");
  const int = BigInt(intPart);
  return { negative: negative && (int !== 0n || frac !== ""), int, frac };
}

/** A query's number argument (`\d+(\.\d+)?`); null if the text is not one. */
export function parseQueryNumber(text: string): Decimal | null {
  return QUERY_NUMBER.test(text) ? decimalOf(text, false) : null;
}

/**
 * An attribute value as a number, as CometBFT reads it: a signed integer, or else the number
 * the value starts with, so "8atom" and "6.5stake" compare as 8 and 6.5. Null if neither.
 */
export function parseValueNumber(text: string): Decimal | null {
  if (SIGNED_INT.test(text)) {
    const negative = text.startsWith("-");
    return decimalOf(text.replace(/^[+-]/, ""), negative);
  }
  const m = LEADING_NUMBER.exec(text);
  return m === null ? null : decimalOf(m[0], false);
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.frac.length, b.frac.length);
  const scaled = (d: Decimal): bigint => {
    const v = d.int * 10n ** BigInt(scale) + (d.frac === "" ? 0n : BigInt(d.frac.padEnd(scale, "0")));
    return d.negative ? -v : v;
  };
  const x = scaled(a);
  const y = scaled(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The smallest integer >= d and the largest integer <= d (for height bounds). */
export function ceilInt(d: Decimal): bigint {
  const i = d.negative ? -d.int : d.int;
  return d.frac !== "" && !d.negative ? i + 1n : i;
}
export function floorInt(d: Decimal): bigint {
  const i = d.negative ? -d.int : d.int;
  return d.frac !== "" && d.negative ? i - 1n : i;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (exact for any year). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  return d <= days;
}

const NS_PER_DAY = 86_400n * 1_000_000_000n;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** `YYYY-MM-DD` as nanoseconds at midnight UTC; null if not a valid date. */
export function parseDateNs(text: string): bigint | null {
  const m = DATE_RE.exec(text);
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validDate(y, mo, d)) return null;
  return BigInt(daysFromCivil(y, mo, d)) * NS_PER_DAY;
}

/** An RFC 3339 timestamp (optional fraction, `Z` or `±hh:mm`) as UTC nanoseconds; null if invalid. */
export function parseTimeNs(text: string): bigint | null {
  const m = TIME_RE.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  const zone = m[8] ?? "Z";
  let offsetMin = 0;
  if (zone !== "Z") {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetMin = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const seconds = BigInt(daysFromCivil(y, mo, d)) * 86_400n + BigInt(h * 3600 + mi * 60 + s - offsetMin * 60);
  const nanos = BigInt((m[7] ?? "").padEnd(9, "0") || "0");
  return seconds * 1_000_000_000n + nanos;
}

/** The year of a `YYYY-...` text (query TIME/DATE arguments must lie in 1900..2999). */
export function yearOf(text: string): number {
  return Number(text.slice(0, 4));
}
