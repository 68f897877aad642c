/**
 * Gas metering and stack limiting as injected at deploy, exercised on hand-written modules
 * through the real runtime.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_GAS_SCHEDULE } from "../../../src/vm/gas.js";
import { DEFAULT_VM_LIMITS } from "../../../src/vm/limits.js";
import { type CallResult, VmRuntime } from "../../../src/vm/runtime.js";
import { MemoryHost } from "../../../src/vm/testing/memory-host.js";
import { account, deploy, failed, wat } from "./helpers.js";

const FAT_LOCALS = 900;

const MODULE = wat(`(module
  (import "dccn" "input_read" (func $input_read (param i32)))
  (import "dccn" "return_data" (func $return_data (param i32 i32)))
  (memory (export "memory") 1)
  ;; the u32 argument: input bytes 0..3, little-endian
  (func $arg (result i32) (call $input_read (i32.const 0)) (i32.load (i32.const 0)))
  (func $ret (param $v i32) (i32.store (i32.const 0) (local.get $v)) (call $return_data (i32.const 0) (i32.const 4)))

  (func (export "count") (local $i i32) (local $n i32)
    (local.set $n (call $arg))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  (func (export "forever") (loop $l (br $l)))

  (func (export "fill") (memory.fill (i32.const 0) (i32.const 7) (call $arg)))

  (func (export "grow_until_refused") (local $n i32)
    (block $refused
      (loop $more
        (br_if $refused (i32.lt_s (memory.grow (i32.const 1)) (i32.const 0)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $more)))
    (call $ret (local.get $n)))

  (func (export "grow_forever") (loop $l (drop (memory.grow (i32.const 1))) (br $l)))

  (func $rec (param $d i32) (result i32)
    (if (result i32) (i32.eqz (local.get $d))
      (then (i32.const 0))
      (else (i32.add (call $rec (i32.sub (local.get $d) (i32.const 1))) (i32.const 1)))))
  (func (export "recurse") (call $ret (call $rec (call $arg))))

  (func $fat (param $x i32) (result i32) (local ${"i64 ".repeat(FAT_LOCALS)})
    (local.set 1 (i64.extend_i32_u (local.get $x)))
    (local.set ${FAT_LOCALS} (local.get 1))
    (call $fat (i32.add (local.get $x) (i32.wrap_i64 (local.get ${FAT_LOCALS})))))
  (func (export "fat") (drop (call $fat (i32.const 1))))

  (func $leaf (param $x i32) (result i32) (i32.mul (local.get $x) (i32.const 3)))
  ;; non-leaf with early returns from inside nested control flow
  (func $early (param $x i32) (result i32)
    (block $b
      (loop $l
        (if (i32.and (local.get $x) (i32.const 1)) (then (return (call $leaf (local.get $x)))))
        (br_if $b (i32.gt_u (local.get $x) (i32.const 100)))
        (return (i32.const 5))))
    (call $leaf (i32.const 1)))
  (func (export "many_returns") (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $early (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 20000))))
    (call $ret (local.get $acc)))

  (func (export "trap") unreachable)
  (func (export "div_zero") (drop (i32.div_u (i32.const 1) (call $arg))))
)`);

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const readU32 = (r: CallResult) => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return new DataView(r.data.buffer, r.data.byteOffset).getUint32(0, true);
};

function setup(runtime = new VmRuntime()) {
  const host = new MemoryHost();
  const { contract } = deploy(runtime, host, MODULE, 1);
  const sender = account(1).address;
  const call = (method: string, arg?: number, gasLimit = 5_000_000) =>
    runtime.execute(host, {
      contract,
      sender,
      method,
      input: arg === undefined ? u32(0) : u32(arg),
      gasLimit,
    });
  return { runtime, host, call };
}

describe("gas metering", () => {
  it("charges every loop iteration the same amount", () => {
    const { call } = setup();
    const g0 = call("count", 0).gasUsed;
    const g1 = call("count", 1000).gasUsed;
    const g2 = call("count", 2000).gasUsed;
    const perIteration = (g1 - g0) / 1000;
    expect(perIteration).toBeGreaterThanOrEqual(5);
    expect(Number.isInteger(perIteration)).toBe(true);
    expect(g2 - g1).toBe(g1 - g0);
  });

  it("stops an infinite loop with a deterministic out-of-gas error that uses the whole limit", () => {
    const { call, host } = setup();
    const before = host.stateDigest();
    const a = failed(call("forever", 0, 200_000), "VM_OUT_OF_GAS");
    const b = failed(call("forever", 0, 200_000), "VM_OUT_OF_GAS");
    expect(a.gasUsed).toBe(200_000);
    expect(b.gasUsed).toBe(200_000);
    expect(host.stateDigest()).toBe(before);
    expect(call("count", 10).ok).toBe(true); // the runtime is unaffected
  });

  it("charges memory.fill per byte", () => {
    const { call } = setup();
    const g0 = call("fill", 0).gasUsed;
    const g1 = call("fill", 40_000).gasUsed;
    expect(g1 - g0).toBe(40_000 * DEFAULT_GAS_SCHEDULE.instructions.bulkMemoryPerByte);
  });

  it("caps memory growth and charges per page; a growth bomb runs out of gas", () => {
    const { call } = setup();
    const pagesGranted = call("grow_until_refused", 0, 50_000_000);
    expect(readU32(pagesGranted)).toBe(DEFAULT_VM_LIMITS.maxMemoryPages - 1);
    expect(pagesGranted.gasUsed).toBeGreaterThan(
      DEFAULT_VM_LIMITS.maxMemoryPages * DEFAULT_GAS_SCHEDULE.instructions.memoryGrowPerPage,
    );
    const bomb = failed(call("grow_forever", 0, 2_000_000), "VM_OUT_OF_GAS");
    expect(bomb.gasUsed).toBe(2_000_000);
  });

  it("distinguishes traps from out of gas and still charges the gas used", () => {
    const { call } = setup();
    const t = failed(call("trap"), "VM_TRAP");
    expect(t.gasUsed).toBeGreaterThan(0);
    expect(t.gasUsed).toBeLessThan(5_000_000);
    expect(failed(call("div_zero", 0), "VM_TRAP").error.message).toMatch(/divide by zero/i);
  });
});

describe("stack limit", () => {
  it("allows moderate recursion and computes the right answer", () => {
    const { call } = setup();
    expect(readU32(call("recurse", 500))).toBe(500);
  });

  it("stops unbounded recursion with VM_STACK_OVERFLOW, even with huge frames", () => {
    const { call } = setup();
    const a = failed(call("recurse", 10_000_000, 500_000_000), "VM_STACK_OVERFLOW");
    const b = failed(call("recurse", 10_000_000, 500_000_000), "VM_STACK_OVERFLOW");
    expect(a.gasUsed).toBe(b.gasUsed);
    // 900 i64 locals per frame: V8's native stack would overflow after ~120 frames of this size,
    // so the injected limit must fire first.
    const fat = failed(call("fat", 0, 500_000_000), "VM_STACK_OVERFLOW");
    expect(failed(call("fat", 0, 500_000_000), "VM_STACK_OVERFLOW").gasUsed).toBe(fat.gasUsed);
  });

  it("has a maximum recursion depth that is the same on every run", () => {
    const { call } = setup();
    let lo = 1;
    let hi = 100_000;
    while (lo + 1 < hi) {
      const mid = (lo + hi) >> 1;
      if (call("recurse", mid, 500_000_000).ok) lo = mid;
      else hi = mid;
    }
    expect(lo).toBeGreaterThan(1000);
    for (let i = 0; i < 20; i++) {
      expect(readU32(call("recurse", lo, 500_000_000))).toBe(lo);
      failed(call("recurse", lo + 1, 500_000_000), "VM_STACK_OVERFLOW");
    }
  });

  it("releases the frame on every return path (early returns do not leak stack units)", () => {
    const { call } = setup();
    const r = call("many_returns", 0, 100_000_000);
    expect(r.ok, r.ok ? "" : r.error.message).toBe(true);
  });
});
