/**
 * Settlement math: what a metered period costs and who receives every base unit of it.
 *
 *   usageCost   = Σ_k usage_k · price_k              the resource provider's price list
 *   appFee      = usageCost · appFeeBps / 10⁴         the application provider's fee (0 without one)
 *   deal        = usageCost + appFee
 *   platformFee = deal · platformFeeBps / 10⁴         Ankr's charge on every deal (e.g. 500 = 5%)
 *   charge      = deal + platformFee                  taken from the tenant's escrow
 *
 * The platform fee is split among the resource provider, the app provider and the platform by
 * `feeSplitBps` (seed p.19–20, "composition of transaction cost"); the platform takes the
 * rounding remainder and, when the task has no app provider, the app provider's part. Every
 * division floors, so the charge for a sum of periods is never below the sum of the periods'
 * charges, and `maxCharge(maxPrice, seconds)` is a sufficient escrow for any valid usage.
 * `settle` returns payouts + refund + escrowLeft = escrow, always.
 */
import { MarketError } from "./errors.js";
import { applyBps } from "./fixed.js";
import { assertResources, costOf, type Resources } from "./resources.js";
import type { TaskSpec } from "./types.js";

export interface FeeParams {
  /** Ankr's fee on every deal, basis points. */
  readonly platformFeeBps: number;
  /** How the platform fee is divided; the three parts sum to 10_000. */
  readonly feeSplitBps: {
    readonly resourceProvider: number;
    readonly appProvider: number;
    readonly platform: number;
  };
}

export const DEFAULT_FEE_PARAMS: FeeParams = {
  platformFeeBps: 500,
  feeSplitBps: { resourceProvider: 2_000, appProvider: 2_000, platform: 6_000 },
};

export interface ChargeBreakdown {
  readonly usageCost: bigint;
  readonly appFee: bigint;
  readonly platformFee: bigint;
  /** usageCost + appFee + platformFee. */
  readonly total: bigint;
  readonly toResourceProvider: bigint;
  readonly toAppProvider: bigint;
  readonly toPlatform: bigint;
}

const isBps = (v: number, max = 10_000): boolean => Number.isSafeInteger(v) && v >= 0 && v <= max;

export function assertFeeParams(fees: FeeParams): void {
  const s = fees.feeSplitBps;
  if (
    !isBps(fees.platformFeeBps) ||
    !isBps(s.resourceProvider) ||
    !isBps(s.appProvider) ||
    !isBps(s.platform) ||
    s.resourceProvider + s.appProvider + s.platform !== 10_000
  ) {
    throw new MarketError(
      "MARKET_INVALID_PARAMS",
      "platformFeeBps must be 0..10000 and feeSplitBps's three parts must sum to 10000",
    );
  }
}

function assertAppFee(appFeeBps: number): void {
  if (!Number.isSafeInteger(appFeeBps) || appFeeBps < 0) {
    throw new MarketError(
      "MARKET_INVALID_INPUT",
      `appFeeBps must be a non-negative integer, got ${appFeeBps}`,
    );
  }
}

/** Splits the charge for `usageCost` (base units) among the three parties. */
export function chargeFor(
  usageCost: bigint,
  appFeeBps: number,
  hasAppProvider: boolean,
  fees: FeeParams = DEFAULT_FEE_PARAMS,
): ChargeBreakdown {
  if (usageCost < 0n)
    throw new MarketError("MARKET_INVALID_INPUT", `usage cost must be non-negative, got ${usageCost}`);
  assertAppFee(appFeeBps);
  const appFee = hasAppProvider ? applyBps(usageCost, BigInt(appFeeBps)) : 0n;
  const deal = usageCost + appFee;
  const platformFee = applyBps(deal, BigInt(fees.platformFeeBps));
  const feeToRp = applyBps(platformFee, BigInt(fees.feeSplitBps.resourceProvider));
  const feeToApp = hasAppProvider ? applyBps(platformFee, BigInt(fees.feeSplitBps.appProvider)) : 0n;
  return {
    usageCost,
    appFee,
    platformFee,
    total: deal + platformFee,
    toResourceProvider: usageCost + feeToRp,
    toAppProvider: appFee + feeToApp,
    toPlatform: platformFee - feeToRp - feeToApp,
  };
}

/** The escrow that covers `seconds` at `pricePerSec` (a task's maximum cost, locked at submission). */
export function maxCharge(
  pricePerSec: bigint,
  seconds: bigint,
  appFeeBps: number,
  hasAppProvider: boolean,
  fees: FeeParams = DEFAULT_FEE_PARAMS,
): bigint {
  if (pricePerSec < 0n || seconds < 0n) {
    throw new MarketError("MARKET_INVALID_INPUT", "price and seconds must be non-negative");
  }
  return chargeFor(pricePerSec * seconds, appFeeBps, hasAppProvider, fees).total;
}

/** Escrow to lock when a task is submitted: its maximum charge for `seconds` (a job's duration). */
export function escrowForTask(spec: TaskSpec, seconds: number, fees: FeeParams = DEFAULT_FEE_PARAMS): bigint {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new MarketError("MARKET_INVALID_INPUT", `seconds must be a non-negative integer, got ${seconds}`);
  }
  return maxCharge(
    spec.maxPricePerSec,
    BigInt(seconds),
    spec.appFeeBps ?? 0,
    spec.appProvider !== undefined,
    fees,
  );
}

export interface SettleInput {
  /** Escrow still locked for the task. */
  readonly escrow: bigint;
  /** The instance's unit prices per second. */
  readonly prices: Resources;
  /** Validated usage of each period being settled (unit·seconds). */
  readonly usage: readonly Resources[];
  readonly appFeeBps: number;
  readonly hasAppProvider: boolean;
  /** The task has ended: refund whatever escrow is left. */
  readonly final: boolean;
}

export interface SettleResult {
  readonly lines: readonly ChargeBreakdown[];
  readonly toResourceProvider: bigint;
  readonly toAppProvider: bigint;
  readonly toPlatform: bigint;
  readonly refund: bigint;
  readonly escrowLeft: bigint;
}

/**
 * Settles periods from escrow. Throws SETTLEMENT_ESCROW_EXCEEDED (and settles nothing) when the
 * periods cost more than the escrow holds.
 */
export function settle(input: SettleInput, fees: FeeParams = DEFAULT_FEE_PARAMS): SettleResult {
  assertFeeParams(fees);
  if (input.escrow < 0n)
    throw new MarketError("MARKET_INVALID_INPUT", `escrow must be non-negative, got ${input.escrow}`);
  assertResources(input.prices, "prices");
  const lines: ChargeBreakdown[] = [];
  let rp = 0n;
  let app = 0n;
  let platform = 0n;
  let spent = 0n;
  input.usage.forEach((u, i) => {
    assertResources(u, `usage[${i}]`);
    const line = chargeFor(costOf(u, input.prices), input.appFeeBps, input.hasAppProvider, fees);
    lines.push(line);
    rp += line.toResourceProvider;
    app += line.toAppProvider;
    platform += line.toPlatform;
    spent += line.total;
  });
  if (spent > input.escrow) {
    throw new MarketError(
      "SETTLEMENT_ESCROW_EXCEEDED",
      `the periods cost ${spent} but only ${input.escrow} is in escrow`,
      { cost: spent.toString(), escrow: input.escrow.toString() },
    );
  }
  const rest = input.escrow - spent;
  return {
    lines,
    toResourceProvider: rp,
    toAppProvider: app,
    toPlatform: platform,
    refund: input.final ? rest : 0n,
    escrowLeft: input.final ? 0n : rest,
  };
}
