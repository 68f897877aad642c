/**
 * Resource vectors. Every quantity is a non-negative bigint in a fixed unit:
 *   cpu       millicores              memory  bytes
 *   disk      bytes                   bandwidth  bits per second
 *   gpu       whole devices
 * Prices use the same shape: ANKR base units (10⁻¹⁸ ANKR) per unit per second.
 * Usage (metering) uses it too: unit·seconds (millicore-seconds, byte-seconds, bits, gpu-seconds).
 */
import { MarketError } from "./errors.js";
import { MAX_INT64 } from "./fixed.js";

export const RESOURCE_KINDS = ["cpu", "memory", "disk", "bandwidth", "gpu"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
export type Resources = { readonly [K in ResourceKind]: bigint };

export const ZERO_RESOURCES: Resources = Object.freeze({
  cpu: 0n,
  memory: 0n,
  disk: 0n,
  bandwidth: 0n,
  gpu: 0n,
});

/** A vector with the given quantities and zero elsewhere. */
export function resources(partial: Partial<Resources>): Resources {
  return { ...ZERO_RESOURCES, ...partial };
}

function map2(a: Resources, b: Resources, f: (x: bigint, y: bigint) => bigint): Resources {
  return {
    cpu: f(a.cpu, b.cpu),
    memory: f(a.memory, b.memory),
    disk: f(a.disk, b.disk),
    bandwidth: f(a.bandwidth, b.bandwidth),
    gpu: f(a.gpu, b.gpu),
  };
}

export const addResources = (a: Resources, b: Resources): Resources => map2(a, b, (x, y) => x + y);
export const subResources = (a: Resources, b: Resources): Resources => map2(a, b, (x, y) => x - y);
/** a − b, floored at zero per resource (free capacity when usage may exceed a lowered capacity). */
export const subFloorZero = (a: Resources, b: Resources): Resources =>
  map2(a, b, (x, y) => (x > y ? x - y : 0n));

export function scaleResources(a: Resources, factor: bigint): Resources {
  return {
    cpu: a.cpu * factor,
    memory: a.memory * factor,
    disk: a.disk * factor,
    bandwidth: a.bandwidth * factor,
    gpu: a.gpu * factor,
  };
}

/** True when every quantity of `a` is at most the matching quantity of `b`. */
export function fitsWithin(a: Resources, b: Resources): boolean {
  return RESOURCE_KINDS.every((k) => a[k] <= b[k]);
}

export const isZeroResources = (a: Resources): boolean => RESOURCE_KINDS.every((k) => a[k] === 0n);

export const resourcesEqual = (a: Resources, b: Resources): boolean =>
  RESOURCE_KINDS.every((k) => a[k] === b[k]);

/** Σ_k quantity_k · price_k: the price per second of a demand, or the cost of a usage report. */
export function costOf(quantities: Resources, prices: Resources): bigint {
  return (
    quantities.cpu * prices.cpu +
    quantities.memory * prices.memory +
    quantities.disk * prices.disk +
    quantities.bandwidth * prices.bandwidth +
    quantities.gpu * prices.gpu
  );
}

/** Throws MARKET_INVALID_RESOURCES unless every quantity is a bigint in [0, 2^63 − 1]. */
export function assertResources(r: Resources, what: string, limit: bigint = MAX_INT64): void {
  for (const k of RESOURCE_KINDS) {
    const v = (r as Record<string, unknown>)[k];
    if (typeof v !== "bigint" || v < 0n || v > limit) {
      throw new MarketError(
        "MARKET_INVALID_RESOURCES",
        `${what}.${k} must be an integer between 0 and ${limit}, got ${String(v)}`,
        { field: `${what}.${k}` },
      );
    }
  }
}

/** The vector as a 5-element array in RESOURCE_KINDS order (the scheduler's hot-path form). */
export function toVector(r: Resources): bigint[] {
  return [r.cpu, r.memory, r.disk, r.bandwidth, r.gpu];
}

export function fromVector(v: readonly bigint[]): Resources {
  return { cpu: v[0] ?? 0n, memory: v[1] ?? 0n, disk: v[2] ?? 0n, bandwidth: v[3] ?? 0n, gpu: v[4] ?? 0n };
}
