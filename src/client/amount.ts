/**
 * ANKR amounts. The chain counts base units (1 ANKR = 10^18 base units) as bigint; people
 * write either base units ("1000") or ANKR with a suffix ("1.5ankr"). No floats anywhere.
 */
import { DccnError } from "../errors.js";

export type AmountErrorCode = "AMOUNT_INVALID";

export const ANKR_DECIMALS = 18;
export const BASE_UNITS_PER_ANKR = 10n ** BigInt(ANKR_DECIMALS);
/** The codec carries amounts as decimal strings of at most 78 digits. */
export const MAX_AMOUNT = 10n ** 78n - 1n;

const BASE_UNITS_RE = /^(0|[1-9][0-9]*)$/;
const ANKR_RE = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?ankr$/i;

function invalid(text: string, why: string): DccnError<AmountErrorCode> {
  return new DccnError<AmountErrorCode>("AMOUNT_INVALID", `invalid amount ${JSON.stringify(text)}: ${why}`, {
    amount: text,
  });
}

/** "1000" → 1000n base units; "1.5ankr" → 1_500_000_000_000_000_000n. */
export function parseAmount(text: string): bigint {
  let value: bigint;
  if (BASE_UNITS_RE.test(text)) {
    value = BigInt(text);
  } else {
    const m = ANKR_RE.exec(text);
    if (m === null) {
      throw invalid(text, 'write base units ("1000") or ANKR with its suffix ("1.5ankr")');
    }
    const frac = m[2] ?? "";
    if (frac.length > ANKR_DECIMALS) throw invalid(text, `ANKR has only ${ANKR_DECIMALS} decimals`);
    value = BigInt(m[1]!) * BASE_UNITS_PER_ANKR + BigInt(frac.padEnd(ANKR_DECIMALS, "0") || "0");
  }
  if (value > MAX_AMOUNT) throw invalid(text, "too large");
  return value;
}

/** Base units as ANKR without trailing zeros: 1_500_000_000_000_000_000n → "1.5". */
export function formatAnkr(baseUnits: bigint): string {
  const sign = baseUnits < 0n ? "-" : "";
  const abs = baseUnits < 0n ? -baseUnits : baseUnits;
  const whole = abs / BASE_UNITS_PER_ANKR;
  const frac = (abs % BASE_UNITS_PER_ANKR).toString().padStart(ANKR_DECIMALS, "0").replace(/0+$/, "");
  return `${sign}${whole}${frac === "" ? "" : `.${frac}`}`;
}
