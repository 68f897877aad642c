/**
 * Marketplace client: offline builders for the market's msgs and txs, quantity parsers for
 * people ("4Gi", "500m"), and `MarketClient` — send a market msg and get its result (task id,
 * events), and read the `/market/…` queries.
 */
import { fromBase64, utf8 } from "../codec/bytes.js";
import { ProtoReader } from "../codec/proto.js";
import { parseAddress, toBech32 } from "../crypto/address.js";
import type { PrivateKey } from "../crypto/ed25519.js";
import {
  MARKET_MSG_TYPES,
  type MarketMsgKind,
  type MarketMsgs,
  marketMsgAny,
} from "../dccn-app/market/module/msgs.js";
import { RESOURCE_KINDS, type ResourceKind, type Resources } from "../dccn-app/market/resources.js";
import { DccnError } from "../errors.js";
import type { AnyMsg } from "../types/tx.js";
import { parseAmount } from "./amount.js";
import type { BroadcastOptions, DccnClient, TxOptions, TxOutcome } from "./dccn-client.js";
import { DccnClientError } from "./errors.js";
import type { RpcEvent } from "./rpc-types.js";
import { buildTx, type SignedTx, type TxParams } from "./tx-builder.js";

export {
  decodeMarketMsg,
  encodeMarketMsg,
  MARKET_MSG_TYPES,
  type MarketMsgKind,
  type MarketMsgs,
  type MsgFailTask,
  type MsgInstance,
  type MsgRate,
  type MsgRegisterProvider,
  type MsgReportUsage,
  type MsgRetire,
  type MsgSetAvailability,
  type MsgSubmitTask,
  type MsgTaskRef,
  marketMsgAny,
} from "../dccn-app/market/module/msgs.js";
export type { Resources } from "../dccn-app/market/resources.js";

export type MarketClientErrorCode = "MARKET_PARAM_INVALID";

const bad = (param: string, why: string) =>
  new DccnError<MarketClientErrorCode>("MARKET_PARAM_INVALID", `${param} ${why}`, { param });

/** Gas limit of offline-built txs when none is given: enough for any market msg on a large market. */
export const DEFAULT_MARKET_GAS_LIMIT = 400_000;

// --- quantities ---------------------------------------------------------------------------------

const BINARY: Record<string, bigint> = {
  ki: 1n << 10n,
  mi: 1n << 20n,
  gi: 1n << 30n,
  ti: 1n << 40n,
  pi: 1n << 50n,
};
const DECIMAL: Record<string, bigint> = {
  k: 10n ** 3n,
  m: 10n ** 6n,
  g: 10n ** 9n,
  t: 10n ** 12n,
  p: 10n ** 15n,
};

/**
 * A resource quantity in the chain's unit (resources.ts): cpu in millicores ("2500", "2500m",
 * "2.5cpu"), memory/disk in bytes ("1073741824", "4Gi", "500M", "4GiB"), bandwidth in bit/s
 * ("100M", "1G", "1Gbps"), gpu as a count. Plain integers are always the base unit.
 */
export function parseQuantity(kind: ResourceKind, text: string): bigint {
  const t = text.trim();
  if (/^(0|[1-9][0-9]*)$/.test(t)) return BigInt(t);
  const fail = () => bad(kind, `quantity ${JSON.stringify(text)} is not understood (see --help for units)`);
  if (kind === "cpu") {
    const milli = /^(0|[1-9][0-9]*)m$/.exec(t);
    if (milli) return BigInt(milli[1]!);
    const cores = /^(0|[1-9][0-9]*)(?:\.([0-9]{1,3}))?(?:cpu|cores?)$/i.exec(t);
    if (cores) return BigInt(cores[1]!) * 1000n + BigInt((cores[2] ?? "").padEnd(3, "0") || "0");
    throw fail();
  }
  if (kind === "gpu") throw fail();
  const unit =
    kind === "bandwidth" ? /^(0|[1-9][0-9]*)([kmgtp]i?)(?:bps)?$/i : /^(0|[1-9][0-9]*)([kmgtp]i?)b?$/i;
  const m = unit.exec(t);
  if (m === null) throw fail();
  const suffix = m[2]!.toLowerCase();
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  if (factor === undefined) throw fail();
  return BigInt(m[1]!) * factor;
}

/** A resource vector from per-kind texts (absent kinds are 0). */
export function parseResources(texts: Partial<Record<ResourceKind, string>>): Resources {
  const out: Record<ResourceKind, bigint> = { cpu: 0n, memory: 0n, disk: 0n, bandwidth: 0n, gpu: 0n };
  for (const k of RESOURCE_KINDS) {
    const v = texts[k];
    if (v !== undefined) out[k] = parseQuantity(k, v);
  }
  return out;
}

/** Unit prices (base units per unit per second) from per-kind amount texts ("1000", "0.000001ankr"). */
export function parsePrices(texts: Partial<Record<ResourceKind, string>>): Resources {
  const out: Record<ResourceKind, bigint> = { cpu: 0n, memory: 0n, disk: 0n, bandwidth: 0n, gpu: 0n };
  for (const k of RESOURCE_KINDS) {
    const v = texts[k];
    if (v !== undefined) out[k] = parseAmount(v);
  }
  return out;
}

// --- txs ----------------------------------------------------------------------------------------

/** A market msg as the tx envelope's message, ready for `buildTx` or `DccnClient.signAndBroadcast`. */
export const marketMsg = <K extends MarketMsgKind>(kind: K, msg: MarketMsgs[K]): AnyMsg =>
  marketMsgAny(kind, msg);

/** Signs a market msg into a tx offline (gas limit default DEFAULT_MARKET_GAS_LIMIT). */
export function buildMarketTx<K extends MarketMsgKind>(
  key: PrivateKey,
  p: Omit<TxParams, "msg" | "gasLimit"> & {
    readonly gasLimit?: number;
    readonly kind: K;
    readonly msg: MarketMsgs[K];
  },
): SignedTx {
  return buildTx(key, {
    ...p,
    gasLimit: p.gasLimit ?? DEFAULT_MARKET_GAS_LIMIT,
    msg: marketMsgAny(p.kind, p.msg),
  });
}

/** The task id in a submit tx's result data (`MsgSubmitTaskResponse {uint64 task_id = 1}`). */
export function decodeSubmitResponse(data: Uint8Array): number {
  const r = new ProtoReader(data, "MsgSubmitTaskResponse");
  let id = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) id = r.uint();
    else r.unknown();
  }
  return id;
}

/** Nonce, gas and broadcast options; an automatic gas limit gets MARKET_GAS_ADJUSTMENT unless told. */
export type MarketTxOptions = TxOptions & BroadcastOptions;

/**
 * Admission shows a msg's fixed gas; a submission also pays for the instances it looks at beyond
 * the first few hundred, so automatic limits get this margin.
 */
export const MARKET_GAS_ADJUSTMENT = 1.3;

export interface MarketTxOutcome extends TxOutcome {
  /** The result's data (for a submit: MsgSubmitTaskResponse). */
  readonly data: Uint8Array;
  readonly events: readonly RpcEvent[];
  /** The new task's id, for a successful submit. */
  readonly taskId?: number;
}

// --- query shapes (JSON of the /market/… routes; quantities and amounts are decimal strings) ----

export type ResourcesJson = Readonly<Record<ResourceKind, string>>;

export interface TaskJson {
  readonly id: number;
  readonly tenant: string;
  readonly kind: "service" | "job";
  readonly demand: ResourcesJson;
  readonly replicas: number;
  readonly duration_sec: number;
  readonly max_price_per_sec: string;
  readonly app_provider: string;
  readonly app_fee_bps: number;
  readonly constraints: {
    readonly region: string;
    readonly tags: readonly string[];
    readonly min_reputation: string;
  };
  readonly status: string;
  readonly provider: string;
  readonly instance: string;
  readonly scheduled_height: number;
  readonly ack_deadline_height: number;
  readonly started_at: number;
  readonly ended_at: number;
  readonly expires_at: number;
  readonly attempts: number;
  readonly avoid_providers: readonly string[];
  readonly submit_height: number;
  readonly submit_time: number;
  readonly escrow_locked: string;
  readonly escrow: string;
  readonly prices: ResourcesJson;
  readonly price_per_sec: string;
  readonly metered_until: number;
  readonly metered_sec: number;
  readonly reports: number;
  readonly paid_provider: string;
  readonly paid_app: string;
  readonly paid_platform: string;
  readonly refunded: string;
  readonly rated_by_tenant: boolean;
  readonly rated_by_provider: boolean;
}

export interface ReputationJson {
  readonly score: string;
  readonly total_fee: string;
  readonly fee_index: string;
  readonly completed_deals: string;
  readonly finished_deals: string;
  readonly deals_index: string;
  readonly completed_ratio: string;
  readonly service_level: string;
  readonly rating_score: string;
  readonly rating_count: string;
}

export interface InstanceJson {
  readonly id: string;
  readonly capacity: ResourcesJson;
  readonly prices: ResourcesJson;
  readonly region: string;
  readonly tags: readonly string[];
  readonly available: boolean;
  readonly retired: boolean;
  readonly used: ResourcesJson;
  readonly tasks: number;
}

export interface ProviderJson {
  readonly address: string;
  readonly name: string;
  readonly region: string;
  readonly tags: readonly string[];
  readonly retired: boolean;
  readonly registered_height: number;
  readonly stake: string;
  readonly instances_total: number;
  readonly instances_available: number;
  readonly reports: number;
  readonly run_sec: number;
  readonly proven_sec: number;
  readonly service_level_ppm: number;
  readonly reputation: ReputationJson;
  /** Present for the single-provider query. */
  readonly instances?: readonly InstanceJson[];
}

export interface AccountReputationJson {
  readonly address: string;
  readonly consumer: ReputationJson | null;
  readonly app_provider: ReputationJson | null;
  readonly resource_provider: ReputationJson | null;
  readonly consumer_credit_ppm: number | null;
  readonly provider_service_level_ppm: number | null;
}

export interface TaskEscrowJson {
  readonly task_id: number;
  readonly tenant: string;
  readonly status: string;
  readonly locked: string;
  readonly remaining: string;
  readonly paid_provider: string;
  readonly paid_app: string;
  readonly paid_platform: string;
  readonly refunded: string;
}

export interface MarketEscrowJson {
  readonly escrow_account: string;
  readonly escrow_balance: string;
  readonly platform_account: string;
  readonly platform_balance: string;
  readonly minted: string;
}

export interface UsagePeriodJson {
  readonly start: number;
  readonly end: number;
  readonly usage: ResourcesJson;
  readonly charge: string;
  readonly to_provider: string;
  readonly to_app: string;
  readonly to_platform: string;
  readonly height: number;
}

export interface TaskFilter {
  readonly status?: string;
  readonly tenant?: string;
  readonly provider?: string;
  readonly limit?: number;
  /** Only tasks with a larger id (paging: the previous page's `next_after`). */
  readonly after?: number;
}

/** Market txs and queries over a DccnClient. */
export class MarketClient {
  constructor(readonly client: DccnClient) {}

  /** Signs, broadcasts and waits for a market msg; the outcome carries its data and events. */
  async send<K extends MarketMsgKind>(
    key: PrivateKey,
    kind: K,
    msg: MarketMsgs[K],
    opts: MarketTxOptions = {},
  ): Promise<MarketTxOutcome> {
    const auto = opts.gasLimit === undefined || opts.gasLimit === "auto";
    const outcome = await this.client.signAndBroadcast(key, marketMsgAny(kind, msg), {
      ...opts,
      ...(auto && opts.gasAdjustment === undefined ? { gasAdjustment: MARKET_GAS_ADJUSTMENT } : {}),
    });
    const full = await this.client.rpc.tx(outcome.hash);
    const data = full.tx_result.data ? fromBase64(full.tx_result.data) : new Uint8Array(0);
    const taskId = kind === "submitTask" && outcome.code === 0 ? decodeSubmitResponse(data) : undefined;
    return {
      ...outcome,
      data,
      events: full.tx_result.events ?? [],
      ...(taskId === undefined ? {} : { taskId }),
    };
  }

  /** The JSON value of a `/market/…` query (QUERY_FAILED on a non-zero code). */
  async query<T>(path: string, data?: unknown): Promise<T> {
    const doc = await this.client.queryJson<T>(
      path,
      data === undefined ? {} : { data: utf8(JSON.stringify(data)) },
    );
    if (doc === undefined) throw new DccnClientError("BAD_RESPONSE", `${path} returned nothing`);
    return doc;
  }

  params(): Promise<Record<string, unknown>> {
    return this.query("/market/params");
  }

  providers(
    page: { limit?: number; after?: string } = {},
  ): Promise<{ providers: ProviderJson[]; next_after?: string }> {
    return this.query("/market/providers", page);
  }

  provider(address: string | Uint8Array): Promise<ProviderJson> {
    return this.query(`/market/provider/${bech(address)}`);
  }

  tasks(filter: TaskFilter = {}): Promise<{ tasks: TaskJson[]; next_after?: number }> {
    const f = {
      ...filter,
      ...(filter.tenant === undefined ? {} : { tenant: bech(filter.tenant) }),
      ...(filter.provider === undefined ? {} : { provider: bech(filter.provider) }),
    };
    return this.query("/market/tasks", f);
  }

  task(id: number): Promise<TaskJson> {
    return this.query(`/market/task/${id}`);
  }

  usage(id: number): Promise<{ task_id: number; periods: UsagePeriodJson[] }> {
    return this.query(`/market/usage/${id}`);
  }

  reputation(address: string | Uint8Array): Promise<AccountReputationJson> {
    return this.query(`/market/reputation/${bech(address)}`);
  }

  escrow(): Promise<MarketEscrowJson>;
  escrow(taskId: number): Promise<TaskEscrowJson>;
  escrow(taskId?: number): Promise<MarketEscrowJson | TaskEscrowJson> {
    return this.query(taskId === undefined ? "/market/escrow" : `/market/escrow/${taskId}`);
  }
}

const bech = (a: string | Uint8Array): string => toBech32(typeof a === "string" ? parseAddress(a) : a);

/** The type URL of every market msg, for tools that route by it. */
export const MARKET_TYPE_URLS: readonly string[] = Object.values(MARKET_MSG_TYPES);
