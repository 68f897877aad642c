/**
 * Failure semantics through a real DccnApp: a failed call (also a nested one) rolls back all its
 * state changes but pays for its gas; hostile code is refused at deploy with a clear reason;
 * out of gas is deterministic; the same workload gives the same app hashes on two nodes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ExecTxResult } from "../../../src/abci/types.js";
import { toHex, toHexUpper } from "../../../src/codec/bytes.js";
import { toBech32 } from "../../../src/crypto/address.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { msgStoreCodeAny } from "../../../src/dccn-app/contracts/index.js";
import { ResultCode } from "../../../src/dccn-app/index.js";
import { removeTempDirs, wallet } from "../dccn-app/helpers.js";
import { ANKR, eventsOf, GAS_PRICE, jsonOf, ok, WasmChain } from "./app-helpers.js";
import { contractWasm, wat } from "./helpers.js";

let probeWasm: Uint8Array;
let hostileWasm: Uint8Array;
let counterWasm: Uint8Array;
let tokenWasm: Uint8Array;
beforeAll(async () => {
  [probeWasm, hostileWasm, counterWasm, tokenWasm] = await Promise.all([
    contractWasm("fixtures/probe"),
    contractWasm("fixtures/hostile"),
    contractWasm("examples/counter"),
    contractWasm("examples/token"),
  ]);
});

const alice = wallet(1);
const bob = wallet(2);
const carol = wallet(3);

const chains: WasmChain[] = [];
async function open(opts: Parameters<typeof WasmChain.open>[0] = {}): Promise<WasmChain> {
  const c = await WasmChain.open(opts);
  chains.push(c);
  return c;
}
afterEach(async () => {
  for (const c of chains.splice(0)) await c.close();
});
afterAll(removeTempDirs);

/** The fee a tx paid, from its gas used. */
const feeOf = (r: ExecTxResult) => BigInt(r.gasUsed) * GAS_PRICE;

describe("failed calls through the app", () => {
  it("a trap half-way through writes rolls everything back, refunds the attached ANKR and pays its gas", async () => {
    const c = await open();
    const hostile = await c.deploy(alice, hostileWasm);
    ok(await c.execute(alice, hostile, "write", { n: 2 }));
    expect(await c.rawState(hostile, "kv/1")).toBe("x");

    const before = await c.balance(alice);
    const trapped = await c.execute(alice, hostile, "write_then_trap", { n: 20 }, ANKR);
    expect(trapped.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(trapped.log).toMatch(/^VM_TRAP: contract trapped/);
    expect(trapped.gasUsed).toBeGreaterThan(20 * 1000);
    // Only the gas was paid; the attached ANKR never left; no key was written; no event kept.
    expect(await c.balance(alice)).toBe(before - feeOf(trapped));
    expect(await c.balance(hostile)).toBe(0n);
    expect(await c.rawState(hostile, "kv/5")).toBe("");
    expect(trapped.events.map((e) => e.type)).toEqual(["tx"]);

    const aborted = await c.execute(alice, hostile, "write_then_abort", { n: 3 });
    expect(aborted.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(aborted.log).toMatch(/^VM_ABORT: contract aborted: giving up after writing/);
    expect(await c.rawState(hostile, "kv/2")).toBe("");
    // The nonce was used: the next tx (signed with the following nonce) goes through.
    ok(await c.execute(alice, hostile, "write", { n: 1 }));
  });

  it("runaway contracts end deterministically and leave the node working", async () => {
    const c = await open();
    const hostile = await c.deploy(alice, hostileWasm);
    const cases: [string, number, RegExp][] = [
      ["spin", ResultCode.OUT_OF_GAS, /^VM_OUT_OF_GAS/],
      ["grow", ResultCode.OUT_OF_GAS, /^VM_OUT_OF_GAS/],
      ["recurse", ResultCode.CONTRACT_FAILED, /^VM_STACK_OVERFLOW/],
      ["huge_return", ResultCode.CONTRACT_FAILED, /^VM_RETURN_TOO_LARGE/],
      ["out_of_bounds", ResultCode.CONTRACT_FAILED, /^VM_TRAP/],
    ];
    for (const [method, code, log] of cases) {
      const r = await c.execute(alice, hostile, method, {}, 0n, { gasLimit: 3_000_000 });
      expect([method, r.code]).toEqual([method, code]);
      expect(r.log).toMatch(log);
      if (code === ResultCode.OUT_OF_GAS) expect(r.gasUsed).toBe(3_000_000);
    }
    expect(await c.rawState(hostile, "kv/pages")).toBe("");
    const counter = await c.deploy(alice, counterWasm);
    expect(jsonOf(ok(await c.execute(bob, counter, "increment")).data)).toEqual({ count: 1 });
  });

  it("the tx's gas limit caps contract execution; out of gas uses the whole limit", async () => {
    const c = await open();
    const counter = await c.deploy(alice, counterWasm);
    const ran = ok(await c.execute(bob, counter, "increment"));
    // Enough for the tx's own gas, not for the contract.
    const limit = ran.gasUsed - 500;
    const before = await c.balance(bob);
    const r = await c.execute(bob, counter, "increment", {}, 0n, { gasLimit: limit });
    expect(r.code).toBe(ResultCode.OUT_OF_GAS);
    expect(r.gasUsed).toBe(limit);
    expect(await c.balance(bob)).toBe(before - BigInt(limit) * GAS_PRICE);
    expect(await c.call(counter, "get")).toMatchObject({ count: 1 });
  });

  it("a failing caller undoes the writes of a nested call that succeeded", async () => {
    const c = await open();
    const a = await c.deploy(alice, probeWasm);
    const b = await c.deploy(alice, probeWasm);
    const put = { contract: toBech32(b), method: "put", args: { key: "k", value: "from-a" } };
    const failed = await c.execute(alice, a, "forward_then_fail", put);
    expect(failed.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(failed.log).toMatch(/failing after a successful nested call/);
    expect(await c.call(b, "get", { key: "k" })).toEqual({ value: "", exists: false });
    expect(await c.call(a, "get", { key: "mark" })).toEqual({ value: "", exists: false });

    // A failing callee is rolled back alone; the caller carries on and keeps its own writes.
    const hostile = await c.deploy(alice, hostileWasm);
    const tried = ok(
      await c.execute(alice, a, "try_forward", {
        contract: toBech32(hostile),
        method: "write_then_trap",
        args: { n: 3 },
        mark: "kept",
      }),
    );
    expect(jsonOf<{ ok: boolean; data: string }>(tried.data)).toMatchObject({ ok: false });
    expect(jsonOf<{ data: string }>(tried.data).data).toMatch(/^VM_TRAP/);
    expect(await c.call(a, "get", { key: "mark" })).toEqual({ value: "kept", exists: true });
    expect(await c.rawState(hostile, "kv/0")).toBe("");

    // Re-entrancy (a → b → a) is refused.
    const reenter = await c.execute(alice, a, "forward", {
      contract: toBech32(b),
      method: "forward",
      args: { contract: toBech32(a), method: "whoami" },
    });
    expect(reenter.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(reenter.log).toMatch(/VM_REENTRANCY|already on the call stack/);

    // A successful nested call keeps both contracts' writes and both events.
    const fwd = ok(await c.execute(alice, a, "forward", { ...put, mark: "m" }));
    expect(await c.call(b, "get", { key: "k" })).toEqual({ value: "from-a", exists: true });
    expect(fwd.events.map((e) => e.type)).toContain("execute");
  });

  it("a contract pays out its own ANKR; an overdraft fails and changes nothing", async () => {
    const c = await open();
    const probe = await c.deploy(alice, probeWasm, {}, 10n * ANKR);
    const carolBefore = await c.balance(carol);
    const paid = ok(await c.execute(bob, probe, "pay", { to: carol.bech32, amount: (4n * ANKR).toString() }));
    expect(eventsOf(paid, "transfer")).toEqual([
      { sender: toBech32(probe), recipient: carol.bech32, amount: (4n * ANKR).toString() },
    ]);
    expect(await c.balance(carol)).toBe(carolBefore + 4n * ANKR);
    expect(await c.balance(probe)).toBe(6n * ANKR);

    const overdraft = await c.execute(bob, probe, "pay", {
      to: carol.bech32,
      amount: (7n * ANKR).toString(),
    });
    expect(overdraft.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(await c.balance(probe)).toBe(6n * ANKR);
    expect(await c.balance(carol)).toBe(carolBefore + 4n * ANKR);

    // The contract reads its balance, the block height and the chain id from the block context.
    const ctx = await c.call<Record<string, unknown>>(probe, "context");
    expect(ctx).toMatchObject({ balance: (6n * ANKR).toString(), height: c.height, chain_id: "dccn-test-1" });
    expect(ctx.time).toBe(1_700_000_000_000 + c.height * 1000);
    const inTx = jsonOf(ok(await c.execute(bob, probe, "context")).data);
    expect(inTx).toMatchObject({ caller: bob.bech32, origin: bob.bech32, height: c.height, gas_price: "2" });
  });
});

describe("deploy rejects bad code with a clear reason, and charges for the attempt", () => {
  const memory = '(memory (export "memory") 1)';
  const bad: [string, Uint8Array | (() => Uint8Array), RegExp][] = [
    ["malformed wasm", new TextEncoder().encode("definitely not wasm"), /^VM_INVALID_WASM/],
    [
      "float instructions",
      () => wat(`(module (func (export "run") (drop (f32.add (f32.const 1) (f32.const 2)))) ${memory})`),
      /^VM_FLOAT_INSTRUCTION/,
    ],
    [
      "a disallowed import",
      () => wat(`(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))) ${memory})`),
      /^VM_DISALLOWED_IMPORT/,
    ],
    ["a start function", () => wat(`(module (func $s) (start $s) ${memory})`), /^VM_START_FUNCTION/],
  ];

  it.each(bad)("%s", async (_name, bytes, log) => {
    const c = await open();
    const wasm = typeof bytes === "function" ? bytes() : bytes;
    const before = await c.balance(alice);
    const r = await c.tx(alice, msgStoreCodeAny({ wasmByteCode: wasm }));
    expect(r.code).toBe(ResultCode.CONTRACT_REJECTED);
    expect(r.log).toMatch(log);
    expect(r.gasUsed).toBeGreaterThan(50_000);
    expect(await c.balance(alice)).toBe(before - feeOf(r));
    expect((await c.query(`/wasm/code/${toHexUpper(sha256(wasm))}`)).code).toBe(ResultCode.CODE_NOT_FOUND);
  });

  it("oversize code", async () => {
    const c = await open({ limits: { maxCodeBytes: 4096 } });
    const r = await c.tx(alice, msgStoreCodeAny({ wasmByteCode: counterWasm }));
    expect(r.code).toBe(ResultCode.CONTRACT_REJECTED);
    expect(r.log).toMatch(/^VM_CODE_TOO_LARGE: .*4096/);
  });
});

describe("determinism", () => {
  /** One workload: deploys, successes, failures, iteration, transfers. Returns per-block results. */
  async function workload(c: WasmChain, restartHalfway: boolean) {
    const out: { appHash: string; results: [number, number, string][] }[] = [];
    const record = async (r: Promise<unknown>) => {
      await r;
      const tx = c.lastTx!;
      out.push({ appHash: toHex(c.lastAppHash), results: [[tx.code, tx.gasUsed, toHex(tx.data)]] });
    };
    const counter = await c.deploy(alice, counterWasm, { start: 3 });
    const token = await c.deploy(alice, tokenWasm, { name: "T", symbol: "T", supply: "1000" });
    const probe = await c.deploy(alice, probeWasm, {}, ANKR);
    const hostile = await c.deploy(alice, hostileWasm);
    await record(c.execute(bob, counter, "increment", { by: 4 }));
    await record(c.execute(alice, token, "transfer", { to: bob.bech32, amount: "10" }));
    for (const k of ["b", "a", "c"]) await record(c.execute(bob, probe, "put", { key: k, value: k }));
    if (restartHalfway) await c.restart();
    await record(c.execute(bob, probe, "del", { key: "b" }));
    await record(c.execute(bob, probe, "list", {}));
    await record(c.execute(bob, hostile, "spin", {}, 0n, { gasLimit: 1_000_000 }));
    await record(c.execute(bob, hostile, "write_then_trap", { n: 5 }));
    await record(c.execute(bob, probe, "pay", { to: carol.bech32, amount: "12345" }));
    return out;
  }

  it("the same workload gives the same results, gas and app hashes on two nodes (one restarted: cold cache and index)", async () => {
    const a = await open();
    const b = await open();
    const ra = await workload(a, false);
    const rb = await workload(b, true);
    expect(rb).toEqual(ra);
    const [, , , , , , list, spin] = ra.map((r) => r.results[0]!);
    expect(jsonOf(Buffer.from(list![2], "hex"))).toEqual({ keys: ["a", "c"] });
    expect(spin!.slice(0, 2)).toEqual([ResultCode.OUT_OF_GAS, 1_000_000]);
  });
});
