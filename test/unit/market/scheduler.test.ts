import { describe, expect, it } from "vitest";
import {
  type Assignment,
  addResources,
  aggregateAllocations,
  costOf,
  DEFAULT_SCHEDULER_PARAMS,
  fitsWithin,
  type InstanceState,
  instanceKey,
  ONE,
  type PendingTask,
  type ProviderView,
  type Resources,
  resources,
  type ScheduleInput,
  type SchedulerParams,
  scheduleTasks,
  subResources,
  weightedDominantShare,
  ZERO_RESOURCES,
} from "../../../src/dccn-app/market/index.js";
import { isDccnError } from "../../../src/errors.js";
import { randomMarket } from "./fixtures.js";
import { Prng } from "./prng.js";

const GiB = 1n << 30n;

function provider(address: string, over: Partial<ProviderView> = {}): ProviderView {
  return { address, reputation: ONE / 2n, indices: [0n, 0n, 0n, 0n, 0n], ...over };
}

function instance(
  providerAddr: string,
  id: string,
  capacity: Resources,
  over: Partial<InstanceState> = {},
): InstanceState {
  return {
    id,
    provider: providerAddr,
    capacity,
    used: ZERO_RESOURCES,
    prices: resources({ cpu: 1n, memory: 1n }),
    available: true,
    region: "eu",
    tags: [],
    ...over,
  };
}

function tasks(owner: string, n: number, demand: Resources, over: Partial<PendingTask> = {}): PendingTask[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${owner}-${String(i).padStart(4, "0")}`,
    owner,
    submitHeight: 1,
    demand,
    maxPricePerSec: 10n ** 30n,
    ...over,
  }));
}

function market(over: Partial<ScheduleInput>): ScheduleInput {
  return { instances: [], providers: [], users: [], usage: [], pending: [], ...over };
}

/** Sum of assigned demand per user. */
function usedBy(assignments: readonly Assignment[]): Map<string, Resources> {
  const m = new Map<string, Resources>();
  for (const a of assignments) m.set(a.owner, addResources(m.get(a.owner) ?? ZERO_RESOURCES, a.demand));
  return m;
}

describe("WDRF scheduler on one provider", () => {
  it("reproduces the DRF paper's example: <1 CPU, 4 GB> × 3 and <3 CPU, 1 GB> × 2 on 9 CPU, 18 GB", () => {
    const r = scheduleTasks(
      market({
        providers: [provider("P")],
        instances: [instance("P", "x", resources({ cpu: 9000n, memory: 18n * GiB }))],
        pending: [
          ...tasks("A", 10, resources({ cpu: 1000n, memory: 4n * GiB })),
          ...tasks("B", 10, resources({ cpu: 3000n, memory: GiB })),
        ],
      }),
    );
    const counts = { A: 0, B: 0 };
    for (const a of r.assignments) counts[a.owner as "A" | "B"]++;
    expect(counts).toEqual({ A: 3, B: 2 });
    // Both end on a dominant share of 2/3 (memory for A, cpu for B).
    const cap = resources({ cpu: 9000n, memory: 18n * GiB });
    const used = usedBy(r.assignments);
    expect(weightedDominantShare(used.get("A")!, cap, ONE)).toBe((2n * ONE) / 3n);
    expect(weightedDominantShare(used.get("B")!, cap, ONE)).toBe((2n * ONE) / 3n);
    expect(r.fullProviders).toEqual(["P"]);
    expect(r.unplaced).toHaveLength(15);
  });

  it("equalises weighted dominant shares as far as task granularity allows (progressive filling)", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Prng(seed);
      const cap = resources({
        cpu: BigInt(rng.int(8, 64) * 1000),
        memory: BigInt(rng.int(8, 64)) * GiB,
        gpu: 8n,
      });
      const users = Array.from({ length: rng.int(2, 6) }, (_, i) => `u${i}`);
      const weights = new Map(users.map((u) => [u, seed % 2 === 0 ? ONE : ONE * BigInt(rng.int(1, 4))]));
      const pending: PendingTask[] = [];
      const demandOf = new Map<string, Resources>();
      for (const u of users) {
        const d = resources({
          cpu: BigInt(rng.int(1, 20) * 100),
          memory: BigInt(rng.int(1, 20)) * (GiB / 4n),
          gpu: rng.chance(20) ? 1n : 0n,
        });
        demandOf.set(u, d);
        pending.push(...tasks(u, 200, d));
      }
      const r = scheduleTasks(
        market({
          providers: [provider("P")],
          instances: [instance("P", "only", cap)],
          users: users.map((u) => ({ address: u, weight: weights.get(u)! })),
          pending: rng.shuffle(pending),
        }),
      );
      const used = usedBy(r.assignments);
      const share = (u: string) => weightedDominantShare(used.get(u) ?? ZERO_RESOURCES, cap, weights.get(u)!);
      const waiting = users.filter((u) => r.unplaced.some((id) => id.startsWith(`${u}-`)));
      expect(waiting.length).toBeGreaterThan(0);
      for (const a of users) {
        const got = used.get(a);
        if (got === undefined) continue;
        // When a's last task was placed, a had the lowest share; shares only grow afterwards.
        const before = weightedDominantShare(subResources(got, demandOf.get(a)!), cap, weights.get(a)!);
        for (const b of waiting) expect(before <= share(b), `seed ${seed}: ${a} vs ${b}`).toBe(true);
      }
      // Nobody still waiting is more than one task ahead of anybody else still waiting.
      for (const a of waiting) {
        const oneTask = weightedDominantShare(demandOf.get(a)!, cap, weights.get(a)!);
        for (const b of waiting) expect(share(a) - share(b) <= oneTask + 2n, `seed ${seed}`).toBe(true);
      }
      // Capacity is respected.
      expect(fitsWithin([...used.values()].reduce(addResources, ZERO_RESOURCES), cap)).toBe(true);
    }
  });

  it("gives a user with double weight double the dominant share", () => {
    const cap = resources({ cpu: 30_000n, memory: 64n * GiB });
    const d = resources({ cpu: 100n, memory: GiB / 8n });
    const run = (wB: bigint) =>
      usedBy(
        scheduleTasks(
          market({
            providers: [provider("P")],
            instances: [instance("P", "x", cap)],
            users: [
              { address: "A", weight: ONE },
              { address: "B", weight: wB },
            ],
            pending: [...tasks("A", 400, d), ...tasks("B", 400, d)],
          }),
        ).assignments,
      );
    const equal = run(ONE);
    const doubled = run(2n * ONE);
    expect(equal.get("A")!.cpu).toBe(15_000n);
    expect(equal.get("B")!.cpu).toBe(15_000n);
    // Progressive filling ends with s_B / 2 = s_A: B holds 2/3 of the cpu, A 1/3.
    expect(doubled.get("B")!.cpu).toBe(20_000n);
    expect(doubled.get("A")!.cpu).toBe(10_000n);
  });

  it("carries fairness across blocks through the users' running allocations", () => {
    const cap = resources({ cpu: 100n, memory: 100n });
    const d = resources({ cpu: 10n, memory: 1n });
    const r = scheduleTasks(
      market({
        providers: [provider("P")],
        instances: [instance("P", "x", cap, { used: resources({ cpu: 40n, memory: 4n }) })],
        usage: [{ provider: "P", user: "A", used: resources({ cpu: 40n, memory: 4n }) }],
        pending: [...tasks("A", 10, d), ...tasks("B", 10, d)],
      }),
    );
    // B catches up to A's 40 first; the tie then goes to A (lower address), then B fills the rest.
    expect(r.assignments.map((a) => a.owner).join("")).toBe("BBBBAB");
  });

  it("keeps a flood of one user's tasks from crowding out another's within the work bound", () => {
    const r = scheduleTasks(
      market({
        providers: [provider("P")],
        instances: [instance("P", "x", resources({ cpu: 1_000_000n, memory: 1_000_000n }))],
        pending: [
          ...tasks("A", 500, resources({ cpu: 1n, memory: 1n })),
          ...tasks("Z", 1, resources({ cpu: 1n, memory: 1n }), { submitHeight: 9 }),
        ],
      }),
      { ...DEFAULT_SCHEDULER_PARAMS, maxTasksPerCall: 4 },
    );
    expect(r.considered).toBe(4);
    expect(r.assignments.map((a) => a.taskId)).toContain("Z-0000");
  });
});

describe("WDRF scheduler across providers", () => {
  it("prefers the cheaper instance, and reputation when it is weighted more", () => {
    const cap = resources({ cpu: 4000n, memory: 4n * GiB });
    const input = market({
      providers: [
        provider("P1", { indices: [0n, 0n, 0n, 0n, 0n] }),
        provider("P2", { indices: [ONE, ONE, ONE, ONE, ONE] }),
      ],
      instances: [
        instance("P1", "cheap", cap, { prices: resources({ cpu: 1n, memory: 1n }) }),
        instance("P2", "dear", cap, { prices: resources({ cpu: 4n, memory: 4n }) }),
      ],
      pending: tasks("A", 1, resources({ cpu: 1000n, memory: GiB }), { maxPricePerSec: 8n * GiB }),
    });
    const byPrice = scheduleTasks(input, { ...DEFAULT_SCHEDULER_PARAMS, indexWeights: [0n, 0n, 0n, 0n, 0n] });
    expect(byPrice.assignments[0]).toMatchObject({ provider: "P1", instanceId: "cheap" });
    expect(byPrice.assignments[0]!.pricePerSec).toBe(1000n + GiB);
    const byRep = scheduleTasks(input, { ...DEFAULT_SCHEDULER_PARAMS, priceWeight: ONE / 10n });
    expect(byRep.assignments[0]).toMatchObject({ provider: "P2", instanceId: "dear" });
  });

  it("honours region, tags, minimum reputation, the price ceiling and providers to avoid", () => {
    const cap = resources({ cpu: 4000n, memory: 4n * GiB });
    const d = resources({ cpu: 1000n, memory: GiB });
    const input = market({
      providers: [
        provider("P1", { reputation: ONE / 10n }),
        provider("P2", { reputation: ONE }),
        provider("P3"),
      ],
      instances: [
        instance("P1", "a", cap, { region: "eu", tags: ["ssd"] }),
        instance("P2", "b", cap, { region: "us", tags: ["gpu"], prices: resources({ cpu: 2n, memory: 2n }) }),
        instance("P3", "c", cap, { region: "asia", tags: ["ssd", "gpu"] }),
      ],
      pending: [
        ...tasks("region", 1, d, { constraints: { region: "us" } }),
        ...tasks("tags", 1, d, { constraints: { tags: ["ssd", "gpu"] } }),
        ...tasks("rep", 1, d, { constraints: { minReputation: (ONE * 9n) / 10n } }),
        ...tasks("cheap", 1, d, { maxPricePerSec: 1000n + GiB }),
        ...tasks("avoid", 1, d, { avoidProviders: ["P1", "P3"] }),
        ...tasks("nowhere", 1, d, { constraints: { region: "mars" } }),
        ...tasks("toolarge", 1, resources({ cpu: 5000n, memory: GiB })),
      ],
    });
    const r = scheduleTasks(input);
    const where = Object.fromEntries(r.assignments.map((a) => [a.owner, a.provider]));
    expect(where).toMatchObject({ region: "P2", tags: "P3", rep: "P2", avoid: "P2" });
    expect(["P1", "P3"]).toContain(where.cheap);
    expect(r.unplaced).toEqual(["nowhere-0000", "toolarge-0000"]);
  });

  it("routes tasks a full provider could not take to the next best provider", () => {
    const d = resources({ cpu: 1000n, memory: GiB });
    const r = scheduleTasks(
      market({
        providers: [provider("BEST", { indices: [ONE, ONE, ONE, ONE, ONE] }), provider("NEXT")],
        instances: [
          instance("BEST", "small", resources({ cpu: 2000n, memory: 8n * GiB })),
          instance("NEXT", "big", resources({ cpu: 8000n, memory: 8n * GiB })),
        ],
        pending: [...tasks("A", 4, d), ...tasks("B", 4, d)],
      }),
    );
    expect(r.assignments).toHaveLength(8);
    expect(r.fullProviders).toEqual(["BEST"]);
    expect(r.rounds).toBe(2);
    // WDRF at BEST let A and B in one each before it was full.
    expect(r.assignments.filter((a) => a.provider === "BEST").map((a) => a.owner)).toEqual(["A", "B"]);
  });

  it("spreads one block's batch over the market instead of queueing at the best provider", () => {
    const d = resources({ cpu: 1000n, memory: GiB });
    const providers = Array.from({ length: 20 }, (_, i) =>
      provider(`P${String(i).padStart(2, "0")}`, { indices: [BigInt(20 - i) * (ONE / 20n), 0n, 0n, 0n, 0n] }),
    );
    const input = market({
      providers,
      instances: providers.map((p) => instance(p.address, "x", resources({ cpu: 2000n, memory: 8n * GiB }))),
      pending: [...tasks("A", 20, d), ...tasks("B", 20, d)],
    });
    const params = { ...DEFAULT_SCHEDULER_PARAMS, maxRounds: 4, routingOversubscriptionPct: 200 };
    const r = scheduleTasks(input, params);
    // Every task prefers P00, which holds two; queueing there would place 2 per round (8 in all).
    expect(r.assignments.length).toBeGreaterThanOrEqual(30);
    expect(new Set(r.assignments.map((a) => a.provider)).size).toBeGreaterThanOrEqual(15);
    const herd = scheduleTasks(input, { ...params, routingOversubscriptionPct: 1_000_000 });
    expect(herd.assignments).toHaveLength(8);
  });

  it("never exceeds capacity and respects every constraint on random markets", () => {
    for (let seed = 1; seed <= 15; seed++) {
      const rng = new Prng(1000 + seed);
      const input = randomMarket(rng, {
        providers: rng.int(1, 12),
        instancesPerProvider: rng.int(1, 8),
        users: rng.int(1, 10),
        tasks: rng.int(10, 400),
        constrained: 40,
        busy: 30,
      });
      const params: SchedulerParams = { ...DEFAULT_SCHEDULER_PARAMS, maxTasksPerCall: rng.int(5, 400) };
      const r = scheduleTasks(input, params);
      expect(r.considered).toBe(Math.min(params.maxTasksPerCall, input.pending.length));
      expect(r.assignments.length + r.unplaced.length).toBe(r.considered);
      const taskById = new Map(input.pending.map((t) => [t.id, t]));
      const instByKey = new Map(input.instances.map((x) => [instanceKey(x.provider, x.id), x]));
      const provByAddr = new Map(input.providers.map((p) => [p.address, p]));
      const load = new Map<string, Resources>();
      const placed = new Set<string>();
      for (const a of r.assignments) {
        expect(placed.has(a.taskId)).toBe(false);
        placed.add(a.taskId);
        const t = taskById.get(a.taskId)!;
        const x = instByKey.get(instanceKey(a.provider, a.instanceId))!;
        expect(x.available).toBe(true);
        const c = t.constraints ?? {};
        if (c.region !== undefined) expect(x.region).toBe(c.region);
        for (const tag of c.tags ?? []) expect(x.tags).toContain(tag);
        expect(provByAddr.get(a.provider)!.reputation >= (c.minReputation ?? 0n)).toBe(true);
        expect(t.avoidProviders ?? []).not.toContain(a.provider);
        expect(a.pricePerSec).toBe(costOf(t.demand, x.prices));
        expect(a.pricePerSec <= t.maxPricePerSec).toBe(true);
        const k = instanceKey(a.provider, a.instanceId);
        load.set(k, addResources(load.get(k) ?? x.used, t.demand));
      }
      for (const [k, used] of load)
        expect(fitsWithin(used, instByKey.get(k)!.capacity), `seed ${seed}`).toBe(true);
      expect(r.assignments.length).toBeGreaterThan(0);
    }
  });

  it("does not depend on the order of tasks, instances, providers or users in the input", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rng = new Prng(2000 + seed);
      const input = randomMarket(rng, {
        providers: rng.int(1, 8),
        instancesPerProvider: rng.int(1, 6),
        users: rng.int(2, 8),
        tasks: rng.int(20, 300),
        constrained: 30,
        busy: 20,
      });
      const params = { ...DEFAULT_SCHEDULER_PARAMS, maxTasksPerCall: rng.int(10, 300) };
      const want = scheduleTasks(input, params);
      const shuffled: ScheduleInput = {
        instances: rng.shuffle(input.instances),
        providers: rng.shuffle(input.providers),
        users: rng.shuffle(input.users),
        usage: rng.shuffle(input.usage),
        pending: rng.shuffle(input.pending),
      };
      expect(scheduleTasks(shuffled, params)).toEqual(want);
    }
  });

  it("aggregates live allocations into instance consumption and per-provider user usage", () => {
    const d = resources({ cpu: 1n, memory: 2n });
    const { instanceUsed, usage } = aggregateAllocations([
      { owner: "B", provider: "P", instanceId: "x", demand: d },
      { owner: "A", provider: "P", instanceId: "x", demand: d },
      { owner: "A", provider: "Q", instanceId: "y", demand: d },
      { owner: "A", provider: "P", instanceId: "z", demand: d },
    ]);
    expect(instanceUsed.get(instanceKey("P", "x"))).toEqual(resources({ cpu: 2n, memory: 4n }));
    expect(usage).toEqual([
      { provider: "P", user: "A", used: resources({ cpu: 2n, memory: 4n }) },
      { provider: "P", user: "B", used: d },
      { provider: "Q", user: "A", used: d },
    ]);
  });

  it("rejects malformed input with typed errors", () => {
    const base = market({
      providers: [provider("P")],
      instances: [instance("P", "x", resources({ cpu: 10n, memory: 10n }))],
    });
    const bad: [ScheduleInput, SchedulerParams | undefined, string][] = [
      [
        { ...base, pending: [...tasks("A", 1, resources({ cpu: -1n })), ...[]] },
        undefined,
        "MARKET_INVALID_RESOURCES",
      ],
      [
        {
          ...base,
          pending: [...tasks("A", 1, resources({ cpu: 1n })), ...tasks("A", 1, resources({ cpu: 1n }))],
        },
        undefined,
        "MARKET_INVALID_INPUT",
      ],
      [
        { ...base, instances: [instance("Q", "x", resources({ cpu: 1n }))] },
        undefined,
        "MARKET_INVALID_INPUT",
      ],
      [{ ...base, users: [{ address: "A", weight: 0n }] }, undefined, "MARKET_INVALID_INPUT"],
      [{ ...base, providers: [provider("P", { indices: [1n] })] }, undefined, "MARKET_INVALID_INPUT"],
      [base, { ...DEFAULT_SCHEDULER_PARAMS, maxTasksPerCall: 0 }, "MARKET_INVALID_PARAMS"],
    ];
    for (const [input, params, code] of bad) {
      let caught: unknown;
      try {
        scheduleTasks(input, params);
      } catch (err) {
        caught = err;
      }
      expect(isDccnError(caught, code)).toBe(true);
    }
  });
});
