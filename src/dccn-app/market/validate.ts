/**
 * Admission checks for providers' instances and tenants' tasks. Each rejects bad input with a
 * typed MarketError before anything reaches state.
 */
import { MarketError } from "./errors.js";
import { assertResources, isZeroResources, type Resources, scaleResources } from "./resources.js";
import type { NodeInstance, TaskSpec } from "./types.js";

export interface MarketLimits {
  readonly maxReplicas: number;
  readonly maxJobDurationSec: number;
  readonly maxTags: number;
  readonly maxLabelLength: number;
  /** Ceiling on an app provider's fee, in basis points of the resource cost. */
  readonly maxAppFeeBps: number;
}

export const DEFAULT_MARKET_LIMITS: MarketLimits = {
  maxReplicas: 1024,
  maxJobDurationSec: 366 * 24 * 3600,
  maxTags: 16,
  maxLabelLength: 64,
  maxAppFeeBps: 5_000,
};

const invalidTask = (message: string, field: string) =>
  new MarketError("MARKET_INVALID_TASK", message, { field });

function assertLabel(value: unknown, field: string, limits: MarketLimits, make: typeof invalidTask): void {
  if (typeof value !== "string" || value.length === 0 || value.length > limits.maxLabelLength) {
    throw make(`${field} must be a non-empty string of at most ${limits.maxLabelLength} characters`, field);
  }
}

function assertTags(tags: unknown, field: string, limits: MarketLimits, make: typeof invalidTask): void {
  if (!Array.isArray(tags) || tags.length > limits.maxTags) {
    throw make(`${field} must be a list of at most ${limits.maxTags} tags`, field);
  }
  const seen = new Set<string>();
  for (const t of tags) {
    assertLabel(t, field, limits, make);
    if (seen.has(t)) throw make(`${field} lists "${t}" twice`, field);
    seen.add(t);
  }
}

/** Checks a task request; demands of zero or below and prices over a sane range are rejected. */
export function validateTaskSpec(spec: TaskSpec, limits: MarketLimits = DEFAULT_MARKET_LIMITS): void {
  assertResources(spec.demand, "demand");
  if (isZeroResources(spec.demand)) throw invalidTask("demand must request at least one resource", "demand");
  if (spec.demand.cpu === 0n || spec.demand.memory === 0n) {
    throw invalidTask("demand must request some cpu and memory", "demand");
  }
  if (!Number.isSafeInteger(spec.replicas) || spec.replicas < 1 || spec.replicas > limits.maxReplicas) {
    throw invalidTask(`replicas must be an integer between 1 and ${limits.maxReplicas}`, "replicas");
  }
  if (spec.kind !== "service" && spec.kind !== "job")
    throw invalidTask("kind must be service or job", "kind");
  if (spec.kind === "job") {
    const d = spec.durationSec;
    if (d === undefined || !Number.isSafeInteger(d) || d < 1 || d > limits.maxJobDurationSec) {
      throw invalidTask(`a job needs durationSec between 1 and ${limits.maxJobDurationSec}`, "durationSec");
    }
  } else if (spec.durationSec !== undefined) {
    throw invalidTask("a service runs until stopped; durationSec is for jobs", "durationSec");
  }
  if (typeof spec.maxPricePerSec !== "bigint" || spec.maxPricePerSec < 0n) {
    throw invalidTask("maxPricePerSec must be a non-negative integer", "maxPricePerSec");
  }
  const fee = spec.appFeeBps ?? 0;
  if (!Number.isSafeInteger(fee) || fee < 0 || fee > limits.maxAppFeeBps) {
    throw invalidTask(`appFeeBps must be an integer between 0 and ${limits.maxAppFeeBps}`, "appFeeBps");
  }
  if (spec.appProvider === undefined && fee !== 0) {
    throw invalidTask("appFeeBps needs an appProvider to pay", "appFeeBps");
  }
  if (spec.appProvider !== undefined)
    assertLabel(spec.appProvider, "appProvider", { ...limits, maxLabelLength: 128 }, invalidTask);
  const c = spec.constraints;
  if (c !== undefined) {
    if (c.region !== undefined) assertLabel(c.region, "constraints.region", limits, invalidTask);
    if (c.tags !== undefined) assertTags(c.tags, "constraints.tags", limits, invalidTask);
    if (c.minReputation !== undefined && (typeof c.minReputation !== "bigint" || c.minReputation < 0n)) {
      throw invalidTask(
        "constraints.minReputation must be a non-negative integer",
        "constraints.minReputation",
      );
    }
  }
  // The whole task must be representable: demand × replicas stays within int64 per resource.
  assertResources(totalDemand(spec), "demand × replicas");
}

/** The resources one task occupies on its instance: demand per replica × replicas. */
export function totalDemand(spec: Pick<TaskSpec, "demand" | "replicas">): Resources {
  return scaleResources(spec.demand, BigInt(spec.replicas));
}

const invalidInstance = (message: string, field: string) =>
  new MarketError("MARKET_INVALID_INSTANCE", message, { field });

/** Checks a provider's node instance as registered or updated. */
export function validateInstance(inst: NodeInstance, limits: MarketLimits = DEFAULT_MARKET_LIMITS): void {
  assertLabel(inst.id, "id", limits, invalidInstance);
  assertLabel(inst.provider, "provider", { ...limits, maxLabelLength: 128 }, invalidInstance);
  assertLabel(inst.region, "region", limits, invalidInstance);
  assertTags(inst.tags, "tags", limits, invalidInstance);
  assertResources(inst.capacity, "capacity");
  assertResources(inst.prices, "prices");
  if (inst.capacity.cpu === 0n || inst.capacity.memory === 0n) {
    throw invalidInstance("an instance must offer some cpu and memory", "capacity");
  }
  if (typeof inst.available !== "boolean")
    throw invalidInstance("available must be true or false", "available");
}

const invalidProvider = (message: string, field: string) =>
  new MarketError("MARKET_INVALID_INPUT", message, { field });

/** Checks a provider's registration: name and region labels, distinct tags. */
export function validateProviderInfo(
  p: { readonly name: string; readonly region: string; readonly tags: readonly string[] },
  limits: MarketLimits = DEFAULT_MARKET_LIMITS,
): void {
  assertLabel(p.name, "name", limits, invalidProvider);
  assertLabel(p.region, "region", limits, invalidProvider);
  assertTags(p.tags, "tags", limits, invalidProvider);
}
