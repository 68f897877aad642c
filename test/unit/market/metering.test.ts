import { describe, expect, it } from "vitest";
import {
  acceptUsageReport,
  acceptUsageReports,
  type MeterState,
  newMeterState,
  resources,
  type UsageReport,
} from "../../../src/dccn-app/market/index.js";
import { isDccnError } from "../../../src/errors.js";

const alloc = resources({ cpu: 2000n, memory: 1000n, bandwidth: 10n });
const state: MeterState = newMeterState({
  taskId: "t1",
  provider: "P",
  allocation: alloc,
  startedAt: 100,
  endsAt: 1000,
});

const report = (
  start: number,
  end: number,
  usage = resources({ cpu: 2000n * BigInt(end - start) }),
): UsageReport => ({
  taskId: "t1",
  periodStart: start,
  periodEnd: end,
  usage,
});

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return isDccnError(err) ? err.code : "untyped";
  }
  return undefined;
}

describe("usage reports", () => {
  it("accepts consecutive periods at full allocation and remembers how far usage is metered", () => {
    const s = acceptUsageReports(state, [report(100, 160), report(160, 220), report(300, 400)], "P", 500);
    expect(s.meteredUntil).toBe(400);
    expect(s.lastPeriod).toEqual({ start: 300, end: 400 });
    expect(state.meteredUntil).toBe(100);
  });

  it("rejects every kind of bad report with its own code", () => {
    const after = acceptUsageReport(state, report(100, 200), "P", 500);
    const cases: [MeterState, UsageReport, string, number, string][] = [
      [state, report(100, 200), "Q", 500, "TASK_NOT_ASSIGNEE"],
      [{ ...state, status: "completed" }, report(100, 200), "P", 500, "METER_TASK_NOT_RUNNING"],
      [state, report(200, 200), "P", 500, "METER_PERIOD_INVALID"],
      [state, report(50, 150), "P", 500, "METER_PERIOD_OUTSIDE_TASK"],
      [state, report(400, 600), "P", 500, "METER_PERIOD_OUTSIDE_TASK"],
      [state, report(900, 1100), "P", 2000, "METER_PERIOD_OUTSIDE_TASK"],
      [after, report(100, 200), "P", 500, "METER_PERIOD_DUPLICATE"],
      [after, report(150, 250), "P", 500, "METER_PERIOD_OVERLAP"],
      [state, report(100, 200, resources({ cpu: 200_001n })), "P", 500, "METER_EXCEEDS_ALLOCATION"],
      [state, report(100, 200, resources({ gpu: 1n })), "P", 500, "METER_EXCEEDS_ALLOCATION"],
      [state, report(100, 200, resources({ memory: -1n })), "P", 500, "MARKET_INVALID_RESOURCES"],
      [state, { ...report(100, 200), taskId: "t2" }, "P", 500, "MARKET_INVALID_INPUT"],
    ];
    for (const [s, r, by, now, code] of cases)
      expect(codeOf(() => acceptUsageReport(s, r, by, now))).toBe(code);
  });

  it("accepts a batch all or nothing", () => {
    expect(codeOf(() => acceptUsageReports(state, [report(100, 200), report(150, 250)], "P", 500))).toBe(
      "METER_PERIOD_OVERLAP",
    );
  });
});
