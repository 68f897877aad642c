import { describe, expect, it } from "vitest";
import { u64be } from "../../../src/codec/bytes.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { KIND_INNER, KIND_LEAF, NodeCache } from "../../../src/store/smt/node-cache.js";

const h = (i: number, tag = 0) => sha256(u64be(i), Uint8Array.of(tag));

describe("NodeCache", () => {
  it("returns exactly what was stored, never another node's data, while evicting", () => {
    const cache = new NodeCache(64);
    const n = 5_000;
    for (let i = 0; i < n; i++) {
      cache.set(h(i), i % 2 === 0 ? KIND_LEAF : KIND_INNER, h(i, 1), h(i, 2));
      expect(cache.size).toBeLessThanOrEqual(64);
      if (i % 97 === 0) expect(cache.get(h(i))?.a).toEqual(h(i, 1));
      // A hot entry, touched between insertions, survives the CLOCK sweeps.
      cache.get(h(0));
    }
    let found = 0;
    for (let i = 0; i < n; i++) {
      const got = cache.get(h(i));
      if (got === undefined) continue;
      found++;
      expect(got.kind).toBe(i % 2 === 0 ? KIND_LEAF : KIND_INNER);
      expect(got.a).toEqual(h(i, 1));
      expect(got.b).toEqual(h(i, 2));
    }
    expect(found).toBeGreaterThan(32);
    expect(found).toBeLessThanOrEqual(64);
    expect(cache.get(h(0))).toBeDefined();
  });

  it("hands out copies that later evictions cannot overwrite", () => {
    const cache = new NodeCache(16);
    cache.set(h(1), KIND_LEAF, h(1, 1), h(1, 2));
    const got = cache.get(h(1))!;
    for (let i = 2; i < 200; i++) cache.set(h(i), KIND_INNER, h(i, 1), h(i, 2));
    expect(got.a).toEqual(h(1, 1));
    expect(got.b).toEqual(h(1, 2));
  });

  it("grows up to its capacity without losing entries", () => {
    const cache = new NodeCache(10_000);
    for (let i = 0; i < 9_000; i++) cache.set(h(i), KIND_INNER, h(i, 1), h(i, 2));
    expect(cache.size).toBe(9_000);
    for (let i = 0; i < 9_000; i++) expect(cache.get(h(i))?.b).toEqual(h(i, 2));
    for (let i = 9_000; i < 12_000; i++) cache.set(h(i), KIND_INNER, h(i, 1), h(i, 2));
    expect(cache.size).toBe(10_000);
    expect(cache.get(h(11_999))?.a).toEqual(h(11_999, 1));
  });
});
