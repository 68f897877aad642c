/** Contract-to-contract calls: rollback, re-entrancy, depth, gas caps, value transfer. */
import { beforeAll, describe, expect, it } from "vitest";
import { toBech32 } from "../../../src/crypto/address.js";
import { VmRuntime } from "../../../src/vm/runtime.js";
import { MemoryHost } from "../../../src/vm/testing/memory-host.js";
import { account, contractWasm, deploy, failed, GAS, json, okJson } from "./helpers.js";

let probeWasm: Uint8Array;
let counterWasm: Uint8Array;
let hostileWasm: Uint8Array;
beforeAll(async () => {
  [probeWasm, counterWasm, hostileWasm] = await Promise.all([
    contractWasm("fixtures/probe"),
    contractWasm("examples/counter"),
    contractWasm("fixtures/hostile"),
  ]);
});

const alice = account(1);

function setup(maxCallDepth?: number) {
  const vm = new VmRuntime(maxCallDepth === undefined ? {} : { limits: { maxCallDepth } });
  const host = new MemoryHost();
  const a = deploy(vm, host, probeWasm, 1);
  const b = deploy(vm, host, probeWasm, 2);
  const counter = deploy(vm, host, counterWasm, 3, { init: { start: 10 } });
  const hostile = deploy(vm, host, hostileWasm, 4);
  const exec = (
    contract: Uint8Array,
    method: string,
    args: unknown,
    opts: { amount?: bigint; gasLimit?: number } = {},
  ) =>
    vm.execute(host, {
      contract,
      sender: alice.address,
      method,
      input: json(args),
      amount: opts.amount ?? 0n,
      gasLimit: opts.gasLimit ?? GAS,
    });
  const count = () =>
    okJson<{ count: number }>(
      vm.query(host, { contract: counter.contract, method: "get", input: json({}), gasLimit: GAS }),
    ).count;
  const mark = (p: Uint8Array) =>
    okJson<{ value: string }>(
      vm.query(host, { contract: p, method: "get", input: json({ key: "mark" }), gasLimit: GAS }),
    ).value;
  return { vm, host, a, b, counter, hostile, exec, count, mark };
}

describe("nested calls", () => {
  it("calls another contract, which sees the caller and the origin", () => {
    const { a, b, counter, exec, count } = setup();
    const r = exec(a.contract, "forward", { contract: counter.bech32, method: "increment", args: { by: 5 } });
    expect(okJson(r)).toEqual({ count: 15 });
    expect(count()).toBe(15);
    if (!r.ok) throw r.error;
    expect(r.events.map((e) => [toBech32(e.contract), e.type])).toEqual([[counter.bech32, "increment"]]);
    const who = okJson(exec(a.contract, "forward", { contract: b.bech32, method: "whoami" }));
    expect(who).toEqual({ caller: a.bech32, origin: alice.bech32 });
  });

  it("rolls back a successful nested call when the caller fails afterwards, and charges the gas", () => {
    const { host, a, counter, exec, count, mark } = setup();
    const before = host.stateDigest();
    const r = failed(
      exec(a.contract, "forward_then_fail", {
        contract: counter.bech32,
        method: "increment",
        args: { by: 1 },
      }),
      "VM_ABORT",
    );
    expect(r.gasUsed).toBeGreaterThan(5000);
    expect(count()).toBe(10);
    expect(mark(a.contract)).toBe("");
    expect(host.stateDigest()).toBe(before);
  });

  it("lets a caller survive a failed callee whose changes are rolled back", () => {
    const { host, a, hostile, exec, mark } = setup();
    const r = okJson(
      exec(a.contract, "try_forward", {
        contract: hostile.bech32,
        method: "write_then_trap",
        args: { n: 5 },
        mark: "kept",
      }),
    );
    expect(r.ok).toBe(false);
    expect(r.data).toMatch(/^VM_TRAP: /);
    expect(mark(a.contract)).toBe("kept");
    expect(host.storageSize(hostile.contract)).toBe(0);
  });

  it("aborts the caller when a callee fails through callContract", () => {
    const { a, hostile, exec } = setup();
    const r = failed(
      exec(a.contract, "forward", { contract: hostile.bech32, method: "write_then_abort", args: { n: 1 } }),
      "VM_ABORT",
    );
    expect(r.error.message).toMatch(/giving up after writing/);
  });

  it("forbids re-entering a contract that is on the call stack", () => {
    const { a, b, exec, mark } = setup();
    // A -> B -> A
    const aba = okJson(
      exec(a.contract, "try_forward", {
        contract: b.bech32,
        method: "forward",
        args: { contract: a.bech32, method: "whoami" },
      }),
    );
    expect(aba.ok).toBe(false);
    expect(aba.data).toMatch(/VM_REENTRANCY/);
    // A -> A
    const self = okJson(exec(a.contract, "try_forward", { contract: a.bech32, method: "whoami" }));
    expect(self).toEqual({ ok: false, data: expect.stringMatching(/^VM_REENTRANCY: /) });
    expect(mark(a.contract)).toBe("tried");
  });

  it("limits the nesting depth", () => {
    const { a, b, counter, exec } = setup(2);
    // depth 1: A, depth 2: B, depth 3: counter -> refused
    const r = okJson(
      exec(a.contract, "forward", {
        contract: b.bech32,
        method: "try_forward",
        args: { contract: counter.bech32, method: "increment" },
      }),
    );
    expect(r.ok).toBe(false);
    expect(r.data).toMatch(/VM_CALL_DEPTH/);
  });

  it("caps the callee's gas and lets the caller continue after the callee runs out", () => {
    const { a, hostile, exec } = setup();
    const r = exec(a.contract, "try_forward", { contract: hostile.bech32, method: "spin", gas: 50_000 });
    const body = okJson(r);
    expect(body.ok).toBe(false);
    expect(body.data).toMatch(/^VM_OUT_OF_GAS/);
    expect(r.gasUsed).toBeGreaterThan(50_000);
    expect(r.gasUsed).toBeLessThan(200_000);
    // Without a cap the callee takes everything and the caller runs out too.
    failed(
      exec(a.contract, "try_forward", { contract: hostile.bech32, method: "spin" }, { gasLimit: 300_000 }),
      "VM_OUT_OF_GAS",
    );
  });

  it("moves attached ANKR along a call and returns it on failure", () => {
    const { host, a, b, hostile, exec } = setup();
    host.setBalance(a.contract, 1000n);
    expect(exec(a.contract, "forward", { contract: b.bech32, method: "whoami", amount: "400" }).ok).toBe(
      true,
    );
    expect(host.balanceOf(a.contract)).toBe(600n);
    expect(host.balanceOf(b.contract)).toBe(400n);
    const r = okJson(
      exec(a.contract, "try_forward", {
        contract: hostile.bech32,
        method: "write_then_trap",
        args: { n: 1 },
        amount: "100",
      }),
    );
    expect(r.ok).toBe(false);
    expect(host.balanceOf(a.contract)).toBe(600n);
    expect(host.balanceOf(hostile.contract)).toBe(0n);
    const overdraft = okJson(
      exec(a.contract, "try_forward", { contract: b.bech32, method: "whoami", amount: "601" }),
    );
    expect(overdraft).toEqual({ ok: false, data: expect.stringMatching(/^VM_INSUFFICIENT_FUNDS/) });
  });
});
