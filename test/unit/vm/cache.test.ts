import { describe, expect, it } from "vitest";
import { sha256 } from "../../../src/crypto/hash.js";
import { isVmError } from "../../../src/vm/errors.js";
import { ModuleCache } from "../../../src/vm/module-cache.js";
import { wat } from "./helpers.js";

const code = (n: number) => wat(`(module (memory (export "memory") 1) (func (export "f${n}")))`);

describe("module cache", () => {
  it("keeps the most recently used modules and evicts the least recently used", () => {
    const cache = new ModuleCache(2);
    const codes = [code(1), code(2), code(3)];
    const hashes = codes.map((c) => sha256(c));
    let loads = 0;
    const load = (i: number) => () => {
      loads++;
      return codes[i];
    };
    const m0 = cache.get(hashes[0]!, load(0));
    cache.get(hashes[1]!, load(1));
    expect(cache.get(hashes[0]!, load(0))).toBe(m0); // hit: 0 becomes most recent
    cache.get(hashes[2]!, load(2)); // evicts 1
    expect(cache.has(hashes[0]!)).toBe(true);
    expect(cache.has(hashes[1]!)).toBe(false);
    expect(cache.has(hashes[2]!)).toBe(true);
    expect(loads).toBe(3);
    expect(cache.stats()).toEqual({ size: 2, capacity: 2, hits: 1, misses: 3, evictions: 1 });
  });

  it("reports missing or corrupt stored code with typed errors", () => {
    const cache = new ModuleCache(4);
    expect(() => cache.get(new Uint8Array(32), () => undefined)).toThrow(
      expect.objectContaining({ code: "VM_CODE_NOT_FOUND" }),
    );
    let err: unknown;
    try {
      cache.get(new Uint8Array(32).fill(1), () => Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 99]));
    } catch (e) {
      err = e;
    }
    expect(isVmError(err, "VM_INVALID_WASM")).toBe(true);
    expect(() => new ModuleCache(0)).toThrow(expect.objectContaining({ code: "VM_BAD_REQUEST" }));
  });
});
