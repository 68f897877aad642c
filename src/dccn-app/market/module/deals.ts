/**
 * What happens to money, capacity and reputation as a task moves: paying a metered period out of
 * escrow, releasing a placement, and ending a task (final refund + reputation outcomes).
 *
 * Reputation outcomes (reputation.ts's recordOutcome) by how a deal ends:
 *   completed                    resource provider, tenant and app provider: completed
 *   lost placement (ack timeout,
 *     provider-reported failure) resource provider: failed — its reputation pays for the redeploy
 *   cancelled while placed       tenant: failed (it walked away from a deal — its credit);
 *                                resource and app provider: cancelled (neutral)
 *   expired while running        everyone: expired (neutral; the paid time ran out)
 * A task that never got a placement (cancelled or expired while pending) made no deal: no change.
 */
import type { AbciEvent } from "../../../abci/types.js";
import { toBech32 } from "../../../crypto/address.js";
import { credit, transfer } from "../../bank/accounts.js";
import type { KvStore } from "../../state/kv.js";
import { type DealOutcome, type ReputationRole, recordFee, recordOutcome } from "../reputation.js";
import { type Resources, subFloorZero } from "../resources.js";
import { type ChargeBreakdown, settle } from "../settlement.js";
import { totalDemand } from "../validate.js";
import { marketEvent, taskEvent } from "./events.js";
import { ESCROW_ACCOUNT, PLATFORM_ACCOUNT } from "./keys.js";
import type { MarketChainParams } from "./params.js";
import type { TaskRecord } from "./records.js";
import {
  addActivity,
  changeAlloc,
  getInstance,
  getProvider,
  getReputation,
  saveTask,
  setInstance,
  setProvider,
  setReputation,
} from "./store.js";

/** What the module's hooks and handlers share. */
export interface MarketCtx {
  readonly store: KvStore;
  readonly events: AbciEvent[];
  readonly height: number;
  /** Block time in whole seconds. */
  readonly nowSec: number;
  readonly params: MarketChainParams;
}

const hasApp = (t: TaskRecord): boolean => t.appProvider.length > 0;

function pay(ctx: MarketCtx, to: Uint8Array, amount: bigint): void {
  if (amount > 0n) ctx.events.push(transfer(ctx.store, ESCROW_ACCOUNT, to, amount));
}

function outcome(
  ctx: MarketCtx,
  role: ReputationRole,
  who: Uint8Array,
  o: DealOutcome,
  completed: boolean,
): void {
  const rep = getReputation(ctx.store, role, who, ctx.params);
  setReputation(ctx.store, role, who, recordOutcome(rep, o, ctx.params.reputation));
  if (completed) addActivity(ctx.store, role, who, { completedDeals: 1 });
}

function fee(ctx: MarketCtx, role: ReputationRole, who: Uint8Array, amount: bigint): void {
  const rep = getReputation(ctx.store, role, who, ctx.params);
  setReputation(ctx.store, role, who, recordFee(rep, amount, ctx.params.reputation));
  addActivity(ctx.store, role, who, { fee: amount });
}

/** Pays one accepted period out of the task's escrow; returns the task after it and the split. */
export function payPeriod(
  ctx: MarketCtx,
  t: TaskRecord,
  usage: Resources,
): { task: TaskRecord; line: ChargeBreakdown } {
  const res = settle(
    {
      escrow: t.escrow,
      prices: t.prices,
      usage: [usage],
      appFeeBps: t.appFeeBps,
      hasAppProvider: hasApp(t),
      final: false,
    },
    ctx.params.fees,
  );
  const line = res.lines[0]!;
  pay(ctx, t.provider, res.toResourceProvider);
  if (hasApp(t)) pay(ctx, t.appProvider, res.toAppProvider);
  pay(ctx, PLATFORM_ACCOUNT, res.toPlatform);
  fee(ctx, "consumer", t.owner, line.total);
  fee(ctx, "resourceProvider", t.provider, res.toResourceProvider);
  if (hasApp(t)) fee(ctx, "appProvider", t.appProvider, res.toAppProvider);
  return {
    task: {
      ...t,
      escrow: res.escrowLeft,
      paidProvider: t.paidProvider + res.toResourceProvider,
      paidApp: t.paidApp + res.toAppProvider,
      paidPlatform: t.paidPlatform + res.toPlatform,
    },
    line,
  };
}

/** Frees what a scheduled or running task holds on its instance and in its tenant's allocation. */
export function releasePlacement(ctx: MarketCtx, t: TaskRecord): void {
  const demand = totalDemand(t);
  const inst = getInstance(ctx.store, t.provider, t.instanceId);
  if (inst !== undefined) {
    setInstance(ctx.store, t.provider, {
      ...inst,
      used: subFloorZero(inst.used, demand),
      tasks: Math.max(0, inst.tasks - 1),
    });
  }
  changeAlloc(ctx.store, t.provider, t.owner, demand, false);
}

/** Running time of the placement so far (capped at its paid duration), and how much reports covered. */
function closeRunning(ctx: MarketCtx, t: TaskRecord): void {
  const prov = getProvider(ctx.store, t.provider);
  if (prov === undefined || t.startedAt === 0) return;
  const ran = Math.max(0, Math.min(ctx.nowSec, t.startedAt + t.durationSec) - t.startedAt);
  setProvider(ctx.store, t.provider, {
    ...prov,
    runSec: prov.runSec + ran,
    provenSec: prov.provenSec + Math.min(ran, t.meteredSec),
  });
}

/** The provider lost a placement (ack timeout or reported failure): its reputation pays. */
export function recordLostPlacement(ctx: MarketCtx, before: TaskRecord): void {
  if (before.status === "running") closeRunning(ctx, before);
  releasePlacement(ctx, before);
  outcome(ctx, "resourceProvider", before.provider, "failed", false);
}

/**
 * Ends a task that `after` shows terminal: settles reputation for how it ended (see the module
 * comment), releases its placement, refunds the unused escrow, saves it and emits its events.
 * `before` is the task before the transition (its placement, if any, is the one being ended);
 * `placementClosed` says recordLostPlacement has already dealt with that placement.
 */
export function finishTask(
  ctx: MarketCtx,
  before: TaskRecord,
  after: TaskRecord,
  action: string,
  placementClosed = false,
): TaskRecord {
  const placed = !placementClosed && (before.status === "scheduled" || before.status === "running");
  if (placed) {
    if (before.status === "running") closeRunning(ctx, before);
    releasePlacement(ctx, before);
    const app = hasApp(before);
    if (after.status === "completed") {
      outcome(ctx, "resourceProvider", before.provider, "completed", true);
      outcome(ctx, "consumer", before.owner, "completed", true);
      if (app) outcome(ctx, "appProvider", before.appProvider, "completed", true);
    } else if (after.status === "cancelled") {
      outcome(ctx, "resourceProvider", before.provider, "cancelled", false);
      outcome(ctx, "consumer", before.owner, "failed", false);
      if (app) outcome(ctx, "appProvider", before.appProvider, "cancelled", false);
    } else if (after.status === "expired") {
      outcome(ctx, "resourceProvider", before.provider, "expired", false);
      outcome(ctx, "consumer", before.owner, "expired", false);
      if (app) outcome(ctx, "appProvider", before.appProvider, "expired", false);
    }
  }
  const refund = after.escrow;
  if (refund > 0n) pay(ctx, after.owner, refund);
  const done: TaskRecord = { ...after, escrow: 0n, refunded: after.refunded + refund };
  saveTask(ctx.store, before, done, ctx.params);
  ctx.events.push(taskEvent(action, done, before.status));
  ctx.events.push(
    marketEvent("market_settle", {
      "task.id": String(done.id),
      "task.status": done.status,
      "task.tenant": toBech32(done.owner),
      refund: refund.toString(),
      paid_provider: done.paidProvider.toString(),
      paid_app: done.paidApp.toString(),
      paid_platform: done.paidPlatform.toString(),
    }),
  );
  return done;
}

/** Saves a non-terminal transition and emits its event. */
export function saveTransition(ctx: MarketCtx, before: TaskRecord, after: TaskRecord, action: string): void {
  saveTask(ctx.store, before, after, ctx.params);
  ctx.events.push(taskEvent(action, after, before.status));
}

/** Mints `amount` new base units to `to` (epoch rewards). */
export function mint(ctx: MarketCtx, to: Uint8Array, amount: bigint): void {
  credit(ctx.store, to, amount);
}
