/** The provider's usage reports (settled from escrow at once) and the parties' ratings. */
import { toBech32 } from "../../../crypto/address.js";
import { acceptUsageReport, newMeterState } from "../metering.js";
import { ratingTargets } from "../rating.js";
import { recordRating } from "../reputation.js";
import { totalDemand } from "../validate.js";
import { payPeriod } from "./deals.js";
import { marketFail } from "./errors.js";
import { marketEvent } from "./events.js";
import { marketHandler } from "./handler.js";
import { periodKey } from "./keys.js";
import { usagePeriodCodec } from "./records.js";
import {
  addActivity,
  getProvider,
  getReputation,
  lifecycleOf,
  saveTask,
  setProvider,
  setReputation,
} from "./store.js";
import { requireTask } from "./task-msgs.js";

export const METER_GAS = 50_000;
export const RATE_GAS = 30_000;

/**
 * A usage report for [start, end) of a running task by the provider running it: bounded by the
 * allocation × the period and by the task's paid time, never overlapping an accepted period.
 * It is paid from escrow in the same msg (cost = usage × the placement's unit prices + fees).
 */
const report = marketHandler("reportUsage", METER_GAS, (ctx, msg) => {
  const t = requireTask(ctx, msg.taskId);
  const sender = toBech32(ctx.sender);
  const provider = t.provider.length === 0 ? "" : toBech32(t.provider);
  const base = newMeterState({
    taskId: String(t.id),
    status: t.status,
    provider,
    allocation: totalDemand(t),
    startedAt: t.startedAt,
    endsAt: t.startedAt + t.durationSec,
  });
  const state = {
    ...base,
    meteredUntil: t.meteredUntil === 0 ? t.startedAt : t.meteredUntil,
    ...(t.lastPeriodEnd > 0 ? { lastPeriod: { start: t.lastPeriodStart, end: t.lastPeriodEnd } } : {}),
  };
  const next = acceptUsageReport(
    state,
    { taskId: String(t.id), periodStart: msg.periodStart, periodEnd: msg.periodEnd, usage: msg.usage },
    sender,
    ctx.nowSec,
  );
  const { task, line } = payPeriod(ctx, t, msg.usage);
  const seconds = msg.periodEnd - msg.periodStart;
  saveTask(
    ctx.store,
    t,
    {
      ...task,
      meteredUntil: next.meteredUntil,
      lastPeriodStart: msg.periodStart,
      lastPeriodEnd: msg.periodEnd,
      meteredSec: t.meteredSec + seconds,
      reports: t.reports + 1,
    },
    ctx.params,
  );
  const prov = getProvider(ctx.store, t.provider);
  if (prov !== undefined) setProvider(ctx.store, t.provider, { ...prov, reports: prov.reports + 1 });
  ctx.store.set(
    periodKey(t.id, msg.periodStart),
    usagePeriodCodec.encode({
      start: msg.periodStart,
      end: msg.periodEnd,
      usage: msg.usage,
      charge: line.total,
      toProvider: line.toResourceProvider,
      toApp: line.toAppProvider,
      toPlatform: line.toPlatform,
      height: ctx.height,
    }),
  );
  ctx.events.push(
    marketEvent("market_meter", {
      "task.id": String(t.id),
      "task.provider": provider,
      "period.start": String(msg.periodStart),
      "period.end": String(msg.periodEnd),
      charge: line.total.toString(),
      to_provider: line.toResourceProvider.toString(),
      to_app: line.toAppProvider.toString(),
      to_platform: line.toPlatform.toString(),
      escrow_left: task.escrow.toString(),
    }),
  );
});

/** After completion the tenant rates the provider (and app provider), the provider the tenant; once each. */
const rate = marketHandler("rate", RATE_GAS, (ctx, msg) => {
  const t = requireTask(ctx, msg.taskId);
  const isTenant = t.owner.length > 0 && Buffer.compare(t.owner, ctx.sender) === 0;
  const isProvider = t.provider.length > 0 && Buffer.compare(t.provider, ctx.sender) === 0;
  if (!isTenant && !isProvider) {
    throw marketFail(
      "MARKET_NOT_AUTHORIZED",
      "REPUTATION_NOT_RATABLE",
      `${toBech32(ctx.sender)} took no part in task ${t.id}`,
    );
  }
  if (!Number.isSafeInteger(msg.score) || msg.score > 100) {
    throw marketFail(
      "MARKET_INVALID_INPUT",
      "REPUTATION_INVALID_RATING",
      `a rating is 0..100, got ${msg.score}`,
    );
  }
  const already = [
    ...(t.ratedByTenant ? [toBech32(t.owner)] : []),
    ...(t.ratedByProvider ? [toBech32(t.provider)] : []),
  ];
  const app = t.appProvider.length > 0 ? toBech32(t.appProvider) : undefined;
  const targets = ratingTargets(lifecycleOf(t), app, toBech32(ctx.sender), already);
  for (const target of targets) {
    const who =
      target.role === "resourceProvider"
        ? t.provider
        : target.role === "appProvider"
          ? t.appProvider
          : t.owner;
    const rep = getReputation(ctx.store, target.role, who, ctx.params);
    setReputation(ctx.store, target.role, who, recordRating(rep, msg.score));
    addActivity(ctx.store, target.role, who, { ratingTimes: 1 });
    ctx.events.push(
      marketEvent("market_rate", {
        "task.id": String(t.id),
        rater: toBech32(ctx.sender),
        rated: target.address,
        role: target.role,
        score: String(msg.score),
      }),
    );
  }
  saveTask(
    ctx.store,
    t,
    { ...t, ratedByTenant: t.ratedByTenant || isTenant, ratedByProvider: t.ratedByProvider || isProvider },
    ctx.params,
  );
});

export const usageHandlers = [report, rate];
