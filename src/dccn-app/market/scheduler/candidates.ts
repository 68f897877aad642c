/**
 * Step 1 of a scheduling call: which pending tasks are considered (bounded work), in which order,
 * and each one's request compiled against the instance index.
 */
import { MarketError } from "../errors.js";
import { ONE } from "../fixed.js";
import { assertResources, toVector } from "../resources.js";
import { MinHeap } from "./heap.js";
import type { IndexQuery, InstanceIndex } from "./instance-index.js";
import type { PendingTask } from "./types.js";

export interface Candidate {
  readonly task: PendingTask;
  /** Position in the selection order; spilled tasks keep it. */
  readonly rank: number;
  readonly demand: bigint[];
  /** undefined when the constraints name a region or tag no instance has. */
  readonly query: IndexQuery | undefined;
}

const invalid = (message: string) => new MarketError("MARKET_INVALID_INPUT", message);
const compareStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Weighted round-robin over users' oldest tasks, at most `max` of them: user i's k-th task gets
 * virtual time k/w_i (k from 1); ties go to the lower market-wide share, then the lower address. Also
 * validates every pending task.
 */
export function selectCandidates(
  pending: readonly PendingTask[],
  max: number,
  weightOf: (user: string) => bigint,
  marketShare: (user: string) => bigint,
): PendingTask[] {
  const byOwner = new Map<string, PendingTask[]>();
  const ids = new Set<string>();
  for (const t of pending) {
    if (ids.has(t.id)) throw invalid(`task ${t.id} is pending twice`);
    ids.add(t.id);
    assertResources(t.demand, `task ${t.id} demand`);
    if (t.maxPricePerSec < 0n) throw invalid(`task ${t.id} has a negative maxPricePerSec`);
    if (!Number.isSafeInteger(t.submitHeight) || t.submitHeight < 0) {
      throw invalid(`task ${t.id} has an invalid submitHeight ${t.submitHeight}`);
    }
    const list = byOwner.get(t.owner);
    if (list === undefined) byOwner.set(t.owner, [t]);
    else list.push(t);
  }
  interface Turn {
    readonly owner: string;
    readonly tasks: PendingTask[];
    readonly weight: bigint;
    readonly share: bigint;
    k: number;
    vt: bigint;
  }
  const heap = new MinHeap<Turn>(
    (a, b) =>
      a.vt < b.vt || (a.vt === b.vt && (a.share < b.share || (a.share === b.share && a.owner < b.owner))),
  );
  for (const [owner, tasks] of byOwner) {
    tasks.sort((a, b) => a.submitHeight - b.submitHeight || compareStr(a.id, b.id));
    const weight = weightOf(owner);
    heap.push({ owner, tasks, weight, share: marketShare(owner), k: 0, vt: (ONE * ONE) / weight });
  }
  const out: PendingTask[] = [];
  while (out.length < max) {
    const turn = heap.pop();
    if (turn === undefined) break;
    out.push(turn.tasks[turn.k]!);
    turn.k++;
    if (turn.k < turn.tasks.length) {
      turn.vt = (BigInt(turn.k + 1) * ONE * ONE) / turn.weight;
      heap.push(turn);
    }
  }
  return out;
}

/** The task as an index query, or undefined when a region or tag it needs exists nowhere. */
export function compileQuery(task: PendingTask, index: InstanceIndex): IndexQuery | undefined {
  const c = task.constraints ?? {};
  let regionBit = 0n;
  if (c.region !== undefined) {
    const b = index.regionBit(c.region);
    if (b === undefined) return undefined;
    regionBit = b;
  }
  let tagMask = 0n;
  if (c.tags !== undefined && c.tags.length > 0) {
    const m = index.tagMaskOf(c.tags);
    if (m === undefined) return undefined;
    tagMask = m;
  }
  return {
    demand: toVector(task.demand),
    maxPrice: task.maxPricePerSec,
    regionBit,
    tagMask,
    minReputation: c.minReputation ?? 0n,
    avoidProviders: task.avoidProviders ?? [],
  };
}
