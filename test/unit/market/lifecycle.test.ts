import { describe, expect, it } from "vitest";
import {
  ALLOWED_EVENTS,
  isAckOverdue,
  newTaskLifecycle,
  type TaskEvent,
  type TaskLifecycle,
  type TaskStatus,
  transition,
} from "../../../src/dccn-app/market/index.js";
import { isDccnError } from "../../../src/errors.js";

const params = { maxAttempts: 3, ackTimeoutBlocks: 5 };
const OWNER = "ankr1tenant";

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return isDccnError(err) ? err.code : "untyped";
  }
  return undefined;
}

const schedule = (provider: string, height = 10): TaskEvent => ({
  type: "schedule",
  provider,
  instanceId: "i1",
  height,
});

/** A lifecycle in `status`, reached through legal transitions. */
function reach(status: TaskStatus): TaskLifecycle {
  let t = newTaskLifecycle(OWNER);
  if (status === "pending") return t;
  t = transition(t, schedule("P1"), params);
  if (status === "scheduled") return t;
  if (status === "expired") return transition(t, { type: "expire", time: 50 }, params);
  if (status === "cancelled") return transition(t, { type: "cancel", by: OWNER, time: 50 }, params);
  t = transition(t, { type: "ack", by: "P1", time: 20 }, params);
  if (status === "running") return t;
  if (status === "completed") return transition(t, { type: "complete", by: "P1", time: 90 }, params);
  // failed: lose the task to three providers in turn
  t = transition(t, { type: "fail", by: "P1", time: 30 }, params);
  t = transition(transition(t, schedule("P2"), params), { type: "ackTimeout", time: 40 }, params);
  return transition(transition(t, schedule("P3"), params), { type: "fail", by: "P3", time: 60 }, params);
}

const ALL_EVENTS: TaskEvent[] = [
  schedule("P9"),
  { type: "ack", by: "P1", time: 1 },
  { type: "ackTimeout", time: 1 },
  { type: "fail", by: "P1", time: 1 },
  { type: "complete", by: OWNER, time: 1 },
  { type: "cancel", by: OWNER, time: 1 },
  { type: "expire", time: 1 },
];

describe("task lifecycle", () => {
  it("walks the happy path pending → scheduled → running → completed", () => {
    const t0 = newTaskLifecycle(OWNER);
    const t1 = transition(t0, schedule("P1", 7), params);
    expect(t1).toMatchObject({ status: "scheduled", provider: "P1", instanceId: "i1", scheduledHeight: 7 });
    const t2 = transition(t1, { type: "ack", by: "P1", time: 100 }, params);
    expect(t2).toMatchObject({ status: "running", startedAt: 100 });
    const t3 = transition(t2, { type: "complete", by: "P1", time: 200 }, params);
    expect(t3).toMatchObject({ status: "completed", endedAt: 200, attempts: 0 });
    expect(t0.status).toBe("pending"); // inputs are never modified
  });

  it("sends a lost placement back to pending, avoiding that provider, and fails after maxAttempts", () => {
    const running = reach("running");
    const back = transition(running, { type: "fail", by: "P1", time: 30 }, params);
    expect(back).toEqual({ status: "pending", owner: OWNER, attempts: 1, avoidProviders: ["P1"] });
    expect(codeOf(() => transition(back, schedule("P1"), params))).toBe("TASK_ILLEGAL_TRANSITION");
    const failed = reach("failed");
    expect(failed).toMatchObject({
      status: "failed",
      attempts: 3,
      avoidProviders: ["P1", "P2", "P3"],
      endedAt: 60,
    });
  });

  it("detects an overdue acknowledgement", () => {
    const t = transition(newTaskLifecycle(OWNER), schedule("P1", 10), params);
    expect(isAckOverdue(t, 14, params)).toBe(false);
    expect(isAckOverdue(t, 15, params)).toBe(true);
    expect(isAckOverdue(newTaskLifecycle(OWNER), 99, params)).toBe(false);
  });

  it("rejects a provider acknowledging or failing someone else's task, and strangers cancelling", () => {
    const scheduled = reach("scheduled");
    expect(codeOf(() => transition(scheduled, { type: "ack", by: "P2", time: 1 }, params))).toBe(
      "TASK_NOT_ASSIGNEE",
    );
    expect(codeOf(() => transition(scheduled, { type: "fail", by: "P2", time: 1 }, params))).toBe(
      "TASK_NOT_ASSIGNEE",
    );
    expect(codeOf(() => transition(scheduled, { type: "cancel", by: "P1", time: 1 }, params))).toBe(
      "TASK_NOT_OWNER",
    );
    const running = reach("running");
    expect(codeOf(() => transition(running, { type: "complete", by: "X", time: 1 }, params))).toBe(
      "TASK_NOT_ASSIGNEE",
    );
    expect(transition(running, { type: "complete", by: OWNER, time: 5 }, params).status).toBe("completed");
  });

  it("accepts exactly the events of its transition table from every status", () => {
    const statuses: TaskStatus[] = [
      "pending",
      "scheduled",
      "running",
      "completed",
      "failed",
      "cancelled",
      "expired",
    ];
    for (const status of statuses) {
      const t = reach(status);
      expect(t.status).toBe(status);
      for (const e of ALL_EVENTS) {
        // Use the right actor for the task so only the table decides.
        const event =
          "by" in e && e.type !== "cancel" && e.type !== "complete" ? { ...e, by: t.provider ?? "P1" } : e;
        const code = codeOf(() => transition(t, event, params));
        if (ALLOWED_EVENTS[status].includes(e.type)) {
          expect(code, `${status} + ${e.type}`).toBeUndefined();
        } else {
          const terminal = ALLOWED_EVENTS[status].length === 0;
          expect(code, `${status} + ${e.type}`).toBe(
            terminal ? "TASK_ALREADY_FINISHED" : "TASK_ILLEGAL_TRANSITION",
          );
        }
      }
    }
  });
});
