import { describe, expect, it } from "vitest";
import {
  costOf,
  fromVector,
  type IndexedInstance,
  type IndexQuery,
  InstanceIndex,
  ONE,
  toVector,
} from "../../../src/dccn-app/market/index.js";
import { REGIONS, randomCapacity, randomDemand, randomPrices, TAGS } from "./fixtures.js";
import { Prng } from "./prng.js";

const PRICE_WEIGHT = ONE;

/** The reference: scan every open leaf, apply every filter, keep the highest score (first on a tie). */
function bruteForce(
  leaves: { inst: IndexedInstance; free: bigint[]; open: boolean }[],
  q: IndexQuery,
  region: string | undefined,
  tags: readonly string[],
  lo: number,
  hi: number,
): { leaf: number; score: bigint } {
  let best = -1;
  let bestScore = -1n;
  for (let i = lo; i < hi; i++) {
    const { inst, free, open } = leaves[i]!;
    if (!open) continue;
    if (q.demand.some((d, k) => d > free[k]!)) continue;
    if (region !== undefined && inst.region !== region) continue;
    if (!tags.every((t) => inst.tags.includes(t))) continue;
    if (inst.reputation < q.minReputation) continue;
    if (q.avoidProviders.includes(inst.provider)) continue;
    const cost = costOf(fromVector(q.demand), fromVector(inst.prices));
    if (cost > q.maxPrice) continue;
    // z·M·ONE² with M = max(maxPrice, 1): the exact score, no rounding.
    const m = q.maxPrice === 0n ? 1n : q.maxPrice;
    const score = inst.repPart * m + PRICE_WEIGHT * ONE * (m - cost);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return { leaf: best, score: bestScore };
}

describe("InstanceIndex (Filter + Prioritize)", () => {
  it("returns exactly the brute-force argmax through allocations, closures and range queries", () => {
    let found = 0;
    let queries = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const rng = new Prng(seed);
      const n = rng.int(1, 180);
      const providers = Array.from({ length: rng.int(1, 12) }, (_, i) => ({
        address: `p${String(i).padStart(3, "0")}`,
        repPart: BigInt(rng.int(0, 50)) * (ONE / 100n) * ONE,
        reputation: BigInt(rng.int(0, 100)) * (ONE / 100n),
      }));
      const insts: IndexedInstance[] = Array.from({ length: n }, (_, i) => {
        const p = rng.pick(providers);
        return {
          provider: p.address,
          id: `i${String(i).padStart(4, "0")}`,
          free: toVector(randomCapacity(rng)),
          prices: toVector(randomPrices(rng)),
          region: rng.pick(REGIONS),
          tags: TAGS.filter(() => rng.chance(40)),
          repPart: p.repPart,
          reputation: p.reputation,
        };
      }).sort((a, b) => (a.provider + a.id < b.provider + b.id ? -1 : 1));
      const index = new InstanceIndex(insts, PRICE_WEIGHT);
      const leaves = insts.map((inst) => ({ inst, free: [...inst.free], open: true }));

      for (let step = 0; step < 150; step++) {
        const region = rng.chance(30) ? rng.pick(REGIONS) : undefined;
        const tags = rng.chance(30) ? [rng.pick(TAGS)] : [];
        const q: IndexQuery = {
          demand: toVector(randomDemand(rng)),
          maxPrice: rng.chance(10) ? 0n : BigInt(rng.int(1, 100)) * 10n ** 10n,
          regionBit: region === undefined ? 0n : (index.regionBit(region) ?? 0n),
          tagMask: index.tagMaskOf(tags) ?? 0n,
          minReputation: rng.chance(30) ? BigInt(rng.int(0, 100)) * (ONE / 100n) : 0n,
          avoidProviders: rng.chance(10) ? [rng.pick(providers).address] : [],
        };
        if (
          (region !== undefined && index.regionBit(region) === undefined) ||
          index.tagMaskOf(tags) === undefined
        ) {
          continue;
        }
        const lo = rng.chance(30) ? rng.int(0, n - 1) : 0;
        const hi = lo === 0 && rng.chance(70) ? n : rng.int(lo, n);
        const got = index.best(q, lo, hi);
        queries++;
        if (got.leaf >= 0) found++;
        const want = bruteForce(leaves, q, region, tags, lo, hi);
        expect({ seed, step, leaf: got.leaf, score: got.leaf < 0 ? -1n : got.score }).toEqual({
          seed,
          step,
          leaf: want.leaf,
          score: want.score,
        });
        if (got.leaf >= 0 && rng.chance(70)) {
          index.consume(got.leaf, q.demand);
          const l = leaves[got.leaf]!;
          l.free = l.free.map((f, k) => f - q.demand[k]!);
          expect(index.free(got.leaf)).toEqual(l.free);
        }
        if (rng.chance(3)) {
          const p = rng.pick(providers).address;
          const first = leaves.findIndex((l) => l.inst.provider === p);
          if (first >= 0) {
            let last = first;
            while (last < n && leaves[last]!.inst.provider === p) last++;
            index.close(first, last);
            for (let i = first; i < last; i++) leaves[i]!.open = false;
          }
        }
      }
    }
    // The cases must exercise both outcomes, not only "nothing fits".
    expect(found).toBeGreaterThan(queries / 4);
    expect(found).toBeLessThan(queries);
  });

  it("visits few nodes on a large homogeneous market", () => {
    const rng = new Prng(99);
    const insts: IndexedInstance[] = Array.from({ length: 4096 }, (_, i) => ({
      provider: `p${String(i >> 4).padStart(4, "0")}`,
      id: `i${String(i).padStart(5, "0")}`,
      free: toVector(randomCapacity(rng)),
      prices: toVector(randomPrices(rng)),
      region: "eu",
      tags: [],
      repPart: BigInt(rng.int(0, 100)) * 10n ** 34n,
      reputation: 0n,
    }));
    const index = new InstanceIndex(insts, PRICE_WEIGHT);
    let visits = 0;
    for (let t = 0; t < 200; t++) {
      const q: IndexQuery = {
        demand: toVector(randomDemand(rng)),
        maxPrice: 10n ** 13n,
        regionBit: 0n,
        tagMask: 0n,
        minReputation: 0n,
        avoidProviders: [],
      };
      const r = index.best(q);
      expect(r.leaf).toBeGreaterThanOrEqual(0);
      visits += r.visits;
    }
    // A scan would touch 4096 leaves per query; the bound prunes all but a few paths.
    expect(visits / 200).toBeLessThan(400);
  });

  it("answers none for an empty index or an empty range", () => {
    const empty = new InstanceIndex([], ONE);
    const q: IndexQuery = {
      demand: [1n, 1n, 0n, 0n, 0n],
      maxPrice: 10n,
      regionBit: 0n,
      tagMask: 0n,
      minReputation: 0n,
      avoidProviders: [],
    };
    expect(empty.best(q).leaf).toBe(-1);
    expect(empty.regionBit("eu")).toBeUndefined();
  });
});
