/**
 * The market's msgs (proto/dccn/market/v1/market.proto, type URLs "/dccn.market.v1.Msg…"): pure
 * codecs shared by the app and clients. Decoding is strict (unknown fields, non-canonical bytes →
 * TX_DECODE) and checks shape only; rules that depend on chain params or state run in the handlers.
 */
import { decodeCanonical, ProtoReader, ProtoWriter } from "../../../codec/proto.js";
import { ADDRESS_SIZE } from "../../../crypto/address.js";
import type { AnyMsg } from "../../../types/tx.js";
import { AppError } from "../../codes.js";
import { type Resources, ZERO_RESOURCES } from "../resources.js";
import type { TaskKind } from "../types.js";
import { decodeResourcesLoose, encodeResources } from "./records.js";

const URL = (name: string) => `/dccn.market.v1.${name}`;

export const MARKET_MSG_TYPES = {
  registerProvider: URL("MsgRegisterProvider"),
  addInstance: URL("MsgAddInstance"),
  updateInstance: URL("MsgUpdateInstance"),
  setAvailability: URL("MsgSetAvailability"),
  retire: URL("MsgRetire"),
  submitTask: URL("MsgSubmitTask"),
  cancelTask: URL("MsgCancelTask"),
  ackTask: URL("MsgAckTask"),
  failTask: URL("MsgFailTask"),
  completeTask: URL("MsgCompleteTask"),
  reportUsage: URL("MsgReportUsage"),
  rate: URL("MsgRate"),
} as const;

export type MarketMsgKind = keyof typeof MARKET_MSG_TYPES;

export interface MsgRegisterProvider {
  readonly name: string;
  readonly region: string;
  readonly tags: readonly string[];
}

/** MsgAddInstance and MsgUpdateInstance: the instance's whole offer. */
export interface MsgInstance {
  readonly instanceId: string;
  readonly capacity: Resources;
  /** Base units per resource unit per second. */
  readonly prices: Resources;
  /** "" / []: the provider's region and tags. */
  readonly region: string;
  readonly tags: readonly string[];
}

export interface MsgSetAvailability {
  readonly instanceId: string;
  readonly available: boolean;
}

/** Retires one instance, or with instanceId "" the provider and all its instances. */
export interface MsgRetire {
  readonly instanceId: string;
}

export interface MsgSubmitTask {
  readonly kind: TaskKind;
  /** Per replica. */
  readonly demand: Resources;
  readonly replicas: number;
  /** A job's running time; for a service, the lease (seconds) its escrow pays for. */
  readonly durationSec: number;
  /** Ceiling on the whole task's price per second, base units. */
  readonly maxPricePerSec: bigint;
  /** 20 bytes, or empty for no application provider. */
  readonly appProvider: Uint8Array;
  readonly appFeeBps: number;
  /** Constraints: "" / [] / 0n mean none. */
  readonly region: string;
  readonly tags: readonly string[];
  /** Minimum provider reputation score, fixed-point ×10^18. */
  readonly minReputation: bigint;
}

/** MsgCancelTask, MsgAckTask, MsgCompleteTask. */
export interface MsgTaskRef {
  readonly taskId: number;
}

export interface MsgFailTask {
  readonly taskId: number;
  readonly reason: string;
}

export interface MsgReportUsage {
  readonly taskId: number;
  /** [start, end) in block-time seconds. */
  readonly periodStart: number;
  readonly periodEnd: number;
  /** unit·seconds per resource (millicore-seconds, byte-seconds, bits, gpu-seconds). */
  readonly usage: Resources;
}

export interface MsgRate {
  readonly taskId: number;
  /** 0..100. */
  readonly score: number;
}

export interface MarketMsgs {
  registerProvider: MsgRegisterProvider;
  addInstance: MsgInstance;
  updateInstance: MsgInstance;
  setAvailability: MsgSetAvailability;
  retire: MsgRetire;
  submitTask: MsgSubmitTask;
  cancelTask: MsgTaskRef;
  ackTask: MsgTaskRef;
  failTask: MsgFailTask;
  completeTask: MsgTaskRef;
  reportUsage: MsgReportUsage;
  rate: MsgRate;
}

interface MsgCodec<M> {
  encode(m: M): Uint8Array;
  loose(r: ProtoReader): M;
}

const bad = (message: string) => new AppError("MARKET_INVALID_INPUT", message);

function writeResources(w: ProtoWriter, field: number, r: Resources): void {
  const enc = encodeResources(r);
  if (enc.length > 0) w.message(field, enc);
}

const instanceCodec: MsgCodec<MsgInstance> = {
  encode(m) {
    const w = new ProtoWriter().string(1, m.instanceId);
    writeResources(w, 2, m.capacity);
    writeResources(w, 3, m.prices);
    w.string(4, m.region);
    for (const t of m.tags) w.string(5, t);
    return w.finish();
  },
  loose(r) {
    let instanceId = "";
    let capacity = ZERO_RESOURCES;
    let prices = ZERO_RESOURCES;
    let region = "";
    const tags: string[] = [];
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) instanceId = r.string();
      else if (f === 2) capacity = decodeResourcesLoose(r.message());
      else if (f === 3) prices = decodeResourcesLoose(r.message());
      else if (f === 4) region = r.string();
      else if (f === 5) tags.push(r.string());
      else r.unknown();
    }
    return { instanceId, capacity, prices, region, tags };
  },
};

const taskRefCodec: MsgCodec<MsgTaskRef> = {
  encode: (m) => new ProtoWriter().uint(1, m.taskId).finish(),
  loose(r) {
    let taskId = 0;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) taskId = r.uint();
      else r.unknown();
    }
    return { taskId };
  },
};

const CODECS: { readonly [K in MarketMsgKind]: MsgCodec<MarketMsgs[K]> } = {
  registerProvider: {
    encode(m) {
      const w = new ProtoWriter().string(1, m.name).string(2, m.region);
      for (const t of m.tags) w.string(3, t);
      return w.finish();
    },
    loose(r) {
      let name = "";
      let region = "";
      const tags: string[] = [];
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) name = r.string();
        else if (f === 2) region = r.string();
        else if (f === 3) tags.push(r.string());
        else r.unknown();
      }
      return { name, region, tags };
    },
  },
  addInstance: instanceCodec,
  updateInstance: instanceCodec,
  setAvailability: {
    encode: (m) => new ProtoWriter().string(1, m.instanceId).bool(2, m.available).finish(),
    loose(r) {
      let instanceId = "";
      let available = false;
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) instanceId = r.string();
        else if (f === 2) available = r.bool();
        else r.unknown();
      }
      return { instanceId, available };
    },
  },
  retire: {
    encode: (m) => new ProtoWriter().string(1, m.instanceId).finish(),
    loose(r) {
      let instanceId = "";
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) instanceId = r.string();
        else r.unknown();
      }
      return { instanceId };
    },
  },
  submitTask: {
    encode(m) {
      const w = new ProtoWriter().string(1, m.kind);
      writeResources(w, 2, m.demand);
      w.uint(3, m.replicas)
        .uint(4, m.durationSec)
        .bigint(5, m.maxPricePerSec)
        .bytes(6, m.appProvider)
        .uint(7, m.appFeeBps)
        .string(8, m.region);
      for (const t of m.tags) w.string(9, t);
      return w.bigint(10, m.minReputation).finish();
    },
    loose(r) {
      let kind = "";
      let demand = ZERO_RESOURCES;
      let replicas = 0;
      let durationSec = 0;
      let maxPricePerSec = 0n;
      let appProvider: Uint8Array = new Uint8Array(0);
      let appFeeBps = 0;
      let region = "";
      const tags: string[] = [];
      let minReputation = 0n;
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) kind = r.string();
        else if (f === 2) demand = decodeResourcesLoose(r.message());
        else if (f === 3) replicas = r.uint();
        else if (f === 4) durationSec = r.uint();
        else if (f === 5) maxPricePerSec = r.bigint();
        else if (f === 6) appProvider = r.bytes();
        else if (f === 7) appFeeBps = r.uint();
        else if (f === 8) region = r.string();
        else if (f === 9) tags.push(r.string());
        else if (f === 10) minReputation = r.bigint();
        else r.unknown();
      }
      if (kind !== "service" && kind !== "job") throw bad(`kind must be "service" or "job", got "${kind}"`);
      if (appProvider.length !== 0 && appProvider.length !== ADDRESS_SIZE) {
        throw new AppError("INVALID_ADDRESS", `app_provider must be ${ADDRESS_SIZE} address bytes`);
      }
      return {
        kind,
        demand,
        replicas,
        durationSec,
        maxPricePerSec,
        appProvider,
        appFeeBps,
        region,
        tags,
        minReputation,
      };
    },
  },
  cancelTask: taskRefCodec,
  ackTask: taskRefCodec,
  failTask: {
    encode: (m) => new ProtoWriter().uint(1, m.taskId).string(2, m.reason).finish(),
    loose(r) {
      let taskId = 0;
      let reason = "";
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) taskId = r.uint();
        else if (f === 2) reason = r.string();
        else r.unknown();
      }
      if (reason.length > 256) throw bad("a failure reason is at most 256 characters");
      return { taskId, reason };
    },
  },
  completeTask: taskRefCodec,
  reportUsage: {
    encode(m) {
      const w = new ProtoWriter().uint(1, m.taskId).uint(2, m.periodStart).uint(3, m.periodEnd);
      writeResources(w, 4, m.usage);
      return w.finish();
    },
    loose(r) {
      let taskId = 0;
      let periodStart = 0;
      let periodEnd = 0;
      let usage = ZERO_RESOURCES;
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) taskId = r.uint();
        else if (f === 2) periodStart = r.uint();
        else if (f === 3) periodEnd = r.uint();
        else if (f === 4) usage = decodeResourcesLoose(r.message());
        else r.unknown();
      }
      return { taskId, periodStart, periodEnd, usage };
    },
  },
  rate: {
    encode: (m) => new ProtoWriter().uint(1, m.taskId).uint(2, m.score).finish(),
    loose(r) {
      let taskId = 0;
      let score = 0;
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) taskId = r.uint();
        else if (f === 2) score = r.uint();
        else r.unknown();
      }
      return { taskId, score };
    },
  },
};

/** Protobuf bytes of a market msg. */
export function encodeMarketMsg<K extends MarketMsgKind>(kind: K, msg: MarketMsgs[K]): Uint8Array {
  return CODECS[kind].encode(msg);
}

/** Strict decode (TX_DECODE on malformed or non-canonical bytes; MARKET_INVALID_INPUT on bad shape). */
export function decodeMarketMsg<K extends MarketMsgKind>(kind: K, bytes: Uint8Array): MarketMsgs[K] {
  const c = CODECS[kind];
  const name = MARKET_MSG_TYPES[kind].slice(1);
  return decodeCanonical(bytes, name, (b) => c.loose(new ProtoReader(b, name)), c.encode);
}

/** The msg as the tx envelope's `AnyMsg`. */
export function marketMsgAny<K extends MarketMsgKind>(kind: K, msg: MarketMsgs[K]): AnyMsg {
  return { typeUrl: MARKET_MSG_TYPES[kind], value: encodeMarketMsg(kind, msg) };
}
