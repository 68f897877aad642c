/**
 * Typed reads and writes of the market state (layout in keys.ts). `saveTask` keeps every
 * secondary index in step with the task record: the indexes are a pure function of the record,
 * so saving diffs the old record's index keys against the new one's.
 */
import { equalBytes, readU64be, u64be } from "../../../codec/bytes.js";
import { toBech32 } from "../../../crypto/address.js";
import type { KvReader, KvStore } from "../../state/kv.js";
import type { TaskLifecycle } from "../lifecycle.js";
import { newReputation, type ReputationRecord, type ReputationRole } from "../reputation.js";
import { addResources, type Resources, subFloorZero, ZERO_RESOURCES } from "../resources.js";
import {
  ackQueueKey,
  allocKey,
  byProviderKey,
  byTenantKey,
  dueKey,
  epochKey,
  instanceKey,
  MARK,
  MINTED_KEY,
  NEXT_TASK_KEY,
  PARAMS_KEY,
  pendingKey,
  pendingOwnerKey,
  providerKey,
  reputationKey,
  statusKey,
  taskKey,
} from "./keys.js";
import {
  DEFAULT_MARKET_CHAIN_PARAMS,
  decodeMarketParams,
  encodeMarketParams,
  type MarketChainParams,
} from "./params.js";
import {
  amountCodec,
  type EpochActivity,
  epochActivityCodec,
  type InstanceRecord,
  instanceCodec,
  type ProviderRecord,
  providerCodec,
  reputationCodec,
  resourcesCodec,
  type TaskRecord,
  taskCodec,
  ZERO_ACTIVITY,
} from "./records.js";

// --- params -----------------------------------------------------------------------------------

let paramsCache: { raw: Uint8Array; value: MarketChainParams } | undefined;

export function getMarketParams(store: KvReader): MarketChainParams {
  const raw = store.get(PARAMS_KEY);
  if (raw === undefined) return DEFAULT_MARKET_CHAIN_PARAMS;
  if (paramsCache !== undefined && equalBytes(paramsCache.raw, raw)) return paramsCache.value;
  const value = decodeMarketParams(raw);
  paramsCache = { raw: raw.slice(), value };
  return value;
}

export function setMarketParams(store: KvStore, p: MarketChainParams): void {
  store.set(PARAMS_KEY, encodeMarketParams(p));
}

// --- providers and instances ------------------------------------------------------------------

export function getProvider(store: KvReader, provider: Uint8Array): ProviderRecord | undefined {
  const raw = store.get(providerKey(provider));
  return raw === undefined ? undefined : providerCodec.decode(raw);
}

export function setProvider(store: KvStore, provider: Uint8Array, rec: ProviderRecord): void {
  store.set(providerKey(provider), providerCodec.encode(rec));
}

export function getInstance(store: KvReader, provider: Uint8Array, id: string): InstanceRecord | undefined {
  const raw = store.get(instanceKey(provider, id));
  return raw === undefined ? undefined : instanceCodec.decode(raw);
}

export function setInstance(store: KvStore, provider: Uint8Array, rec: InstanceRecord): void {
  store.set(instanceKey(provider, rec.id), instanceCodec.encode(rec));
}

// --- tasks ------------------------------------------------------------------------------------

export function nextTaskId(store: KvStore): number {
  const raw = store.get(NEXT_TASK_KEY);
  const id = raw === undefined ? 1 : Number(readU64be(raw));
  store.set(NEXT_TASK_KEY, u64be(id + 1));
  return id;
}

export function getTask(store: KvReader, id: number): TaskRecord | undefined {
  if (!Number.isSafeInteger(id) || id < 1) return undefined;
  const raw = store.get(taskKey(id));
  return raw === undefined ? undefined : taskCodec.decode(raw);
}

/** Block-time second by which an unfinished task expires, if it can. */
export function dueTime(t: TaskRecord, p: MarketChainParams): number | undefined {
  if (t.status === "pending") return t.pendingSince + p.timing.maxPendingSec;
  if (t.status === "running") return t.startedAt + t.durationSec + p.timing.graceSec;
  return undefined;
}

/** The height at which a scheduled task's acknowledgement is overdue. */
export const ackDeadline = (t: TaskRecord, p: MarketChainParams): number =>
  t.scheduledHeight + p.lifecycle.ackTimeoutBlocks;

function indexKeys(t: TaskRecord, p: MarketChainParams): Uint8Array[] {
  const keys = [statusKey(t.status, t.id), byTenantKey(t.owner, t.id)];
  if (t.provider.length > 0) keys.push(byProviderKey(t.provider, t.id));
  if (t.status === "pending") keys.push(pendingKey(t.owner, t.pendingSince, t.id));
  if (t.status === "scheduled") keys.push(ackQueueKey(ackDeadline(t, p), t.id));
  const due = dueTime(t, p);
  if (due !== undefined) keys.push(dueKey(due, t.id));
  return keys;
}

function addPendingCount(store: KvStore, tenant: Uint8Array, delta: number): void {
  const key = pendingOwnerKey(tenant);
  const raw = store.get(key);
  const n = (raw === undefined ? 0 : Number(readU64be(raw))) + delta;
  if (n <= 0) store.delete(key);
  else store.set(key, u64be(n));
}

/** Writes the task and brings its indexes from `before`'s to its own. */
export function saveTask(
  store: KvStore,
  before: TaskRecord | undefined,
  after: TaskRecord,
  p: MarketChainParams,
): void {
  store.set(taskKey(after.id), taskCodec.encode(after));
  const old = before === undefined ? [] : indexKeys(before, p);
  const now = indexKeys(after, p);
  const has = (list: Uint8Array[], k: Uint8Array) => list.some((x) => equalBytes(x, k));
  for (const k of old) if (!has(now, k)) store.delete(k);
  for (const k of now) if (!has(old, k)) store.set(k, MARK);
  const wasPending = before?.status === "pending";
  const isPending = after.status === "pending";
  if (wasPending && !isPending) addPendingCount(store, after.owner, -1);
  if (!wasPending && isPending) addPendingCount(store, after.owner, 1);
}

// --- the lifecycle core works on bech32 strings -------------------------------------------------

export function lifecycleOf(t: TaskRecord): TaskLifecycle {
  return {
    status: t.status,
    owner: toBech32(t.owner),
    ...(t.provider.length > 0 ? { provider: toBech32(t.provider), instanceId: t.instanceId } : {}),
    ...(t.scheduledHeight > 0 ? { scheduledHeight: t.scheduledHeight } : {}),
    ...(t.startedAt > 0 ? { startedAt: t.startedAt } : {}),
    ...(t.endedAt > 0 ? { endedAt: t.endedAt } : {}),
    attempts: t.attempts,
    avoidProviders: t.avoidProviders.map((a) => toBech32(a)),
  };
}

/**
 * The task after a lifecycle transition. A lost placement clears the placement (the provider
 * joins avoidProviders); terminal states keep the last placement for the record.
 */
export function withLifecycle(t: TaskRecord, l: TaskLifecycle, nowSec: number): TaskRecord {
  const placedAgain = l.status === "pending" || (l.status === "failed" && l.provider === undefined);
  const avoid =
    l.avoidProviders.length === t.avoidProviders.length
      ? t.avoidProviders
      : [...t.avoidProviders, t.provider];
  if (placedAgain) {
    return {
      ...t,
      status: l.status,
      provider: new Uint8Array(0),
      instanceId: "",
      scheduledHeight: 0,
      startedAt: 0,
      endedAt: l.endedAt ?? 0,
      attempts: l.attempts,
      avoidProviders: avoid,
      pendingSince: l.status === "pending" ? nowSec : t.pendingSince,
      prices: ZERO_RESOURCES,
      pricePerSec: 0n,
      meteredUntil: 0,
      lastPeriodStart: 0,
      lastPeriodEnd: 0,
      meteredSec: 0,
    };
  }
  return {
    ...t,
    status: l.status,
    scheduledHeight: l.scheduledHeight ?? 0,
    startedAt: l.startedAt ?? 0,
    endedAt: l.endedAt ?? 0,
    attempts: l.attempts,
    avoidProviders: avoid,
  };
}

// --- allocations (WDRF's U_i across blocks) -----------------------------------------------------

export function getAlloc(store: KvReader, provider: Uint8Array, tenant: Uint8Array): Resources {
  const raw = store.get(allocKey(provider, tenant));
  return raw === undefined ? ZERO_RESOURCES : resourcesCodec.decode(raw);
}

export function changeAlloc(
  store: KvStore,
  provider: Uint8Array,
  tenant: Uint8Array,
  delta: Resources,
  add: boolean,
): void {
  const cur = getAlloc(store, provider, tenant);
  const next = add ? addResources(cur, delta) : subFloorZero(cur, delta);
  const enc = resourcesCodec.encode(next);
  if (enc.length === 0) store.delete(allocKey(provider, tenant));
  else store.set(allocKey(provider, tenant), enc);
}

// --- reputation and epoch activity --------------------------------------------------------------

export function findReputation(
  store: KvReader,
  role: ReputationRole,
  account: Uint8Array,
): ReputationRecord | undefined {
  const raw = store.get(reputationKey(role, account));
  return raw === undefined ? undefined : reputationCodec.decode(raw);
}

export function getReputation(
  store: KvReader,
  role: ReputationRole,
  account: Uint8Array,
  p: MarketChainParams,
): ReputationRecord {
  return findReputation(store, role, account) ?? newReputation(p.reputation);
}

export function setReputation(
  store: KvStore,
  role: ReputationRole,
  account: Uint8Array,
  rec: ReputationRecord,
): void {
  store.set(reputationKey(role, account), reputationCodec.encode(rec));
}

export function addActivity(
  store: KvStore,
  role: ReputationRole,
  account: Uint8Array,
  delta: Partial<EpochActivity>,
): void {
  const key = epochKey(role, account);
  const raw = store.get(key);
  const cur = raw === undefined ? ZERO_ACTIVITY : epochActivityCodec.decode(raw);
  store.set(
    key,
    epochActivityCodec.encode({
      fee: cur.fee + (delta.fee ?? 0n),
      completedDeals: cur.completedDeals + (delta.completedDeals ?? 0),
      ratingTimes: cur.ratingTimes + (delta.ratingTimes ?? 0),
    }),
  );
}

// --- minted rewards -----------------------------------------------------------------------------

export function getMinted(store: KvReader): bigint {
  const raw = store.get(MINTED_KEY);
  return raw === undefined ? 0n : amountCodec.decode(raw);
}

export function addMinted(store: KvStore, amount: bigint): void {
  store.set(MINTED_KEY, amountCodec.encode(getMinted(store) + amount));
}
