import { describe, expect, it } from "vitest";
import { utf8 } from "../../../src/codec/bytes.js";
import { isVmError } from "../../../src/vm/errors.js";
import { MemoryHost } from "../../../src/vm/testing/memory-host.js";

const c = new Uint8Array(20).fill(1);
const a = new Uint8Array(20).fill(2);
const b = new Uint8Array(20).fill(3);

describe("MemoryHost", () => {
  it("reverts storage and balances to nested snapshots", () => {
    const h = new MemoryHost();
    h.setBalance(a, 100n);
    h.storageSet(c, utf8("k"), utf8("v0"));
    const digest0 = h.stateDigest();
    const outer = h.snapshot();
    h.storageSet(c, utf8("k"), utf8("v1"));
    expect(h.transfer(a, b, 40n)).toBe(true);
    const digest1 = h.stateDigest();
    const inner = h.snapshot();
    h.storageRemove(c, utf8("k"));
    h.storageSet(c, utf8("new"), utf8("x"));
    expect(h.transfer(a, b, 1000n)).toBe(false);
    h.revert(inner);
    expect(h.stateDigest()).toBe(digest1);
    const inner2 = h.snapshot();
    h.storageSet(c, utf8("kept-then-dropped"), utf8("x"));
    h.release(inner2); // kept for now...
    expect(h.storageHas(c, utf8("kept-then-dropped"))).toBe(true);
    h.revert(outer); // ...but the outer snapshot still undoes it
    expect(h.stateDigest()).toBe(digest0);
    expect(h.balanceOf(b)).toBe(0n);
    expect(h.openSnapshots).toBe(0);
  });

  it("iterates keys under a prefix in byte order", () => {
    const h = new MemoryHost();
    for (const k of [[1, 2], [1], [1, 1, 9], [2], [0, 255]])
      h.storageSet(c, Uint8Array.from(k), new Uint8Array(0));
    const keys: number[][] = [];
    for (
      let e = h.storageNext(c, Uint8Array.from([1]), undefined);
      e;
      e = h.storageNext(c, Uint8Array.from([1]), e.key)
    ) {
      keys.push([...e.key]);
    }
    expect(keys).toEqual([[1], [1, 1, 9], [1, 2]]);
  });

  it("refuses to close snapshots out of order", () => {
    const h = new MemoryHost();
    const s1 = h.snapshot();
    h.snapshot();
    let err: unknown;
    try {
      h.revert(s1);
    } catch (e) {
      err = e;
    }
    expect(isVmError(err, "VM_BAD_REQUEST")).toBe(true);
  });
});
