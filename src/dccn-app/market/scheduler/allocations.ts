/** Aggregates of live allocations, the scheduler's carried state between blocks. */
import { fromVector, type Resources, toVector } from "../resources.js";
import type { UserUsage } from "./types.js";
import { addInto, zeroVector } from "./vector.js";

const compareStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Per-instance consumption and per-(provider, user) usage from a list of live allocations. */
export function aggregateAllocations(
  allocations: readonly {
    readonly owner: string;
    readonly provider: string;
    readonly instanceId: string;
    readonly demand: Resources;
  }[],
): { instanceUsed: Map<string, Resources>; usage: UserUsage[] } {
  const inst = new Map<string, bigint[]>();
  const users = new Map<string, { provider: string; user: string; used: bigint[] }>();
  for (const a of allocations) {
    const v = toVector(a.demand);
    const ik = `${a.provider}\u0000${a.instanceId}`;
    const iv = inst.get(ik) ?? zeroVector();
    addInto(iv, v);
    inst.set(ik, iv);
    const uk = `${a.provider}\u0000${a.owner}`;
    const u = users.get(uk) ?? { provider: a.provider, user: a.owner, used: zeroVector() };
    addInto(u.used, v);
    users.set(uk, u);
  }
  const instanceUsed = new Map<string, Resources>();
  for (const k of [...inst.keys()].sort(compareStr)) instanceUsed.set(k, fromVector(inst.get(k)!));
  const usage = [...users.keys()]
    .sort(compareStr)
    .map((k) => users.get(k)!)
    .map((u) => ({ provider: u.provider, user: u.user, used: fromVector(u.used) }));
  return { instanceUsed, usage };
}

/** Key of `aggregateAllocations().instanceUsed`. */
export const instanceKey = (provider: string, instanceId: string): string => `${provider}\u0000${instanceId}`;
