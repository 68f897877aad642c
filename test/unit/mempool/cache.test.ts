import { describe, expect, it } from "vitest";
import { TxCache } from "../../../src/mempool/cache.js";

/** The obvious LRU: an array in recency order, oldest first. */
class ModelLru {
  private order: string[] = [];
  constructor(private readonly capacity: number) {}
  push(key: string): boolean {
    const at = this.order.indexOf(key);
    if (at >= 0) this.order.splice(at, 1);
    this.order.push(key);
    while (this.order.length > this.capacity) this.order.shift();
    return at < 0;
  }
  remove(key: string): void {
    const at = this.order.indexOf(key);
    if (at >= 0) this.order.splice(at, 1);
  }
  keys(): string[] {
    return [...this.order];
  }
}

/** Deterministic pseudo-random integers (xorshift32). */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

describe("TxCache", () => {
  it("evicts the least recently pushed key; a re-push refreshes it", () => {
    const c = new TxCache(3);
    expect([c.push("a"), c.push("b"), c.push("c")]).toEqual([true, true, true]);
    expect(c.push("a")).toBe(false); // refreshed: b is now the oldest
    expect(c.push("d")).toBe(true);
    expect(["a", "b", "c", "d"].map((k) => c.has(k))).toEqual([true, false, true, true]);
    expect(c.size).toBe(3);
  });

  it("a removed key can be pushed again and does not evict others early", () => {
    const c = new TxCache(2);
    c.push("a");
    c.push("b");
    c.remove("a");
    expect(c.push("c")).toBe(true);
    expect([c.has("a"), c.has("b"), c.has("c")]).toEqual([false, true, true]);
    expect(c.push("a")).toBe(true);
    expect([c.has("b"), c.has("c"), c.has("a")]).toEqual([false, true, true]);
  });

  it("capacity 0 remembers nothing", () => {
    const c = new TxCache(0);
    expect(c.push("a")).toBe(true);
    expect(c.push("a")).toBe(true);
    expect(c.size).toBe(0);
  });

  it("matches a reference LRU over long random runs (through many queue compactions)", () => {
    for (const capacity of [1, 7, 50]) {
      const next = rng(capacity * 7919);
      const c = new TxCache(capacity);
      const model = new ModelLru(capacity);
      for (let i = 0; i < 20_000; i++) {
        const key = `k${next(capacity * 3)}`;
        const op = next(10);
        if (op < 7) expect(c.push(key)).toBe(model.push(key));
        else if (op < 9) {
          c.remove(key);
          model.remove(key);
        } else expect(c.has(key)).toBe(model.keys().includes(key));
        if (i % 7919 === 7918) {
          c.clear();
          for (const k of model.keys()) model.remove(k);
        }
      }
      expect(c.size).toBe(model.keys().length);
      for (const k of model.keys()) expect(c.has(k)).toBe(true);
    }
  });
});
