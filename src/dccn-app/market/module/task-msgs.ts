/** Task msgs: submit (escrow locked), cancel, ack, fail, complete. */
import { ProtoWriter } from "../../../codec/proto.js";
import { toBech32 } from "../../../crypto/address.js";
import { transfer } from "../../bank/accounts.js";
import { isTerminal, transition } from "../lifecycle.js";
import { costOf, fitsWithin, type Resources } from "../resources.js";
import { escrowForTask } from "../settlement.js";
import type { TaskSpec } from "../types.js";
import { totalDemand, validateTaskSpec } from "../validate.js";
import { finishTask, type MarketCtx, recordLostPlacement, saveTransition } from "./deals.js";
import { marketFail } from "./errors.js";
import { taskEvent } from "./events.js";
import { type MarketMsgCtx, marketHandler } from "./handler.js";
import { ESCROW_ACCOUNT, INSTANCE_PREFIX } from "./keys.js";
import type { MsgSubmitTask } from "./msgs.js";
import { instanceCodec, type TaskRecord } from "./records.js";
import {
  getProvider,
  getReputation,
  getTask,
  lifecycleOf,
  nextTaskId,
  saveTask,
  setReputation,
  withLifecycle,
} from "./store.js";

export const SUBMIT_GAS = 60_000;
export const TASK_GAS = 40_000;
/** Gas per instance the submission check looks at, beyond the first SCAN_FREE_INSTANCES. */
export const SCAN_GAS_PER_INSTANCE = 50;
/** Instances the submission's default gas already pays for. */
export const SCAN_FREE_INSTANCES = 200;

const scanGas = (seen: number): number => Math.max(0, seen - SCAN_FREE_INSTANCES) * SCAN_GAS_PER_INSTANCE;

export function requireTask(ctx: MarketCtx, id: number): TaskRecord {
  const t = getTask(ctx.store, id);
  if (t === undefined)
    throw marketFail("MARKET_NOT_FOUND", "TASK_NOT_FOUND", `task ${id} does not exist`, { taskId: id });
  return t;
}

/** The core's view of a submission (durationSec is a job's; a service's lease is checked apart). */
export function taskSpecOf(msg: MsgSubmitTask): TaskSpec {
  const constraints = {
    ...(msg.region === "" ? {} : { region: msg.region }),
    ...(msg.tags.length === 0 ? {} : { tags: msg.tags }),
    ...(msg.minReputation === 0n ? {} : { minReputation: msg.minReputation }),
  };
  return {
    demand: msg.demand,
    replicas: msg.replicas,
    kind: msg.kind,
    ...(msg.kind === "job" ? { durationSec: msg.durationSec } : {}),
    maxPricePerSec: msg.maxPricePerSec,
    ...(msg.appProvider.length > 0
      ? { appProvider: toBech32(msg.appProvider), appFeeBps: msg.appFeeBps }
      : {}),
    ...(msg.appProvider.length === 0 && msg.appFeeBps !== 0 ? { appFeeBps: msg.appFeeBps } : {}),
    ...(Object.keys(constraints).length > 0 ? { constraints } : {}),
  };
}

/**
 * Refuses a task no registered instance could ever take: Filter against every instance that is
 * not retired (availability and current load aside — those change), then the price ceiling.
 */
async function assertSatisfiable(ctx: MarketMsgCtx, msg: MsgSubmitTask, demand: Resources): Promise<void> {
  let seen = 0;
  let covered = false;
  const retired = new Map<string, boolean>();
  for await (const [k, v] of ctx.store.iterate(INSTANCE_PREFIX)) {
    seen++;
    const inst = instanceCodec.decode(v);
    if (inst.retired || !fitsWithin(demand, inst.capacity)) continue;
    if (msg.region !== "" && inst.region !== msg.region) continue;
    if (!msg.tags.every((t) => inst.tags.includes(t))) continue;
    const provider = k.slice(INSTANCE_PREFIX.length, INSTANCE_PREFIX.length + 20);
    const pk = toBech32(provider);
    if (!retired.has(pk)) retired.set(pk, getProvider(ctx.store, provider)?.retired ?? true);
    if (retired.get(pk)) continue;
    covered = true;
    if (costOf(demand, inst.prices) <= msg.maxPricePerSec) {
      ctx.tx.gas.consume(scanGas(seen), "finding an instance for the task");
      return;
    }
  }
  ctx.tx.gas.consume(scanGas(seen), "finding an instance for the task");
  if (!covered) {
    throw marketFail(
      "MARKET_NO_FITTING_INSTANCE",
      "DEMAND_UNSATISFIABLE",
      "no registered instance covers the task's demand × replicas (and its region/tags)",
    );
  }
  throw marketFail(
    "MARKET_PRICE_ABOVE_MAX",
    "PRICE_ABOVE_MAX",
    `every instance that covers the demand costs more than max_price_per_sec ${msg.maxPricePerSec}`,
  );
}

/** Encodes `MsgSubmitTaskResponse {uint64 task_id = 1}`, the submit tx's result data. */
export const encodeSubmitResponse = (taskId: number): Uint8Array =>
  new ProtoWriter().uint(1, taskId).finish();

const submit = marketHandler(
  "submitTask",
  SUBMIT_GAS,
  async (ctx, msg) => {
    const limits = ctx.params.limits;
    validateTaskSpec(taskSpecOf(msg), limits);
    if (msg.kind === "service" && (msg.durationSec < 1 || msg.durationSec > limits.maxJobDurationSec)) {
      throw marketFail(
        "MARKET_INVALID_INPUT",
        "MARKET_INVALID_TASK",
        `a service needs duration_sec (its prepaid lease) between 1 and ${limits.maxJobDurationSec}`,
      );
    }
    const demand = totalDemand(msg);
    await assertSatisfiable(ctx, msg, demand);
    const escrow = escrowForTask(taskSpecOf(msg), msg.durationSec, ctx.params.fees);
    const lock = transfer(ctx.store, ctx.sender, ESCROW_ACCOUNT, escrow);
    const id = nextTaskId(ctx.store);
    const t: TaskRecord = {
      id,
      owner: ctx.sender,
      kind: msg.kind,
      demand: msg.demand,
      replicas: msg.replicas,
      durationSec: msg.durationSec,
      maxPricePerSec: msg.maxPricePerSec,
      appProvider: msg.appProvider,
      appFeeBps: msg.appFeeBps,
      region: msg.region,
      tags: msg.tags,
      minReputation: msg.minReputation,
      status: "pending",
      provider: new Uint8Array(0),
      instanceId: "",
      scheduledHeight: 0,
      startedAt: 0,
      endedAt: 0,
      attempts: 0,
      avoidProviders: [],
      submitHeight: ctx.height,
      submitTime: ctx.nowSec,
      pendingSince: ctx.nowSec,
      escrowLocked: escrow,
      escrow,
      prices: { cpu: 0n, memory: 0n, disk: 0n, bandwidth: 0n, gpu: 0n },
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
    saveTask(ctx.store, undefined, t, ctx.params);
    // From now on the tenant has a market record (its consumer credit is defined).
    setReputation(
      ctx.store,
      "consumer",
      ctx.sender,
      getReputation(ctx.store, "consumer", ctx.sender, ctx.params),
    );
    if (escrow > 0n) ctx.events.push(lock);
    ctx.events.push(taskEvent("submit", t, ""));
    return encodeSubmitResponse(id);
  },
  // CheckTx: at least the resource cost of the whole duration (the fees come on top).
  (msg) => msg.maxPricePerSec * BigInt(msg.durationSec),
);

const cancel = marketHandler("cancelTask", TASK_GAS, (ctx, msg) => {
  const t = requireTask(ctx, msg.taskId);
  const l = transition(
    lifecycleOf(t),
    { type: "cancel", by: toBech32(ctx.sender), time: ctx.nowSec },
    ctx.params.lifecycle,
  );
  finishTask(ctx, t, withLifecycle(t, l, ctx.nowSec), "cancel");
});

const ack = marketHandler("ackTask", TASK_GAS, (ctx, msg) => {
  const t = requireTask(ctx, msg.taskId);
  const l = transition(
    lifecycleOf(t),
    { type: "ack", by: toBech32(ctx.sender), time: ctx.nowSec },
    ctx.params.lifecycle,
  );
  saveTransition(ctx, t, { ...withLifecycle(t, l, ctx.nowSec), meteredUntil: ctx.nowSec }, "ack");
});

/** The provider reports the task failed: back to pending elsewhere, or failed after maxAttempts. */
const fail = marketHandler("failTask", TASK_GAS, (ctx, msg) => {
  const t = requireTask(ctx, msg.taskId);
  const l = transition(
    lifecycleOf(t),
    { type: "fail", by: toBech32(ctx.sender), time: ctx.nowSec },
    ctx.params.lifecycle,
  );
  recordLostPlacement(ctx, t);
  const after = withLifecycle(t, l, ctx.nowSec);
  if (isTerminal(after.status)) finishTask(ctx, t, after, "fail", true);
  else saveTransition(ctx, t, after, "fail");
});

const complete = marketHandler("completeTask", TASK_GAS, (ctx, msg) => {
  const t = requireTask(ctx, msg.taskId);
  const l = transition(
    lifecycleOf(t),
    { type: "complete", by: toBech32(ctx.sender), time: ctx.nowSec },
    ctx.params.lifecycle,
  );
  finishTask(ctx, t, withLifecycle(t, l, ctx.nowSec), "complete");
});

export const taskHandlers = [submit, cancel, ack, fail, complete];
