/**
 * The bad inputs at run time, from a real AssemblyScript contract: each ends in a
 * deterministic, clear error with gas charged, state rolled back and the runtime unaffected.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_VM_LIMITS } from "../../../src/vm/limits.js";
import { VmRuntime } from "../../../src/vm/runtime.js";
import { MemoryHost } from "../../../src/vm/testing/memory-host.js";
import { account, contractWasm, deploy, failed, json } from "./helpers.js";

let hostileWasm: Uint8Array;
beforeAll(async () => {
  hostileWasm = await contractWasm("fixtures/hostile");
});

function setup() {
  const vm = new VmRuntime();
  const host = new MemoryHost();
  const { contract } = deploy(vm, host, hostileWasm, 1);
  const call = (method: string, args: unknown = {}, gasLimit = 20_000_000) =>
    vm.execute(host, { contract, sender: account(1).address, method, input: json(args), gasLimit });
  return { vm, host, contract, call };
}

describe("hostile contracts", () => {
  it("an infinite loop runs out of gas, the same way every time", () => {
    const { call, host } = setup();
    const before = host.stateDigest();
    const runs = [1, 2, 3].map(() => failed(call("spin", {}, 1_000_000), "VM_OUT_OF_GAS"));
    expect(runs.map((r) => r.gasUsed)).toEqual([1_000_000, 1_000_000, 1_000_000]);
    expect(host.stateDigest()).toBe(before);
  });

  it("a memory-growth bomb is capped, then runs out of gas; writes before it are rolled back", () => {
    const { call, host, contract } = setup();
    const r = failed(call("grow", {}, 5_000_000), "VM_OUT_OF_GAS");
    expect(r.gasUsed).toBe(5_000_000);
    expect(host.storageSize(contract)).toBe(0);
  });

  it("allocating without bound traps once the page cap refuses more memory", () => {
    const { call } = setup();
    // AssemblyScript's allocator hits `unreachable` when memory.grow fails.
    const r = failed(call("alloc", {}, 200_000_000), "VM_TRAP");
    expect(r.gasUsed).toBeGreaterThan((DEFAULT_VM_LIMITS.maxMemoryPages - 1) * 4096);
    expect(r.gasUsed).toBeLessThan(200_000_000);
    expect(failed(call("alloc", {}, 200_000_000), "VM_TRAP").gasUsed).toBe(r.gasUsed);
  });

  it("unbounded recursion hits the injected stack limit", () => {
    const { call } = setup();
    const a = failed(call("recurse", {}, 500_000_000), "VM_STACK_OVERFLOW");
    const b = failed(call("recurse", {}, 500_000_000), "VM_STACK_OVERFLOW");
    expect(a.gasUsed).toBe(b.gasUsed);
    expect(call("recurse_to", { n: 200 }).ok).toBe(true);
  });

  it("a huge return value is refused", () => {
    const { call } = setup();
    const r = failed(call("huge_return", { bytes: 1 << 20 }), "VM_RETURN_TOO_LARGE");
    expect(r.error.message).toMatch(/65536/);
    expect(call("huge_return", { bytes: DEFAULT_VM_LIMITS.maxReturnBytes }).ok).toBe(true);
  });

  it("a trap or an abort half-way through writes leaves no writes behind and still pays gas", () => {
    const { call, host, contract } = setup();
    const ok = call("write", { n: 3 });
    expect(ok.ok).toBe(true);
    const before = host.stateDigest();
    const trap = failed(call("write_then_trap", { n: 10 }), "VM_TRAP");
    expect(trap.error.message).toMatch(/unreachable/);
    const abort = failed(call("write_then_abort", { n: 10 }), "VM_ABORT");
    expect(abort.error.message).toMatch(/giving up after writing/);
    expect(host.stateDigest()).toBe(before);
    expect(host.storageSize(contract)).toBe(3);
    // Ten writes were paid for, then thrown away.
    expect(trap.gasUsed).toBeGreaterThan(ok.gasUsed);
    expect(failed(call("write_then_trap", { n: 10 }), "VM_TRAP").gasUsed).toBe(trap.gasUsed);
  });

  it("out-of-bounds memory access traps; host misuse is a typed error", () => {
    const { call } = setup();
    failed(call("out_of_bounds"), "VM_TRAP");
    failed(call("bad_key"), "VM_BAD_HOST_ARGS");
  });

  it("bulk copies are charged per byte", () => {
    const { call } = setup();
    const small = call("copy", { bytes: 1000 });
    const large = call("copy", { bytes: 101_000 });
    expect(small.ok && large.ok).toBe(true);
    // The copy itself plus zeroing the two arrays: at least 3 × 100,000 bytes more.
    expect(large.gasUsed - small.gasUsed).toBeGreaterThanOrEqual(300_000);
  });

  it("leaves the runtime fully usable afterwards", () => {
    const { call, vm } = setup();
    failed(call("spin", {}, 100_000), "VM_OUT_OF_GAS");
    failed(call("recurse", {}, 500_000_000), "VM_STACK_OVERFLOW");
    expect(call("write", { n: 1 }).ok).toBe(true);
    expect(vm.cacheStats().size).toBe(1);
  });
});
