/**
 * State values of the market module and their canonical proto codecs
 * (proto/dccn/market/v1/market.proto). Addresses are raw 20-byte values here; the pure core
 * (lifecycle, scheduler) works on bech32 strings, converted at the edges (store.ts).
 */
import { decodeCanonical, ProtoReader, ProtoWriter } from "../../../codec/proto.js";
import type { TaskStatus } from "../lifecycle.js";
import type { ReputationRecord } from "../reputation.js";
import { type Resources, ZERO_RESOURCES } from "../resources.js";
import type { MsgSubmitTask } from "./msgs.js";

export interface Codec<T> {
  encode(v: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

function codec<T>(name: string, encode: (v: T) => Uint8Array, loose: (r: ProtoReader) => T): Codec<T> {
  return {
    encode,
    decode: (bytes) => decodeCanonical(bytes, name, (b) => loose(new ProtoReader(b, name)), encode),
  };
}

// --- Resources --------------------------------------------------------------------------------

export function encodeResources(r: Resources): Uint8Array {
  return new ProtoWriter()
    .bigint(1, r.cpu)
    .bigint(2, r.memory)
    .bigint(3, r.disk)
    .bigint(4, r.bandwidth)
    .bigint(5, r.gpu)
    .finish();
}

export function decodeResourcesLoose(bytes: Uint8Array): Resources {
  const r = new ProtoReader(bytes, "market.Resources");
  let cpu = 0n;
  let memory = 0n;
  let disk = 0n;
  let bandwidth = 0n;
  let gpu = 0n;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) cpu = r.bigint();
    else if (f === 2) memory = r.bigint();
    else if (f === 3) disk = r.bigint();
    else if (f === 4) bandwidth = r.bigint();
    else if (f === 5) gpu = r.bigint();
    else r.unknown();
  }
  return { cpu, memory, disk, bandwidth, gpu };
}

/** Writes a Resources sub-message, omitted when all zero (proto3 default). */
function writeResources(w: ProtoWriter, field: number, r: Resources): void {
  const enc = encodeResources(r);
  if (enc.length > 0) w.message(field, enc);
}

function writeStrings(w: ProtoWriter, field: number, values: readonly string[]): void {
  for (const v of values) w.string(field, v);
}

// --- Provider ---------------------------------------------------------------------------------

export interface ProviderRecord {
  readonly name: string;
  readonly region: string;
  readonly tags: readonly string[];
  readonly retired: boolean;
  readonly registeredHeight: number;
  /** Instances not retired, and of those the ones marked available (uptime). */
  readonly instancesTotal: number;
  readonly instancesAvailable: number;
  /** Usage reports accepted (verified proofs of service). */
  readonly reports: number;
  /** Seconds of finished placements' running time, and how many of them reports covered. */
  readonly runSec: number;
  readonly provenSec: number;
}

export const providerCodec = codec<ProviderRecord>(
  "market.Provider",
  (v) => {
    const w = new ProtoWriter().string(1, v.name).string(2, v.region);
    writeStrings(w, 3, v.tags);
    return w
      .bool(4, v.retired)
      .uint(5, v.registeredHeight)
      .uint(6, v.instancesTotal)
      .uint(7, v.instancesAvailable)
      .uint(8, v.reports)
      .uint(9, v.runSec)
      .uint(10, v.provenSec)
      .finish();
  },
  (r) => {
    let name = "";
    let region = "";
    const tags: string[] = [];
    let retired = false;
    let registeredHeight = 0;
    let instancesTotal = 0;
    let instancesAvailable = 0;
    let reports = 0;
    let runSec = 0;
    let provenSec = 0;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) name = r.string();
      else if (f === 2) region = r.string();
      else if (f === 3) tags.push(r.string());
      else if (f === 4) retired = r.bool();
      else if (f === 5) registeredHeight = r.uint();
      else if (f === 6) instancesTotal = r.uint();
      else if (f === 7) instancesAvailable = r.uint();
      else if (f === 8) reports = r.uint();
      else if (f === 9) runSec = r.uint();
      else if (f === 10) provenSec = r.uint();
      else r.unknown();
    }
    return {
      name,
      region,
      tags,
      retired,
      registeredHeight,
      instancesTotal,
      instancesAvailable,
      reports,
      runSec,
      provenSec,
    };
  },
);

// --- Instance ---------------------------------------------------------------------------------

export interface InstanceRecord {
  readonly id: string;
  readonly capacity: Resources;
  /** Base units per resource unit per second. */
  readonly prices: Resources;
  readonly region: string;
  readonly tags: readonly string[];
  readonly available: boolean;
  readonly retired: boolean;
  /** Held by scheduled and running tasks. */
  readonly used: Resources;
  /** Number of scheduled and running tasks on it. */
  readonly tasks: number;
}

export const instanceCodec = codec<InstanceRecord>(
  "market.Instance",
  (v) => {
    const w = new ProtoWriter().string(1, v.id);
    writeResources(w, 2, v.capacity);
    writeResources(w, 3, v.prices);
    w.string(4, v.region);
    writeStrings(w, 5, v.tags);
    w.bool(6, v.available).bool(7, v.retired);
    writeResources(w, 8, v.used);
    return w.uint(9, v.tasks).finish();
  },
  (r) => {
    let id = "";
    let capacity = ZERO_RESOURCES;
    let prices = ZERO_RESOURCES;
    let region = "";
    const tags: string[] = [];
    let available = false;
    let retired = false;
    let used = ZERO_RESOURCES;
    let tasks = 0;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) id = r.string();
      else if (f === 2) capacity = decodeResourcesLoose(r.message());
      else if (f === 3) prices = decodeResourcesLoose(r.message());
      else if (f === 4) region = r.string();
      else if (f === 5) tags.push(r.string());
      else if (f === 6) available = r.bool();
      else if (f === 7) retired = r.bool();
      else if (f === 8) used = decodeResourcesLoose(r.message());
      else if (f === 9) tasks = r.uint();
      else r.unknown();
    }
    return { id, capacity, prices, region, tags, available, retired, used, tasks };
  },
);

// --- Task -------------------------------------------------------------------------------------

export const TASK_STATUSES: readonly TaskStatus[] = [
  "pending",
  "scheduled",
  "running",
  "completed",
  "failed",
  "cancelled",
  "expired",
];

/** A task as stored: what its tenant submitted, plus its state. */
export interface TaskRecord extends MsgSubmitTask {
  readonly id: number;
  readonly owner: Uint8Array;
  readonly status: TaskStatus;
  /** Current (scheduled/running) or last placement; empty when never placed. */
  readonly provider: Uint8Array;
  readonly instanceId: string;
  readonly scheduledHeight: number;
  /** Block time (s) the current placement started running; 0 when not running. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly attempts: number;
  readonly avoidProviders: readonly Uint8Array[];
  readonly submitHeight: number;
  readonly submitTime: number;
  /** Block time (s) the task last entered pending (its pending deadline counts from here). */
  readonly pendingSince: number;
  /** Escrow locked at submission, and what is left of it. */
  readonly escrowLocked: bigint;
  readonly escrow: bigint;
  /** The placement's unit prices (the instance's at scheduling time) and price per second. */
  readonly prices: Resources;
  readonly pricePerSec: bigint;
  readonly meteredUntil: number;
  readonly lastPeriodStart: number;
  readonly lastPeriodEnd: number;
  /** Σ lengths of accepted periods of the current placement. */
  readonly meteredSec: number;
  readonly reports: number;
  /** Paid out of escrow so far, by recipient, and refunded at the end. */
  readonly paidProvider: bigint;
  readonly paidApp: bigint;
  readonly paidPlatform: bigint;
  readonly refunded: bigint;
  readonly ratedByTenant: boolean;
  readonly ratedByProvider: boolean;
}

export const taskCodec = codec<TaskRecord>(
  "market.Task",
  (v) => {
    const w = new ProtoWriter().uint(1, v.id).bytes(2, v.owner).string(3, v.kind);
    writeResources(w, 4, v.demand);
    w.uint(5, v.replicas)
      .uint(6, v.durationSec)
      .bigint(7, v.maxPricePerSec)
      .bytes(8, v.appProvider)
      .uint(9, v.appFeeBps)
      .string(10, v.region);
    writeStrings(w, 11, v.tags);
    w.bigint(12, v.minReputation)
      .uint(13, TASK_STATUSES.indexOf(v.status) + 1)
      .bytes(14, v.provider)
      .string(15, v.instanceId)
      .uint(16, v.scheduledHeight)
      .uint(17, v.startedAt)
      .uint(18, v.endedAt)
      .uint(19, v.attempts);
    for (const a of v.avoidProviders) w.bytes(20, a);
    w.uint(21, v.submitHeight)
      .uint(22, v.submitTime)
      .uint(23, v.pendingSince)
      .bigint(24, v.escrowLocked)
      .bigint(25, v.escrow);
    writeResources(w, 26, v.prices);
    return w
      .bigint(27, v.pricePerSec)
      .uint(28, v.meteredUntil)
      .uint(29, v.lastPeriodStart)
      .uint(30, v.lastPeriodEnd)
      .uint(31, v.meteredSec)
      .uint(32, v.reports)
      .bigint(33, v.paidProvider)
      .bigint(34, v.paidApp)
      .bigint(35, v.paidPlatform)
      .bigint(36, v.refunded)
      .bool(37, v.ratedByTenant)
      .bool(38, v.ratedByProvider)
      .finish();
  },
  (r) => {
    const t: Record<string, unknown> = {
      id: 0,
      owner: new Uint8Array(0),
      kind: "",
      demand: ZERO_RESOURCES,
      replicas: 0,
      durationSec: 0,
      maxPricePerSec: 0n,
      appProvider: new Uint8Array(0),
      appFeeBps: 0,
      region: "",
      tags: [] as string[],
      minReputation: 0n,
      status: "",
      provider: new Uint8Array(0),
      instanceId: "",
      scheduledHeight: 0,
      startedAt: 0,
      endedAt: 0,
      attempts: 0,
      avoidProviders: [] as Uint8Array[],
      submitHeight: 0,
      submitTime: 0,
      pendingSince: 0,
      escrowLocked: 0n,
      escrow: 0n,
      prices: ZERO_RESOURCES,
      pricePerSec: 0n,
      meteredUntil: 0,
      lastPeriodStart: 0,
      lastPeriodEnd: 0,
      meteredSec: 0,
      reports: 0,
      paidProvider: 0n,
      paidApp: 0n,
      paidPlatform: 0n,
      refunded: 0n,
      ratedByTenant: false,
      ratedByProvider: false,
    };
    for (let f = r.next(); f !== 0; f = r.next()) {
      switch (f) {
        case 1:
          t.id = r.uint();
          break;
        case 2:
          t.owner = r.bytes();
          break;
        case 3:
          t.kind = r.string();
          break;
        case 4:
          t.demand = decodeResourcesLoose(r.message());
          break;
        case 5:
          t.replicas = r.uint();
          break;
        case 6:
          t.durationSec = r.uint();
          break;
        case 7:
          t.maxPricePerSec = r.bigint();
          break;
        case 8:
          t.appProvider = r.bytes();
          break;
        case 9:
          t.appFeeBps = r.uint();
          break;
        case 10:
          t.region = r.string();
          break;
        case 11:
          (t.tags as string[]).push(r.string());
          break;
        case 12:
          t.minReputation = r.bigint();
          break;
        case 13:
          t.status = TASK_STATUSES[r.uint() - 1] ?? "";
          break;
        case 14:
          t.provider = r.bytes();
          break;
        case 15:
          t.instanceId = r.string();
          break;
        case 16:
          t.scheduledHeight = r.uint();
          break;
        case 17:
          t.startedAt = r.uint();
          break;
        case 18:
          t.endedAt = r.uint();
          break;
        case 19:
          t.attempts = r.uint();
          break;
        case 20:
          (t.avoidProviders as Uint8Array[]).push(r.bytes());
          break;
        case 21:
          t.submitHeight = r.uint();
          break;
        case 22:
          t.submitTime = r.uint();
          break;
        case 23:
          t.pendingSince = r.uint();
          break;
        case 24:
          t.escrowLocked = r.bigint();
          break;
        case 25:
          t.escrow = r.bigint();
          break;
        case 26:
          t.prices = decodeResourcesLoose(r.message());
          break;
        case 27:
          t.pricePerSec = r.bigint();
          break;
        case 28:
          t.meteredUntil = r.uint();
          break;
        case 29:
          t.lastPeriodStart = r.uint();
          break;
        case 30:
          t.lastPeriodEnd = r.uint();
          break;
        case 31:
          t.meteredSec = r.uint();
          break;
        case 32:
          t.reports = r.uint();
          break;
        case 33:
          t.paidProvider = r.bigint();
          break;
        case 34:
          t.paidApp = r.bigint();
          break;
        case 35:
          t.paidPlatform = r.bigint();
          break;
        case 36:
          t.refunded = r.bigint();
          break;
        case 37:
          t.ratedByTenant = r.bool();
          break;
        case 38:
          t.ratedByProvider = r.bool();
          break;
        default:
          r.unknown();
      }
    }
    return t as unknown as TaskRecord;
  },
);

// --- Usage periods, reputation, epoch activity, amounts ----------------------------------------

export interface UsagePeriodRecord {
  readonly start: number;
  readonly end: number;
  readonly usage: Resources;
  /** What the period cost the tenant, and who received it. */
  readonly charge: bigint;
  readonly toProvider: bigint;
  readonly toApp: bigint;
  readonly toPlatform: bigint;
  readonly height: number;
}

export const usagePeriodCodec = codec<UsagePeriodRecord>(
  "market.UsagePeriod",
  (v) => {
    const w = new ProtoWriter().uint(1, v.start).uint(2, v.end);
    writeResources(w, 3, v.usage);
    return w
      .bigint(4, v.charge)
      .bigint(5, v.toProvider)
      .bigint(6, v.toApp)
      .bigint(7, v.toPlatform)
      .uint(8, v.height)
      .finish();
  },
  (r) => {
    let start = 0;
    let end = 0;
    let usage = ZERO_RESOURCES;
    let charge = 0n;
    let toProvider = 0n;
    let toApp = 0n;
    let toPlatform = 0n;
    let height = 0;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) start = r.uint();
      else if (f === 2) end = r.uint();
      else if (f === 3) usage = decodeResourcesLoose(r.message());
      else if (f === 4) charge = r.bigint();
      else if (f === 5) toProvider = r.bigint();
      else if (f === 6) toApp = r.bigint();
      else if (f === 7) toPlatform = r.bigint();
      else if (f === 8) height = r.uint();
      else r.unknown();
    }
    return { start, end, usage, charge, toProvider, toApp, toPlatform, height };
  },
);

export const reputationCodec = codec<ReputationRecord>(
  "market.Reputation",
  (v) =>
    new ProtoWriter()
      .bigint(1, v.totalFee)
      .bigint(2, v.feeIndex)
      .bigint(3, v.completedDeals)
      .bigint(4, v.finishedDeals)
      .bigint(5, v.dealsIndex)
      .bigint(6, v.serviceLevel)
      .bigint(7, v.ratingSum)
      .bigint(8, v.ratingCount)
      .finish(),
  (r) => {
    const v = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f >= 1 && f <= 8) v[f - 1] = r.bigint();
      else r.unknown();
    }
    return {
      totalFee: v[0]!,
      feeIndex: v[1]!,
      completedDeals: v[2]!,
      finishedDeals: v[3]!,
      dealsIndex: v[4]!,
      serviceLevel: v[5]!,
      ratingSum: v[6]!,
      ratingCount: v[7]!,
    };
  },
);

/** A participant's reward factors gathered during the current epoch. */
export interface EpochActivity {
  /** Fee paid (consumer) or earned (providers), base units. */
  readonly fee: bigint;
  readonly completedDeals: number;
  /** Ratings received. */
  readonly ratingTimes: number;
}

export const ZERO_ACTIVITY: EpochActivity = { fee: 0n, completedDeals: 0, ratingTimes: 0 };

export const epochActivityCodec = codec<EpochActivity>(
  "market.EpochActivity",
  (v) => new ProtoWriter().bigint(1, v.fee).uint(2, v.completedDeals).uint(3, v.ratingTimes).finish(),
  (r) => {
    let fee = 0n;
    let completedDeals = 0;
    let ratingTimes = 0;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) fee = r.bigint();
      else if (f === 2) completedDeals = r.uint();
      else if (f === 3) ratingTimes = r.uint();
      else r.unknown();
    }
    return { fee, completedDeals, ratingTimes };
  },
);

export const resourcesCodec: Codec<Resources> = {
  encode: encodeResources,
  decode: (bytes) => decodeCanonical(bytes, "market.Resources", decodeResourcesLoose, encodeResources),
};

export const amountCodec = codec<bigint>(
  "market.Amount",
  (v) => new ProtoWriter().bigint(1, v).finish(),
  (r) => {
    let v = 0n;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) v = r.bigint();
      else r.unknown();
    }
    return v;
  },
);
