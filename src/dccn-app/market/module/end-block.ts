/**
 * The market's EndBlock, in this order:
 *   1. ack timeouts — scheduled tasks whose provider let `ack_timeout_blocks` pass go back to
 *      pending (that provider avoided, its reputation charged) or fail after `max_attempts`;
 *   2. expiries — pending tasks nobody placed within `max_pending_sec`, and running tasks past
 *      their paid time + `grace_sec`, end as expired (unused escrow refunded);
 *   3. the WDRF scheduler over pending tasks (scheduler/schedule.ts), bounded by
 *      `max_tasks_per_call`, reading only the per-tenant pending queues;
 *   4. at epoch boundaries, reward minting (rewards-epoch.ts).
 * Queues 1 and 2 are read in key order (deadline, id) up to `max_queue_per_block` each; what is
 * left stays overdue and is handled first next block.
 */
import { toBech32 } from "../../../crypto/address.js";
import type { BlockContext } from "../../module.js";
import type { KvReader } from "../../state/kv.js";
import { isTerminal, transition } from "../lifecycle.js";
import { reputationScore } from "../reputation.js";
import { addResources, costOf, type Resources, ZERO_RESOURCES } from "../resources.js";
import {
  type InstanceState,
  type PendingTask,
  type ProviderView,
  providerIndices,
  scheduleTasks,
  type UserUsage,
  weightFromReputation,
} from "../scheduler/index.js";
import { totalDemand } from "../validate.js";
import { finishTask, type MarketCtx, recordLostPlacement, saveTransition } from "./deals.js";
import { nowSecOf } from "./handler.js";
import {
  ACK_QUEUE_PREFIX,
  ALLOC_PREFIX,
  addressAfter,
  DUE_PREFIX,
  INSTANCE_PREFIX,
  idAtEnd,
  PENDING_OWNER_PREFIX,
  PROVIDER_PREFIX,
  pendingPrefixOf,
  u64After,
} from "./keys.js";
import {
  type InstanceRecord,
  instanceCodec,
  providerCodec,
  resourcesCodec,
  type TaskRecord,
} from "./records.js";
import { mintEpochRewards } from "./rewards-epoch.js";
import {
  changeAlloc,
  getMarketParams,
  getReputation,
  getTask,
  lifecycleOf,
  setInstance,
  withLifecycle,
} from "./store.js";

/** Ids from a (deadline u64, id u64) queue whose deadline is at most `upTo`, at most `max`. */
async function dueIds(store: KvReader, prefix: Uint8Array, upTo: number, max: number): Promise<number[]> {
  const ids: number[] = [];
  for await (const [k] of store.iterate(prefix)) {
    if (u64After(k, prefix) > upTo || ids.length >= max) break;
    ids.push(idAtEnd(k));
  }
  return ids;
}

async function ackTimeouts(ctx: MarketCtx): Promise<void> {
  for (const id of await dueIds(
    ctx.store,
    ACK_QUEUE_PREFIX,
    ctx.height,
    ctx.params.timing.maxQueuePerBlock,
  )) {
    const t = getTask(ctx.store, id);
    if (t === undefined || t.status !== "scheduled") continue;
    const l = transition(lifecycleOf(t), { type: "ackTimeout", time: ctx.nowSec }, ctx.params.lifecycle);
    recordLostPlacement(ctx, t);
    const after = withLifecycle(t, l, ctx.nowSec);
    if (isTerminal(after.status)) finishTask(ctx, t, after, "ack_timeout", true);
    else saveTransition(ctx, t, after, "ack_timeout");
  }
}

async function expiries(ctx: MarketCtx): Promise<void> {
  for (const id of await dueIds(ctx.store, DUE_PREFIX, ctx.nowSec, ctx.params.timing.maxQueuePerBlock)) {
    const t = getTask(ctx.store, id);
    if (t === undefined || (t.status !== "pending" && t.status !== "running")) continue;
    const l = transition(lifecycleOf(t), { type: "expire", time: ctx.nowSec }, ctx.params.lifecycle);
    finishTask(ctx, t, withLifecycle(t, l, ctx.nowSec), "expire");
  }
}

interface LoadedInstance {
  readonly provider: Uint8Array;
  readonly record: InstanceRecord;
}

/** Reads the market the scheduler needs; undefined when no tenant has a pending task. */
async function loadMarket(ctx: MarketCtx) {
  const { store, params } = ctx;
  const owners: Uint8Array[] = [];
  for await (const [k] of store.iterate(PENDING_OWNER_PREFIX))
    owners.push(addressAfter(k, PENDING_OWNER_PREFIX));
  if (owners.length === 0) return undefined;

  // Each tenant's oldest tasks, enough for its weighted round-robin turns in one call: a tenant
  // can win at most (max weight / base weight) × its fair part of max_tasks_per_call.
  const max = params.scheduler.maxTasksPerCall;
  const span = Number(params.userWeight.max / params.userWeight.base) + 1;
  const perOwner = Math.min(max, Math.ceil((span * max) / owners.length));
  const tasks = new Map<string, TaskRecord>();
  const pending: PendingTask[] = [];
  const users: { address: string; weight: bigint }[] = [];
  for (const owner of owners) {
    let n = 0;
    for await (const [k] of store.iterate(pendingPrefixOf(owner))) {
      const t = getTask(store, idAtEnd(k));
      if (t === undefined) continue;
      tasks.set(String(t.id), t);
      pending.push({
        id: String(t.id),
        owner: toBech32(t.owner),
        submitHeight: t.submitHeight,
        demand: totalDemand(t),
        maxPricePerSec: t.maxPricePerSec,
        constraints: {
          ...(t.region === "" ? {} : { region: t.region }),
          ...(t.tags.length === 0 ? {} : { tags: t.tags }),
          ...(t.minReputation === 0n ? {} : { minReputation: t.minReputation }),
        },
        avoidProviders: t.avoidProviders.map((a) => toBech32(a)),
      });
      if (++n >= perOwner) break;
    }
    const rep = getReputation(store, "consumer", owner, params);
    users.push({
      address: toBech32(owner),
      weight: weightFromReputation(reputationScore(rep, params.reputation), params.userWeight),
    });
  }

  const providerBytes = new Map<string, Uint8Array>();
  const providerInfo = new Map<string, { total: number; available: number }>();
  for await (const [k, v] of store.iterate(PROVIDER_PREFIX)) {
    const rec = providerCodec.decode(v);
    if (rec.retired) continue;
    const addr = addressAfter(k, PROVIDER_PREFIX);
    const bech = toBech32(addr);
    providerBytes.set(bech, addr);
    providerInfo.set(bech, { total: rec.instancesTotal, available: rec.instancesAvailable });
  }
  const instances: InstanceState[] = [];
  const byKey = new Map<string, LoadedInstance>();
  const capacity = new Map<string, { cap: Resources; used: Resources }>();
  for await (const [k, v] of store.iterate(INSTANCE_PREFIX)) {
    const provider = addressAfter(k, INSTANCE_PREFIX);
    const bech = toBech32(provider);
    if (!providerBytes.has(bech)) continue;
    const rec = instanceCodec.decode(v);
    if (rec.retired) continue;
    byKey.set(`${bech}\u0000${rec.id}`, { provider, record: rec });
    instances.push({ ...rec, provider: bech });
    if (rec.available) {
      const c = capacity.get(bech) ?? { cap: ZERO_RESOURCES, used: ZERO_RESOURCES };
      capacity.set(bech, { cap: addResources(c.cap, rec.capacity), used: addResources(c.used, rec.used) });
    }
  }
  const providers: ProviderView[] = [];
  for (const [bech, addr] of providerBytes) {
    const rep = getReputation(store, "resourceProvider", addr, params);
    const c = capacity.get(bech) ?? { cap: ZERO_RESOURCES, used: ZERO_RESOURCES };
    const info = providerInfo.get(bech)!;
    providers.push({
      address: bech,
      reputation: reputationScore(rep, params.reputation),
      indices: providerIndices({
        capacity: c.cap,
        used: c.used,
        reputation: rep,
        instancesTotal: info.total,
        instancesAvailable: info.available,
      }),
    });
  }
  const usage: UserUsage[] = [];
  for await (const [k, v] of store.iterate(ALLOC_PREFIX)) {
    const provider = toBech32(addressAfter(k, ALLOC_PREFIX));
    if (!providerBytes.has(provider)) continue;
    usage.push({
      provider,
      user: toBech32(addressAfter(k, ALLOC_PREFIX, 20)),
      used: resourcesCodec.decode(v),
    });
  }
  return { input: { instances, providers, users, usage, pending }, tasks, byKey, providerBytes };
}

async function schedule(ctx: MarketCtx): Promise<void> {
  const market = await loadMarket(ctx);
  if (market === undefined) return;
  const result = scheduleTasks(market.input, ctx.params.scheduler);
  for (const a of result.assignments) {
    const t = market.tasks.get(a.taskId)!;
    const provider = market.providerBytes.get(a.provider)!;
    const key = `${a.provider}\u0000${a.instanceId}`;
    const inst = market.byKey.get(key)!;
    const l = transition(
      lifecycleOf(t),
      { type: "schedule", provider: a.provider, instanceId: a.instanceId, height: ctx.height },
      ctx.params.lifecycle,
    );
    const demand = totalDemand(t);
    const after: TaskRecord = {
      ...withLifecycle(t, l, ctx.nowSec),
      provider,
      instanceId: a.instanceId,
      prices: inst.record.prices,
      pricePerSec: costOf(demand, inst.record.prices),
    };
    const updated = {
      ...inst.record,
      used: addResources(inst.record.used, demand),
      tasks: inst.record.tasks + 1,
    };
    market.byKey.set(key, { provider, record: updated });
    setInstance(ctx.store, provider, updated);
    changeAlloc(ctx.store, provider, t.owner, demand, true);
    saveTransition(ctx, t, after, "schedule");
  }
}

export async function marketEndBlock(block: BlockContext): Promise<void> {
  const ctx: MarketCtx = {
    store: block.store,
    events: block.events,
    height: block.height,
    nowSec: nowSecOf(block.timeMs),
    params: getMarketParams(block.store),
  };
  await ackTimeouts(ctx);
  await expiries(ctx);
  await schedule(ctx);
  await mintEpochRewards(ctx);
}
