/**
 * The task lifecycle as an explicit, pure transition function:
 *
 *   pending ──schedule──▶ scheduled ──ack──▶ running ──complete──▶ completed
 *      ▲                     │  │                │
 *      └──ackTimeout/fail────┘  │                ├──fail──▶ pending (redeploy elsewhere) | failed
 *      (failed once attempts    │                │
 *       reach maxAttempts)      │                │
 *   cancel (owner): pending | scheduled | running ──▶ cancelled
 *   expire:         pending | scheduled | running ──▶ expired
 *
 * A provider that misses the acknowledgement deadline or reports failure sends the task back to
 * pending and is added to `avoidProviders`, so the scheduler redeploys it in another data centre.
 */
import { MarketError } from "./errors.js";

export type TaskStatus =
  | "pending"
  | "scheduled"
  | "running"
  | "completed"
  | "failed"
  | "cancelled"
  | "expired";

export const TERMINAL_STATUSES: readonly TaskStatus[] = ["completed", "failed", "cancelled", "expired"];

export const isTerminal = (status: TaskStatus): boolean => TERMINAL_STATUSES.includes(status);

export interface TaskLifecycle {
  readonly status: TaskStatus;
  readonly owner: string;
  /** Set while scheduled or running. */
  readonly provider?: string;
  readonly instanceId?: string;
  /** Height at which the current placement was made (the ack deadline counts from here). */
  readonly scheduledHeight?: number;
  /** Block time (s) the current placement started running. */
  readonly startedAt?: number;
  /** Block time (s) the task reached a terminal state. */
  readonly endedAt?: number;
  /** Placements lost to an ack timeout or a failure so far. */
  readonly attempts: number;
  /** Providers that lost this task; the scheduler does not place it there again. */
  readonly avoidProviders: readonly string[];
}

export type TaskEvent =
  | {
      readonly type: "schedule";
      readonly provider: string;
      readonly instanceId: string;
      readonly height: number;
    }
  | { readonly type: "ack"; readonly by: string; readonly time: number }
  | { readonly type: "ackTimeout"; readonly time: number }
  | { readonly type: "fail"; readonly by: string; readonly time: number }
  | { readonly type: "complete"; readonly by: string; readonly time: number }
  | { readonly type: "cancel"; readonly by: string; readonly time: number }
  | { readonly type: "expire"; readonly time: number };

export type TaskEventType = TaskEvent["type"];

export interface LifecycleParams {
  /** Lost placements after which the task fails for good instead of returning to pending. */
  readonly maxAttempts: number;
  /** Blocks a provider has to acknowledge a placement. */
  readonly ackTimeoutBlocks: number;
}

export const DEFAULT_LIFECYCLE_PARAMS: LifecycleParams = { maxAttempts: 3, ackTimeoutBlocks: 20 };

/** Which events each non-terminal status accepts (terminal statuses accept none). */
export const ALLOWED_EVENTS: Readonly<Record<TaskStatus, readonly TaskEventType[]>> = {
  pending: ["schedule", "cancel", "expire"],
  scheduled: ["ack", "ackTimeout", "fail", "cancel", "expire"],
  running: ["fail", "complete", "cancel", "expire"],
  completed: [],
  failed: [],
  cancelled: [],
  expired: [],
};

export function newTaskLifecycle(owner: string): TaskLifecycle {
  return { status: "pending", owner, attempts: 0, avoidProviders: [] };
}

/** True when a scheduled task's provider has let the ack deadline pass at `height`. */
export function isAckOverdue(task: TaskLifecycle, height: number, params: LifecycleParams): boolean {
  return (
    task.status === "scheduled" &&
    task.scheduledHeight !== undefined &&
    height >= task.scheduledHeight + params.ackTimeoutBlocks
  );
}

function unplaced(task: TaskLifecycle): TaskLifecycle {
  const { provider: _p, instanceId: _i, scheduledHeight: _h, startedAt: _s, ...rest } = task;
  return rest;
}

/** The placement was lost: back to pending (avoiding that provider), or failed when out of attempts. */
function lose(task: TaskLifecycle, time: number, params: LifecycleParams): TaskLifecycle {
  const attempts = task.attempts + 1;
  const provider = task.provider;
  const avoidProviders =
    provider === undefined || task.avoidProviders.includes(provider)
      ? task.avoidProviders
      : [...task.avoidProviders, provider];
  const base = { ...unplaced(task), attempts, avoidProviders };
  if (attempts >= params.maxAttempts) {
    return { ...base, status: "failed", endedAt: time };
  }
  return { ...base, status: "pending" };
}

function assertAssignee(task: TaskLifecycle, by: string, what: string): void {
  if (task.provider !== by) {
    throw new MarketError(
      "TASK_NOT_ASSIGNEE",
      `${by} cannot ${what}: the task is placed with ${task.provider}`,
      {
        by,
        provider: task.provider,
      },
    );
  }
}

/**
 * Applies one event. Returns the new lifecycle; the input is never modified. Illegal events raise
 * TASK_ILLEGAL_TRANSITION / TASK_ALREADY_FINISHED, wrong actors TASK_NOT_ASSIGNEE / TASK_NOT_OWNER.
 */
export function transition(
  task: TaskLifecycle,
  event: TaskEvent,
  params: LifecycleParams = DEFAULT_LIFECYCLE_PARAMS,
): TaskLifecycle {
  if (isTerminal(task.status)) {
    throw new MarketError(
      "TASK_ALREADY_FINISHED",
      `the task is already ${task.status}; ${event.type} is not possible`,
      {
        status: task.status,
        event: event.type,
      },
    );
  }
  if (!ALLOWED_EVENTS[task.status].includes(event.type)) {
    throw new MarketError("TASK_ILLEGAL_TRANSITION", `a ${task.status} task cannot take "${event.type}"`, {
      status: task.status,
      event: event.type,
    });
  }
  switch (event.type) {
    case "schedule":
      if (task.avoidProviders.includes(event.provider)) {
        throw new MarketError(
          "TASK_ILLEGAL_TRANSITION",
          `provider ${event.provider} already lost this task`,
          {
            provider: event.provider,
          },
        );
      }
      return {
        ...task,
        status: "scheduled",
        provider: event.provider,
        instanceId: event.instanceId,
        scheduledHeight: event.height,
      };
    case "ack":
      assertAssignee(task, event.by, "acknowledge this task");
      return { ...task, status: "running", startedAt: event.time };
    case "ackTimeout":
      return lose(task, event.time, params);
    case "fail":
      assertAssignee(task, event.by, "report this task failed");
      return lose(task, event.time, params);
    case "complete":
      if (event.by !== task.owner && event.by !== task.provider) {
        throw new MarketError(
          "TASK_NOT_ASSIGNEE",
          `${event.by} is neither the owner nor the provider of this task`,
          {
            by: event.by,
          },
        );
      }
      return { ...task, status: "completed", endedAt: event.time };
    case "cancel":
      if (event.by !== task.owner) {
        throw new MarketError("TASK_NOT_OWNER", `only the owner ${task.owner} can cancel this task`, {
          by: event.by,
        });
      }
      return { ...task, status: "cancelled", endedAt: event.time };
    case "expire":
      return { ...task, status: "expired", endedAt: event.time };
  }
}
