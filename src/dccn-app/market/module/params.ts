/**
 * The market's chain parameters: phase 1's MarketParams plus what the module needs on chain
 * (deadlines, reward epochs, service-level weights). Set at genesis in `app_state.market.params`
 * (snake_case, every member optional, defaults below); stored under market/params.
 *
 * Encoding: the params form a tree whose leaves are integers (JSON numbers) or bigints (JSON
 * decimal strings). The state value is `Params { repeated Param entries }`, one entry per leaf,
 * `{name: "fees.platform_fee_bps", value: "500"}`, sorted by name — canonical, and a parameter
 * added later is simply a new name.
 */
import { decodeCanonical, ProtoReader, ProtoWriter } from "../../../codec/proto.js";
import { MarketError } from "../errors.js";
import { ONE } from "../fixed.js";
import { DEFAULT_MARKET_PARAMS, type MarketParams } from "../params.js";
import { assertRewardParams } from "../rewards.js";
import { checkSchedulerParams } from "../scheduler/index.js";
import { assertFeeParams } from "../settlement.js";

export const PPM = 1_000_000;
const ANKR = 10n ** 18n;

export interface TimingParams {
  /** A task nobody placed within this many seconds of block time expires (full refund). */
  readonly maxPendingSec: number;
  /** Seconds after a running task's paid time ends in which final reports are still accepted. */
  readonly graceSec: number;
  /** Ack timeouts and expiries handled per block (the rest wait for the next block). */
  readonly maxQueuePerBlock: number;
}

export interface EpochParams {
  /** Rewards are minted every `blocks` blocks (at EndBlock of heights divisible by it). */
  readonly blocks: number;
  /** Base units minted per epoch at most (what scores do not claim is not minted). */
  readonly pool: bigint;
}

/** Weights (ppm, each group summing to 1_000_000) of service-level.ts's formulas. */
export interface ServiceLevelParams {
  readonly provider: {
    readonly outcomes: number;
    readonly completedRatio: number;
    readonly rating: number;
    readonly proofs: number;
    readonly uptime: number;
  };
  readonly consumer: {
    readonly outcomes: number;
    readonly completedRatio: number;
    readonly rating: number;
  };
}

export interface MarketChainParams extends MarketParams {
  readonly timing: TimingParams;
  readonly epoch: EpochParams;
  readonly serviceLevel: ServiceLevelParams;
}

export const DEFAULT_MARKET_CHAIN_PARAMS: MarketChainParams = {
  ...DEFAULT_MARKET_PARAMS,
  // Stake-only holders are the staking module's to reward; the market rewards its own roles.
  rewards: {
    ...DEFAULT_MARKET_PARAMS.rewards,
    poolSplitBps: { consumer: 3_000, appProvider: 2_000, resourceProvider: 5_000, staker: 0 },
  },
  timing: { maxPendingSec: 86_400, graceSec: 300, maxQueuePerBlock: 1_000 },
  epoch: { blocks: 1_000, pool: 100n * ANKR },
  serviceLevel: {
    provider: {
      outcomes: 300_000,
      completedRatio: 200_000,
      rating: 200_000,
      proofs: 200_000,
      uptime: 100_000,
    },
    consumer: { outcomes: 500_000, completedRatio: 300_000, rating: 200_000 },
  },
};

type Leaf = number | bigint;

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const invalid = (message: string, field = "") => new MarketError("MARKET_INVALID_PARAMS", message, { field });

/** Every leaf of the params as [json path, value], sorted by path. */
export function paramEntries(params: MarketChainParams): [string, Leaf][] {
  const out: [string, Leaf][] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node === "number" || typeof node === "bigint") out.push([path, node]);
    else if (Array.isArray(node)) {
      node.forEach((v, i) => {
        walk(v, `${path}.${i}`);
      });
    } else if (typeof node === "object" && node !== null) {
      for (const [k, v] of Object.entries(node)) walk(v, path === "" ? snake(k) : `${path}.${snake(k)}`);
    }
  };
  walk(params, "");
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function leafFrom(expected: Leaf, value: unknown, field: string): Leaf {
  if (typeof expected === "bigint") {
    if (typeof value === "string" && /^(0|[1-9][0-9]{0,77})$/.test(value)) return BigInt(value);
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
    throw invalid(
      `${field} must be a non-negative integer (a decimal string), got ${JSON.stringify(value)}`,
      field,
    );
  }
  const n = typeof value === "string" && /^(0|[1-9][0-9]{0,15})$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw invalid(`${field} must be a non-negative integer, got ${JSON.stringify(value)}`, field);
  }
  return n;
}

/** `defaults` with the members `json` gives replaced (recursively); unknown members are refused. */
function overlay(defaults: unknown, json: unknown, field: string): unknown {
  if (typeof defaults === "number" || typeof defaults === "bigint") return leafFrom(defaults, json, field);
  if (Array.isArray(defaults)) {
    if (!Array.isArray(json) || json.length !== defaults.length) {
      throw invalid(`${field} must be a list of ${defaults.length} values`, field);
    }
    return defaults.map((d: unknown, i) => overlay(d, json[i], `${field}.${i}`));
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalid(`${field === "" ? "params" : field} must be an object`, field);
  }
  const byJsonName = new Map(Object.keys(defaults as object).map((k) => [snake(k), k]));
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [name, value] of Object.entries(json)) {
    const key = byJsonName.get(name);
    const sub = field === "" ? name : `${field}.${name}`;
    if (key === undefined) {
      throw invalid(`${sub} is not a market parameter (known: ${[...byJsonName.keys()].join(", ")})`, sub);
    }
    out[key] = overlay((defaults as Record<string, unknown>)[key], value, sub);
  }
  return out;
}

function assertPpmGroup(group: Readonly<Record<string, number>>, name: string): void {
  const sum = Object.values(group).reduce((s, v) => s + v, 0);
  if (sum !== PPM) throw invalid(`${name} weights must sum to ${PPM}, got ${sum}`, name);
}

/** Throws MARKET_INVALID_PARAMS unless every parameter is in range and every split adds up. */
export function assertMarketParams(p: MarketChainParams): void {
  assertFeeParams(p.fees);
  checkSchedulerParams(p.scheduler);
  assertRewardParams(p.rewards);
  const l = p.lifecycle;
  if (l.maxAttempts < 1 || l.ackTimeoutBlocks < 1) {
    throw invalid("lifecycle.max_attempts and lifecycle.ack_timeout_blocks must be at least 1");
  }
  if (p.limits.maxReplicas < 1 || p.limits.maxJobDurationSec < 1 || p.limits.maxLabelLength < 1) {
    throw invalid("limits.max_replicas, max_job_duration_sec and max_label_length must be at least 1");
  }
  if (p.limits.maxAppFeeBps > 10_000) throw invalid("limits.max_app_fee_bps must be at most 10000");
  if (p.userWeight.base <= 0n || p.userWeight.max < p.userWeight.base) {
    throw invalid("user_weight needs 0 < base <= max");
  }
  if (
    p.reputation.emaWeight > ONE ||
    p.reputation.serviceWeight > ONE ||
    p.reputation.initialServiceLevel > ONE
  ) {
    throw invalid("reputation weights and the initial service level are at most 1 (10^18)");
  }
  if (p.reputation.logDivisor === 0n) throw invalid("reputation.log_divisor must be positive");
  if (p.timing.maxQueuePerBlock < 1) throw invalid("timing.max_queue_per_block must be at least 1");
  if (p.epoch.blocks < 1) throw invalid("epoch.blocks must be at least 1");
  assertPpmGroup(p.serviceLevel.provider, "service_level.provider");
  assertPpmGroup(p.serviceLevel.consumer, "service_level.consumer");
}

/** Reads genesis `app_state.market.params` (absent: the defaults) and checks it. */
export function parseMarketParamsJson(json: unknown): MarketChainParams {
  if (json === undefined || json === null) return DEFAULT_MARKET_CHAIN_PARAMS;
  const p = overlay(DEFAULT_MARKET_CHAIN_PARAMS, json, "") as MarketChainParams;
  assertMarketParams(p);
  return p;
}

/** The JSON shape of genesis and of the `/market/params` query (bigints as decimal strings). */
export function marketParamsToJson(p: MarketChainParams): Record<string, unknown> {
  const walk = (node: unknown): unknown => {
    if (typeof node === "bigint") return node.toString();
    if (typeof node === "number") return node;
    if (Array.isArray(node)) return node.map(walk);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as object)) out[snake(k)] = walk(v);
    return out;
  };
  return walk(p) as Record<string, unknown>;
}

export function encodeMarketParams(p: MarketChainParams): Uint8Array {
  const w = new ProtoWriter();
  for (const [name, value] of paramEntries(p)) {
    w.message(1, new ProtoWriter().string(1, name).string(2, value.toString()).finish());
  }
  return w.finish();
}

function decodeLoose(bytes: Uint8Array): MarketChainParams {
  const r = new ProtoReader(bytes, "market.Params");
  const json: Record<string, unknown> = {};
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f !== 1) r.unknown();
    const e = new ProtoReader(r.message(), "market.Param");
    let name = "";
    let value = "";
    for (let g = e.next(); g !== 0; g = e.next()) {
      if (g === 1) name = e.string();
      else if (g === 2) value = e.string();
      else e.unknown();
    }
    // Rebuild the nested JSON from the dotted path; array indices become object keys first.
    const parts = name.split(".");
    let node: Record<string, unknown> = json;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  const toArrays = (node: unknown, shape: unknown): unknown => {
    if (Array.isArray(shape)) {
      const obj = (node ?? {}) as Record<string, unknown>;
      return shape.map((s: unknown, i) => toArrays(obj[String(i)], s));
    }
    if (typeof shape === "object" && shape !== null && typeof node === "object" && node !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const key = Object.keys(shape).find((s) => snake(s) === k);
        out[k] = key === undefined ? v : toArrays(v, (shape as Record<string, unknown>)[key]);
      }
      return out;
    }
    return node;
  };
  return overlay(
    DEFAULT_MARKET_CHAIN_PARAMS,
    toArrays(json, DEFAULT_MARKET_CHAIN_PARAMS),
    "",
  ) as MarketChainParams;
}

export const decodeMarketParams = (bytes: Uint8Array): MarketChainParams =>
  decodeCanonical(bytes, "market.Params", decodeLoose, encodeMarketParams);
