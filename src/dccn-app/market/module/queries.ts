/**
 * `abci_query` routes of the market (values are JSON, amounts and resource quantities as decimal
 * strings, addresses bech32):
 *   /market/params                      the market's chain parameters
 *   /market/providers                   providers by address; data: {"limit":n,"after":"ankr1…"}
 *   /market/provider/<ankr1…>           a provider with its instances, stake, reputation, service level
 *   /market/tasks                       data: {"status","tenant","provider","limit","after":<id>}
 *   /market/task/<id>                   one task (proves market/task/<id>)
 *   /market/usage/<id>                  a task's accepted usage periods
 *   /market/reputation/<ankr1…>         an account's three reputation records and indices
 *   /market/escrow                      escrow and platform account balances, rewards minted
 *   /market/escrow/<id>                 one task's escrow: locked, left, paid out, refunded
 */
import { fromUtf8, utf8 } from "../../../codec/bytes.js";
import { parseAddress, toBech32 } from "../../../crypto/address.js";
import { isDccnError } from "../../../errors.js";
import { getAccount } from "../../bank/accounts.js";
import { AppError } from "../../codes.js";
import type { QueryContext, QueryResult, QueryRoute } from "../../module.js";
import { getBonded } from "../../staking/store.js";
import type { KvReader } from "../../state/kv.js";
import {
  newReputation,
  type ReputationRecord,
  type ReputationRole,
  reputationIndices,
  reputationScore,
} from "../reputation.js";
import { RESOURCE_KINDS, type Resources } from "../resources.js";
import { consumerCreditOf, providerServiceLevelOf } from "../service-level.js";
import { marketFail } from "./errors.js";
import {
  byProviderPrefixOf,
  byTenantPrefixOf,
  ESCROW_ACCOUNT,
  idAtEnd,
  instancePrefixOf,
  PARAMS_KEY,
  PLATFORM_ACCOUNT,
  PROVIDER_PREFIX,
  periodPrefixOf,
  providerKey,
  reputationKey,
  statusPrefixOf,
  TASK_PREFIX,
  taskKey,
} from "./keys.js";
import { type MarketChainParams, marketParamsToJson } from "./params.js";
import {
  type InstanceRecord,
  instanceCodec,
  type ProviderRecord,
  providerCodec,
  TASK_STATUSES,
  type TaskRecord,
  taskCodec,
  usagePeriodCodec,
} from "./records.js";
import {
  ackDeadline,
  dueTime,
  findReputation,
  getMarketParams,
  getMinted,
  getProvider,
  getTask,
} from "./store.js";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const json = (key: Uint8Array, value: unknown, proveKey?: Uint8Array): QueryResult => ({
  key,
  value: utf8(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))),
  ...(proveKey === undefined ? {} : { proveKey }),
});

export const resourcesJson = (r: Resources): Record<string, string> =>
  Object.fromEntries(RESOURCE_KINDS.map((k) => [k, r[k].toString()]));

const bech = (a: Uint8Array): string => (a.length === 0 ? "" : toBech32(a));

function addressArg(text: string, what: string): Uint8Array {
  try {
    return parseAddress(text);
  } catch (err) {
    throw new AppError(
      "INVALID_ADDRESS",
      `${what}: ${isDccnError(err) ? err.message : `invalid address ${text}`}`,
    );
  }
}

function taskIdArg(text: string): number {
  const n = Number(text);
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(n)) {
    throw new AppError("INVALID_QUERY", `a task id is a positive integer, got "${text}"`);
  }
  return n;
}

function dataArg(data: Uint8Array): Record<string, unknown> {
  if (data.length === 0) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(fromUtf8(data));
  } catch {
    throw new AppError("INVALID_QUERY", "query data must be a JSON object");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new AppError("INVALID_QUERY", "query data must be a JSON object");
  }
  return doc as Record<string, unknown>;
}

function limitArg(v: unknown): number {
  if (v === undefined) return DEFAULT_LIMIT;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1 || v > MAX_LIMIT) {
    throw new AppError("INVALID_QUERY", `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return v;
}

export function taskJson(t: TaskRecord, p: MarketChainParams) {
  return {
    id: t.id,
    tenant: bech(t.owner),
    kind: t.kind,
    demand: resourcesJson(t.demand),
    replicas: t.replicas,
    duration_sec: t.durationSec,
    max_price_per_sec: t.maxPricePerSec.toString(),
    app_provider: bech(t.appProvider),
    app_fee_bps: t.appFeeBps,
    constraints: { region: t.region, tags: t.tags, min_reputation: t.minReputation.toString() },
    status: t.status,
    provider: bech(t.provider),
    instance: t.instanceId,
    scheduled_height: t.scheduledHeight,
    ack_deadline_height: t.status === "scheduled" ? ackDeadline(t, p) : 0,
    started_at: t.startedAt,
    ended_at: t.endedAt,
    expires_at: dueTime(t, p) ?? 0,
    attempts: t.attempts,
    avoid_providers: t.avoidProviders.map(bech),
    submit_height: t.submitHeight,
    submit_time: t.submitTime,
    escrow_locked: t.escrowLocked.toString(),
    escrow: t.escrow.toString(),
    prices: resourcesJson(t.prices),
    price_per_sec: t.pricePerSec.toString(),
    metered_until: t.meteredUntil,
    metered_sec: t.meteredSec,
    reports: t.reports,
    paid_provider: t.paidProvider.toString(),
    paid_app: t.paidApp.toString(),
    paid_platform: t.paidPlatform.toString(),
    refunded: t.refunded.toString(),
    rated_by_tenant: t.ratedByTenant,
    rated_by_provider: t.ratedByProvider,
  };
}

function instanceJson(i: InstanceRecord) {
  return {
    id: i.id,
    capacity: resourcesJson(i.capacity),
    prices: resourcesJson(i.prices),
    region: i.region,
    tags: i.tags,
    available: i.available,
    retired: i.retired,
    used: resourcesJson(i.used),
    tasks: i.tasks,
  };
}

function reputationJson(rec: ReputationRecord, p: MarketChainParams) {
  const [feeIndex, dealsIndex, ratio, serviceLevel, rating] = reputationIndices(rec);
  return {
    score: reputationScore(rec, p.reputation).toString(),
    total_fee: rec.totalFee.toString(),
    fee_index: feeIndex.toString(),
    completed_deals: rec.completedDeals.toString(),
    finished_deals: rec.finishedDeals.toString(),
    deals_index: dealsIndex.toString(),
    completed_ratio: ratio.toString(),
    service_level: serviceLevel.toString(),
    rating_score: rating.toString(),
    rating_count: rec.ratingCount.toString(),
  };
}

async function providerJson(
  store: KvReader,
  address: Uint8Array,
  rec: ProviderRecord,
  p: MarketChainParams,
  full: boolean,
) {
  const rep = findReputation(store, "resourceProvider", address);
  const instances: InstanceRecord[] = [];
  if (full)
    for await (const [, v] of store.iterate(instancePrefixOf(address)))
      instances.push(instanceCodec.decode(v));
  const effective = rep ?? newReputation(p.reputation);
  return {
    address: toBech32(address),
    name: rec.name,
    region: rec.region,
    tags: rec.tags,
    retired: rec.retired,
    registered_height: rec.registeredHeight,
    stake: getBonded(store, address).toString(),
    instances_total: rec.instancesTotal,
    instances_available: rec.instancesAvailable,
    reports: rec.reports,
    run_sec: rec.runSec,
    proven_sec: rec.provenSec,
    service_level_ppm: providerServiceLevelOf(rec, effective, p.serviceLevel.provider),
    reputation: reputationJson(effective, p),
    ...(full ? { instances: instances.map(instanceJson) } : {}),
  };
}

function requireTaskQ(store: KvReader, id: number): TaskRecord {
  const t = getTask(store, id);
  if (t === undefined) throw marketFail("MARKET_NOT_FOUND", "TASK_NOT_FOUND", `task ${id} does not exist`);
  return t;
}

async function tasksQuery(ctx: QueryContext, data: Uint8Array): Promise<QueryResult> {
  const q = dataArg(data);
  const p = getMarketParams(ctx.store);
  const limit = limitArg(q.limit);
  const status = q.status;
  if (status !== undefined && !TASK_STATUSES.includes(status as TaskRecord["status"])) {
    throw new AppError("INVALID_QUERY", `status must be one of ${TASK_STATUSES.join(", ")}`);
  }
  const tenant = typeof q.tenant === "string" ? addressArg(q.tenant, "tenant") : undefined;
  const provider = typeof q.provider === "string" ? addressArg(q.provider, "provider") : undefined;
  const after =
    q.after === undefined ? 0 : typeof q.after === "number" ? q.after : taskIdArg(String(q.after));
  // The most selective index first; the other filters apply to the records read.
  const prefix =
    tenant !== undefined
      ? byTenantPrefixOf(tenant)
      : provider !== undefined
        ? byProviderPrefixOf(provider)
        : status !== undefined
          ? statusPrefixOf(status as TaskRecord["status"])
          : TASK_PREFIX;
  const fromIndex = prefix !== TASK_PREFIX;
  const out: ReturnType<typeof taskJson>[] = [];
  let next: number | undefined;
  for await (const [k, v] of ctx.store.iterate(prefix)) {
    const id = idAtEnd(k);
    if (id <= after) continue;
    const t = fromIndex ? getTask(ctx.store, id) : taskCodec.decode(v);
    if (t === undefined) continue;
    if (status !== undefined && t.status !== status) continue;
    if (provider !== undefined && Buffer.compare(t.provider, provider) !== 0) continue;
    if (tenant !== undefined && Buffer.compare(t.owner, tenant) !== 0) continue;
    if (out.length === limit) {
      next = out[out.length - 1]!.id;
      break;
    }
    out.push(taskJson(t, p));
  }
  return json(prefix, { tasks: out, ...(next === undefined ? {} : { next_after: next }) });
}

async function providersQuery(ctx: QueryContext, data: Uint8Array): Promise<QueryResult> {
  const q = dataArg(data);
  const p = getMarketParams(ctx.store);
  const limit = limitArg(q.limit);
  const after = typeof q.after === "string" ? toBech32(addressArg(q.after, "after")) : "";
  const out: unknown[] = [];
  let next: string | undefined;
  for await (const [k, v] of ctx.store.iterate(PROVIDER_PREFIX)) {
    const address = k.slice(PROVIDER_PREFIX.length);
    const b = toBech32(address);
    if (after !== "" && b <= after) continue;
    if (out.length === limit) {
      next = (out[out.length - 1] as { address: string }).address;
      break;
    }
    out.push(await providerJson(ctx.store, address, providerCodec.decode(v), p, false));
  }
  return json(PROVIDER_PREFIX, { providers: out, ...(next === undefined ? {} : { next_after: next }) });
}

const ROLES: readonly [ReputationRole, string][] = [
  ["consumer", "consumer"],
  ["appProvider", "app_provider"],
  ["resourceProvider", "resource_provider"],
];

export const marketQueries: readonly QueryRoute[] = [
  {
    path: "/market/params",
    handle: (ctx) => json(PARAMS_KEY, marketParamsToJson(getMarketParams(ctx.store))),
  },
  { path: "/market/providers", handle: (ctx, data) => providersQuery(ctx, data) },
  {
    path: "/market/provider/",
    async handle(ctx, _data, rest) {
      const address = addressArg(rest, "provider");
      const rec = getProvider(ctx.store, address);
      if (rec === undefined) {
        throw marketFail("MARKET_NOT_FOUND", "PROVIDER_NOT_FOUND", `${toBech32(address)} is not a provider`);
      }
      const key = providerKey(address);
      return json(key, await providerJson(ctx.store, address, rec, getMarketParams(ctx.store), true), key);
    },
  },
  { path: "/market/tasks", handle: (ctx, data) => tasksQuery(ctx, data) },
  {
    path: "/market/task/",
    handle(ctx, _data, rest) {
      const id = taskIdArg(rest);
      const key = taskKey(id);
      return json(key, taskJson(requireTaskQ(ctx.store, id), getMarketParams(ctx.store)), key);
    },
  },
  {
    path: "/market/usage/",
    async handle(ctx, _data, rest) {
      const id = taskIdArg(rest);
      requireTaskQ(ctx.store, id);
      const periods: unknown[] = [];
      for await (const [, v] of ctx.store.iterate(periodPrefixOf(id))) {
        const r = usagePeriodCodec.decode(v);
        periods.push({
          start: r.start,
          end: r.end,
          usage: resourcesJson(r.usage),
          charge: r.charge.toString(),
          to_provider: r.toProvider.toString(),
          to_app: r.toApp.toString(),
          to_platform: r.toPlatform.toString(),
          height: r.height,
        });
      }
      return json(periodPrefixOf(id), { task_id: id, periods });
    },
  },
  {
    path: "/market/reputation/",
    handle(ctx, _data, rest) {
      const address = addressArg(rest, "account");
      const p = getMarketParams(ctx.store);
      const doc: Record<string, unknown> = { address: toBech32(address) };
      for (const [role, name] of ROLES) {
        const rec = findReputation(ctx.store, role, address);
        doc[name] = rec === undefined ? null : reputationJson(rec, p);
      }
      const consumer = findReputation(ctx.store, "consumer", address);
      doc.consumer_credit_ppm =
        consumer === undefined ? null : consumerCreditOf(consumer, p.serviceLevel.consumer);
      const prov = getProvider(ctx.store, address);
      const rp = findReputation(ctx.store, "resourceProvider", address);
      doc.provider_service_level_ppm =
        prov === undefined
          ? null
          : providerServiceLevelOf(prov, rp ?? newReputation(p.reputation), p.serviceLevel.provider);
      return json(reputationKey("resourceProvider", address), doc);
    },
  },
  {
    path: "/market/escrow",
    handle(ctx) {
      return json(TASK_PREFIX, {
        escrow_account: toBech32(ESCROW_ACCOUNT),
        escrow_balance: getAccount(ctx.store, ESCROW_ACCOUNT).balance.toString(),
        platform_account: toBech32(PLATFORM_ACCOUNT),
        platform_balance: getAccount(ctx.store, PLATFORM_ACCOUNT).balance.toString(),
        minted: getMinted(ctx.store).toString(),
      });
    },
  },
  {
    path: "/market/escrow/",
    handle(ctx, _data, rest) {
      const id = taskIdArg(rest);
      const t = requireTaskQ(ctx.store, id);
      const key = taskKey(id);
      return json(
        key,
        {
          task_id: id,
          tenant: toBech32(t.owner),
          status: t.status,
          locked: t.escrowLocked.toString(),
          remaining: t.escrow.toString(),
          paid_provider: t.paidProvider.toString(),
          paid_app: t.paidApp.toString(),
          paid_platform: t.paidPlatform.toString(),
          refunded: t.refunded.toString(),
        },
        key,
      );
    },
  },
];
