/**
 * Filter + Prioritize over node instances without scanning them all (seed p.7, steps 1 and 2).
 *
 * Instances are the leaves of a segment tree in the caller's order, which keeps each provider's
 * instances contiguous (the scheduler sorts by provider score, provider, id: high scores left, so
 * right-hand subtrees bound lower and prune sooner). Every node keeps aggregates of the open instances below it: the largest free
 * quantity per resource, the lowest unit price per resource, the best provider score and
 * reputation, and the union of region/tag bits. Each aggregate is a *necessary* condition, so a
 * subtree that fails one cannot hold a fitting instance, and the best possible score of a subtree
 * (its best provider score plus the price score of its cheapest prices) bounds every leaf below.
 * A best-first branch-and-bound therefore returns exactly the argmax of a full scan — ties go to
 * the leftmost leaf — while visiting O(log n) nodes on typical markets. A visit budget
 * bounds the worst case; when it runs out the best instance found so far is used (still
 * deterministic). Allocations and closed providers update O(log n) nodes.
 *
 * Score: z(x) = w_p · priceScore(x) + Σ_m w_m · R_im, where
 * priceScore(x) = (maxPrice − cost(x)) / maxPrice — 1 for a free instance, 0 at the tenant's
 * ceiling, so a cheaper instance scores higher — and the second term (`repPart`, ×ONE²) is
 * provider i's weighted reputation indices, the same for all its instances. Scores are compared
 * exactly, multiplied through by M = max(maxPrice, 1): z·M·ONE² = repPart·M + w_p·ONE·(M − cost),
 * so no rounding can turn a real difference into a tie.
 */
import { maxBig, minBig, ONE } from "../fixed.js";
import { DIMS } from "./vector.js";

export interface IndexedInstance {
  readonly provider: string;
  readonly id: string;
  /** Free capacity per resource (RESOURCE_KINDS order). */
  readonly free: readonly bigint[];
  readonly prices: readonly bigint[];
  readonly region: string;
  readonly tags: readonly string[];
  /** Σ_m w_m · R_im of the instance's provider (×ONE²). */
  readonly repPart: bigint;
  /** The provider's reputation score (×ONE), for minReputation constraints. */
  readonly reputation: bigint;
}

/** A task's request, compiled against this index's region/tag bits. */
export interface IndexQuery {
  readonly demand: readonly bigint[];
  readonly maxPrice: bigint;
  /** 0n: any region. */
  readonly regionBit: bigint;
  /** Bits of the required tags (0n: none). */
  readonly tagMask: bigint;
  readonly minReputation: bigint;
  readonly avoidProviders: readonly string[];
}

export interface SearchResult {
  /** Leaf index of the chosen instance, or -1 when none fits. */
  readonly leaf: number;
  /** Its score z·M·ONE² (see the module comment); -1 when none fits. */
  readonly score: bigint;
  readonly visits: number;
}

const NONE = -1n;
const PRICE_INF = 1n << 200n;

export class InstanceIndex {
  readonly size: number;
  private readonly cap: number;
  private readonly maxFree: bigint[];
  private readonly minPrice: bigint[];
  private readonly maxRep: bigint[];
  private readonly maxReputation: bigint[];
  private readonly regionMask: bigint[];
  private readonly tagMask: bigint[];
  private readonly lo: Int32Array;
  private readonly leafProvider: string[];
  private readonly regionBits: Map<string, bigint> = new Map();
  private readonly tagBits: Map<string, bigint> = new Map();
  /** w_p · ONE, the price term's factor. */
  private readonly priceFactor: bigint;

  /** `instances` in leaf order; each provider's instances must be contiguous. */
  constructor(instances: readonly IndexedInstance[], priceWeight: bigint);
  /** A copy of `source`'s current state (see clone). */
  constructor(source: InstanceIndex);
  constructor(instancesOrSource: readonly IndexedInstance[] | InstanceIndex, priceWeight?: bigint) {
    if (instancesOrSource instanceof InstanceIndex) {
      const src = instancesOrSource;
      this.priceFactor = src.priceFactor;
      this.size = src.size;
      this.cap = src.cap;
      this.maxFree = [...src.maxFree];
      this.minPrice = [...src.minPrice];
      this.maxRep = [...src.maxRep];
      this.maxReputation = [...src.maxReputation];
      this.regionMask = [...src.regionMask];
      this.tagMask = [...src.tagMask];
      this.lo = src.lo;
      this.leafProvider = src.leafProvider;
      this.regionBits = src.regionBits;
      this.tagBits = src.tagBits;
      return;
    }
    const instances = instancesOrSource;
    this.priceFactor = (priceWeight ?? ONE) * ONE;
    this.size = instances.length;
    let cap = 1;
    while (cap < instances.length) cap *= 2;
    this.cap = cap;
    const nodes = 2 * cap;
    this.maxFree = new Array<bigint>(nodes * DIMS).fill(NONE);
    this.minPrice = new Array<bigint>(nodes * DIMS).fill(PRICE_INF);
    this.maxRep = new Array<bigint>(nodes).fill(NONE);
    this.maxReputation = new Array<bigint>(nodes).fill(NONE);
    this.regionMask = new Array<bigint>(nodes).fill(0n);
    this.tagMask = new Array<bigint>(nodes).fill(0n);
    this.lo = new Int32Array(nodes);
    this.leafProvider = instances.map((x) => x.provider);

    for (let node = 1; node < nodes; node++) {
      const level = 31 - Math.clz32(node);
      const span = cap >> level;
      this.lo[node] = (node - (1 << level)) * span;
    }
    instances.forEach((x, i) => {
      const node = cap + i;
      for (let k = 0; k < DIMS; k++) {
        this.maxFree[node * DIMS + k] = x.free[k]!;
        this.minPrice[node * DIMS + k] = x.prices[k]!;
      }
      this.maxRep[node] = x.repPart;
      this.maxReputation[node] = x.reputation;
      this.regionMask[node] = this.bit(this.regionBits, x.region);
      let tags = 0n;
      for (const t of x.tags) tags |= this.bit(this.tagBits, t);
      this.tagMask[node] = tags;
    });
    for (let node = cap - 1; node >= 1; node--) this.pull(node);
  }

  /** An independent copy: later consume/close on either does not affect the other. O(n). */
  clone(): InstanceIndex {
    return new InstanceIndex(this);
  }

  private bit(table: Map<string, bigint>, name: string): bigint {
    let b = table.get(name);
    if (b === undefined) {
      b = 1n << BigInt(table.size);
      table.set(name, b);
    }
    return b;
  }

  /** The bit of a region, or undefined when no instance is in it (the request cannot be met). */
  regionBit(region: string): bigint | undefined {
    return this.regionBits.get(region);
  }

  /** The mask of the given tags, or undefined when some tag is on no instance. */
  tagMaskOf(tags: readonly string[]): bigint | undefined {
    let m = 0n;
    for (const t of tags) {
      const b = this.tagBits.get(t);
      if (b === undefined) return undefined;
      m |= b;
    }
    return m;
  }

  provider(leaf: number): string {
    return this.leafProvider[leaf]!;
  }

  /** Free capacity left on a leaf (RESOURCE_KINDS order); -1 per resource once closed. */
  free(leaf: number): bigint[] {
    const base = (this.cap + leaf) * DIMS;
    return this.maxFree.slice(base, base + DIMS);
  }

  private pull(node: number): void {
    const l = 2 * node;
    const r = l + 1;
    for (let k = 0; k < DIMS; k++) {
      this.maxFree[node * DIMS + k] = maxBig(this.maxFree[l * DIMS + k]!, this.maxFree[r * DIMS + k]!);
      this.minPrice[node * DIMS + k] = minBig(this.minPrice[l * DIMS + k]!, this.minPrice[r * DIMS + k]!);
    }
    this.maxRep[node] = maxBig(this.maxRep[l]!, this.maxRep[r]!);
    this.maxReputation[node] = maxBig(this.maxReputation[l]!, this.maxReputation[r]!);
    this.regionMask[node] = this.regionMask[l]! | this.regionMask[r]!;
    this.tagMask[node] = this.tagMask[l]! | this.tagMask[r]!;
  }

  private pullFree(node: number): void {
    const l = 2 * node;
    const r = l + 1;
    for (let k = 0; k < DIMS; k++) {
      this.maxFree[node * DIMS + k] = maxBig(this.maxFree[l * DIMS + k]!, this.maxFree[r * DIMS + k]!);
    }
  }

  /** Takes `demand` from a leaf's free capacity (the caller has checked that it fits). */
  consume(leaf: number, demand: readonly bigint[]): void {
    let node = this.cap + leaf;
    for (let k = 0; k < DIMS; k++) this.maxFree[node * DIMS + k]! -= demand[k]!;
    for (node >>= 1; node >= 1; node >>= 1) this.pullFree(node);
  }

  /** Removes leaves [lo, hi) from every later search (a provider that is full for this block). */
  close(lo: number, hi: number): void {
    for (let i = lo; i < hi; i++) {
      const node = this.cap + i;
      for (let k = 0; k < DIMS; k++) {
        this.maxFree[node * DIMS + k] = NONE;
        this.minPrice[node * DIMS + k] = PRICE_INF;
      }
      this.maxRep[node] = NONE;
      this.maxReputation[node] = NONE;
      this.regionMask[node] = 0n;
      this.tagMask[node] = 0n;
    }
    for (let a = (this.cap + lo) >> 1, b = (this.cap + hi - 1) >> 1; a >= 1; a >>= 1, b >>= 1) {
      for (let node = a; node <= b; node++) this.pull(node);
    }
  }

  /**
   * The best score any open leaf under `node` could reach for `q`, or -1 when the aggregates
   * already prove that none fits (demand, price ceiling, reputation, region, tags).
   */
  private bound(node: number, q: IndexQuery, m: bigint): bigint {
    const base = node * DIMS;
    let costLow = 0n;
    for (let k = 0; k < DIMS; k++) {
      const d = q.demand[k]!;
      if (d > this.maxFree[base + k]!) return NONE;
      costLow += d * this.minPrice[base + k]!;
    }
    if (costLow > q.maxPrice) return NONE;
    if (q.minReputation > this.maxReputation[node]!) return NONE;
    if (q.regionBit !== 0n && (this.regionMask[node]! & q.regionBit) === 0n) return NONE;
    if (q.tagMask !== 0n && (this.tagMask[node]! & q.tagMask) !== q.tagMask) return NONE;
    // With maxPrice = 0 only free instances pass, and M − cost = 1 gives them the full price score.
    return this.maxRep[node]! * m + this.priceFactor * (m - costLow);
  }

  /**
   * The best open instance in leaves [lo, hi) for `q`: Filter (fits every resource and every
   * constraint) then Prioritize (highest score, lowest leaf on a tie). At a leaf the aggregates
   * are the instance's own values, so the bound is its exact score.
   */
  best(q: IndexQuery, lo = 0, hi = this.size, maxVisits = Number.MAX_SAFE_INTEGER): SearchResult {
    let bestLeaf = -1;
    let bestScore = NONE;
    let visits = 0;
    if (this.size === 0 || lo >= hi) return { leaf: -1, score: NONE, visits };
    const stackNode: number[] = [1];
    const m = q.maxPrice === 0n ? 1n : q.maxPrice;
    const stackBound: bigint[] = [this.bound(1, q, m)];
    while (stackNode.length > 0 && visits < maxVisits) {
      const node = stackNode.pop()!;
      const ub = stackBound.pop()!;
      if (ub < 0n) continue;
      const nodeLo = this.lo[node]!;
      const level = 31 - Math.clz32(node);
      const nodeHi = nodeLo + (this.cap >> level);
      if (nodeHi <= lo || nodeLo >= hi) continue;
      if (ub < bestScore || (ub === bestScore && nodeLo > bestLeaf)) continue;
      visits++;
      if (node >= this.cap) {
        const leaf = node - this.cap;
        if (q.avoidProviders.length > 0 && q.avoidProviders.includes(this.leafProvider[leaf]!)) continue;
        // The prune above let through only a higher score or an equal score further left.
        bestLeaf = leaf;
        bestScore = ub;
        continue;
      }
      const l = 2 * node;
      const r = l + 1;
      const bl = this.bound(l, q, m);
      const br = this.bound(r, q, m);
      // Push the more promising child last so it is explored first; the left one wins a tie.
      if (br > bl) {
        stackNode.push(l, r);
        stackBound.push(bl, br);
      } else {
        stackNode.push(r, l);
        stackBound.push(br, bl);
      }
    }
    return { leaf: bestLeaf, score: bestScore, visits };
  }
}
