/**
 * Step 3, the seed's WDRFSche at one provider: the user with the lowest weighted dominant share
 * goes next; stop when its next task does not fit.
 */
import { costOf } from "../resources.js";
import type { Candidate } from "./candidates.js";
import { MinHeap } from "./heap.js";
import type { InstanceIndex } from "./instance-index.js";
import { weightedShareOf } from "./share.js";
import type { Assignment, InstanceState, SchedulerParams } from "./types.js";
import { addInto, DIMS, zeroVector } from "./vector.js";

/** One provider's WDRF state during a scheduling call. */
export interface ProviderRun {
  readonly address: string;
  /** Its leaves in the index: [lo, hi). */
  readonly lo: number;
  hi: number;
  /** R: capacities of its available instances. */
  readonly capacity: bigint[];
  /** C: consumed by running tasks and this call's placements. */
  readonly consumed: bigint[];
  /** U_i at this provider, by user. */
  readonly userUsed: Map<string, bigint[]>;
  full: boolean;
}

interface QueueEntry {
  readonly user: string;
  readonly weight: bigint;
  readonly tasks: Candidate[];
  head: number;
  share: bigint;
}

export function newProviderRun(address: string, lo: number): ProviderRun {
  return {
    address,
    lo,
    hi: lo,
    capacity: zeroVector(),
    consumed: zeroVector(),
    userUsed: new Map(),
    full: false,
  };
}

/** True when `claim` exceeds pct% of the provider's free capacity in some resource. */
export function oversubscribed(claim: readonly bigint[], run: ProviderRun, pct: number): boolean {
  const p = BigInt(pct);
  for (let k = 0; k < DIMS; k++) {
    const free = run.capacity[k]! - run.consumed[k]!;
    if (claim[k]! * 100n > p * free) return true;
  }
  return false;
}

/**
 * The seed's WDRFSche at one provider for the candidates routed to it this round. Returns the
 * candidates it could not place (non-empty only when the provider became full).
 */
export function wdrfAtProvider(
  run: ProviderRun,
  routed: readonly Candidate[],
  index: InstanceIndex,
  instances: readonly InstanceState[],
  params: SchedulerParams,
  weightOf: (user: string) => bigint,
  out: Assignment[],
): Candidate[] {
  const byUser = new Map<string, Candidate[]>();
  for (const c of routed) {
    const list = byUser.get(c.task.owner);
    if (list === undefined) byUser.set(c.task.owner, [c]);
    else list.push(c); // routed is in rank order, so each list is oldest-first
  }
  const heap = new MinHeap<QueueEntry>(
    (a, b) => a.share < b.share || (a.share === b.share && a.user < b.user),
  );
  for (const [user, tasks] of byUser) {
    const weight = weightOf(user);
    const used = run.userUsed.get(user) ?? zeroVector();
    heap.push({ user, weight, tasks, head: 0, share: weightedShareOf(used, run.capacity, weight) });
  }
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) {
    const c = e.tasks[e.head]!;
    const d = c.demand;
    let fits = true;
    for (let k = 0; k < DIMS && fits; k++) fits = run.consumed[k]! + d[k]! <= run.capacity[k]!;
    const leaf = fits ? index.best(c.query!, run.lo, run.hi, params.maxVisitsPerTask).leaf : -1;
    if (leaf < 0) {
      // The provider is full: it stops, and everyone still queued here tries elsewhere.
      run.full = true;
      index.close(run.lo, run.hi);
      const left = e.tasks.slice(e.head);
      for (let r = heap.pop(); r !== undefined; r = heap.pop()) left.push(...r.tasks.slice(r.head));
      return left;
    }
    index.consume(leaf, d);
    addInto(run.consumed, d);
    const used = run.userUsed.get(e.user) ?? zeroVector();
    addInto(used, d);
    run.userUsed.set(e.user, used);
    const inst = instances[leaf]!;
    out.push({
      taskId: c.task.id,
      owner: c.task.owner,
      provider: run.address,
      instanceId: inst.id,
      demand: c.task.demand,
      pricePerSec: costOf(c.task.demand, inst.prices),
    });
    e.head++;
    if (e.head < e.tasks.length) {
      e.share = weightedShareOf(used, run.capacity, e.weight);
      heap.push(e);
    }
  }
  return [];
}
