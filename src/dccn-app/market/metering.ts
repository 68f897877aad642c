/**
 * Validation of providers' usage reports. A report covers one period [start, end) of block time
 * (seconds) of a running task; its usage per resource (unit·seconds) cannot exceed the task's
 * allocation times the period's length. Periods of a task are accepted in order and never
 * overlap: the state keeps only the end of the last accepted period, so each check is O(1).
 */
import { MarketError } from "./errors.js";
import type { TaskStatus } from "./lifecycle.js";
import { assertResources, RESOURCE_KINDS, type Resources } from "./resources.js";

export interface UsageReport {
  readonly taskId: string;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly usage: Resources;
}

export interface MeterState {
  readonly taskId: string;
  readonly status: TaskStatus;
  /** The provider the task runs with; only it may report. */
  readonly provider: string;
  /** Whole-task allocation (demand × replicas). */
  readonly allocation: Resources;
  /** Block time the task started running. */
  readonly startedAt: number;
  /** Jobs: startedAt + duration; no usage is billable after it. */
  readonly endsAt?: number;
  /** End of the last accepted period (startedAt before the first). */
  readonly meteredUntil: number;
  readonly lastPeriod?: { readonly start: number; readonly end: number };
}

export function newMeterState(
  task: Omit<MeterState, "meteredUntil" | "lastPeriod" | "status"> & { readonly status?: TaskStatus },
): MeterState {
  return { ...task, status: task.status ?? "running", meteredUntil: task.startedAt };
}

const err = (
  code: ConstructorParameters<typeof MarketError>[0],
  message: string,
  meta: Record<string, unknown>,
) => new MarketError(code, message, meta);

/**
 * Checks one report against the state at block time `now` and returns the state after it.
 * Throws (and changes nothing) on a wrong reporter, a task not running, a malformed period, a
 * period outside the task's running time, a duplicate or overlapping period, or usage beyond the
 * allocation.
 */
export function acceptUsageReport(
  state: MeterState,
  report: UsageReport,
  reporter: string,
  now: number,
): MeterState {
  const meta = { taskId: report.taskId, periodStart: report.periodStart, periodEnd: report.periodEnd };
  if (report.taskId !== state.taskId) {
    throw err("MARKET_INVALID_INPUT", `report is for task ${report.taskId}, not ${state.taskId}`, meta);
  }
  if (reporter !== state.provider) {
    throw err("TASK_NOT_ASSIGNEE", `${reporter} does not run task ${state.taskId}`, { ...meta, reporter });
  }
  if (state.status !== "running") {
    throw err(
      "METER_TASK_NOT_RUNNING",
      `task ${state.taskId} is ${state.status}; only running tasks are metered`,
      meta,
    );
  }
  const { periodStart: start, periodEnd: end } = report;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) {
    throw err(
      "METER_PERIOD_INVALID",
      `period [${start}, ${end}) must be integer seconds with end > start`,
      meta,
    );
  }
  if (start < state.startedAt || end > now || (state.endsAt !== undefined && end > state.endsAt)) {
    const until = state.endsAt === undefined ? now : Math.min(now, state.endsAt);
    throw err(
      "METER_PERIOD_OUTSIDE_TASK",
      `period [${start}, ${end}) is outside the task's billable time [${state.startedAt}, ${until})`,
      meta,
    );
  }
  const last = state.lastPeriod;
  if (last !== undefined && last.start === start && last.end === end) {
    throw err("METER_PERIOD_DUPLICATE", `period [${start}, ${end}) was already reported`, meta);
  }
  if (start < state.meteredUntil) {
    throw err(
      "METER_PERIOD_OVERLAP",
      `period [${start}, ${end}) overlaps usage metered until ${state.meteredUntil}`,
      meta,
    );
  }
  assertResources(report.usage, "usage");
  const seconds = BigInt(end - start);
  for (const k of RESOURCE_KINDS) {
    const limit = state.allocation[k] * seconds;
    if (report.usage[k] > limit) {
      throw err(
        "METER_EXCEEDS_ALLOCATION",
        `${k} usage ${report.usage[k]} exceeds the allocation's ${limit} for ${seconds} s`,
        { ...meta, resource: k },
      );
    }
  }
  return { ...state, meteredUntil: end, lastPeriod: { start, end } };
}

/** Accepts reports in order, all or nothing. */
export function acceptUsageReports(
  state: MeterState,
  reports: readonly UsageReport[],
  reporter: string,
  now: number,
): MeterState {
  let s = state;
  for (const r of reports) s = acceptUsageReport(s, r, reporter, now);
  return s;
}
