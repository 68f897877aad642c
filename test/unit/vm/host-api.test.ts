/** The host API seen from a real AssemblyScript contract (fixtures/probe). */
import { beforeAll, describe, expect, it } from "vitest";
import { fromUtf8, toHex, utf8 } from "../../../src/codec/bytes.js";
import { toBech32 } from "../../../src/crypto/address.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { VmRuntime } from "../../../src/vm/runtime.js";
import { MemoryHost } from "../../../src/vm/testing/memory-host.js";
import { account, contractWasm, deploy, failed, GAS, json, okJson } from "./helpers.js";

let probeWasm: Uint8Array;
beforeAll(async () => {
  probeWasm = await contractWasm("fixtures/probe");
});

const alice = account(1);
const bob = account(2);

function setup() {
  const vm = new VmRuntime();
  const host = new MemoryHost({
    chainId: "dccn-probe",
    blockHeight: 42,
    blockTimeMs: 1_700_000_123_456,
    gasPrice: 25n,
  });
  const probe = deploy(vm, host, probeWasm, 1);
  const exec = (
    method: string,
    args?: unknown,
    opts: { sender?: Uint8Array; amount?: bigint; gasLimit?: number } = {},
  ) =>
    vm.execute(host, {
      contract: probe.contract,
      sender: opts.sender ?? alice.address,
      method,
      input: args === undefined ? new Uint8Array(0) : json(args),
      amount: opts.amount ?? 0n,
      gasLimit: opts.gasLimit ?? GAS,
    });
  const query = (method: string, args?: unknown) =>
    vm.query(host, {
      contract: probe.contract,
      method,
      input: args === undefined ? new Uint8Array(0) : json(args),
      gasLimit: GAS,
    });
  return { vm, host, probe, exec, query };
}

describe("host API", () => {
  it("reports caller, origin, own address, attached amount, block and chain data", () => {
    const { host, probe, exec } = setup();
    host.setBalance(bob.address, 1_000n);
    const ctx = okJson(exec("context", undefined, { sender: bob.address, amount: 300n }));
    expect(ctx).toEqual({
      caller: bob.bech32,
      origin: bob.bech32,
      self: probe.bech32,
      attached: "300",
      height: 42,
      time: 1_700_000_123_456,
      chain_id: "dccn-probe",
      gas_price: "25",
      balance: "300",
      gas_left_positive: true,
    });
    expect(host.balanceOf(bob.address)).toBe(700n);
    expect(host.balanceOf(probe.contract)).toBe(300n);
  });

  it("fails without moving funds when the sender cannot cover the attached amount", () => {
    const { host, probe, exec } = setup();
    host.setBalance(bob.address, 10n);
    const r = failed(
      exec("context", undefined, { sender: bob.address, amount: 11n }),
      "VM_INSUFFICIENT_FUNDS",
    );
    expect(r.gasUsed).toBeGreaterThan(0);
    expect(host.balanceOf(bob.address)).toBe(10n);
    expect(host.balanceOf(probe.contract)).toBe(0n);
  });

  it("reads, writes, checks and removes storage", () => {
    const { exec, query } = setup();
    expect(okJson(query("get", { key: "a" }))).toEqual({ value: "", exists: false });
    exec("put", { key: "a", value: "1" });
    expect(okJson(query("get", { key: "a" }))).toEqual({ value: "1", exists: true });
    exec("del", { key: "a" });
    expect(okJson(query("get", { key: "a" }))).toEqual({ value: "", exists: false });
  });

  it("iterates a prefix in byte order, with a cursor and a limit", () => {
    const { exec, query } = setup();
    for (const k of ["b", "a2", "c", "a10", "a"]) exec("put", { key: k, value: k });
    expect(okJson(query("list", {}))).toEqual({ keys: ["a", "a10", "a2", "b", "c"] });
    expect(okJson(query("list", { after: "a10", limit: 2 }))).toEqual({ keys: ["a2", "b"] });
    expect(okJson(query("list", { after: "c" }))).toEqual({ keys: [] });
    expect(okJson(query("scan_raw", { prefix: "kv/a" }))).toEqual({ count: 3 });
    expect(okJson(query("scan_raw", { prefix: "" }))).toEqual({ count: 5 });
  });

  it("charges storage writes per byte", () => {
    const { exec } = setup();
    const small = exec("put", { key: "k", value: "v" }).gasUsed;
    const large = exec("put", { key: "k", value: "v".repeat(1001) }).gasUsed;
    expect(large - small).toBeGreaterThanOrEqual(1000 * 30);
  });

  it("transfers ANKR out of the contract and refuses overdrafts", () => {
    const { host, probe, exec } = setup();
    host.setBalance(probe.contract, 500n);
    expect(exec("pay", { to: bob.bech32, amount: "200" }).ok).toBe(true);
    expect(host.balanceOf(bob.address)).toBe(200n);
    expect(failed(exec("pay", { to: bob.bech32, amount: "301" }), "VM_ABORT").error.message).toMatch(
      /insufficient/,
    );
    expect(host.balanceOf(probe.contract)).toBe(300n);
  });

  it("hashes with SHA-256 and verifies Ed25519 signatures natively", () => {
    const { query } = setup();
    expect(okJson(query("hash", { data: "hello" }))).toEqual({ sha256: toHex(sha256(utf8("hello"))) });
    const msg = utf8("deal 7 completed");
    const sig = alice.key.sign(msg);
    const args = { pk: toHex(alice.key.publicKey), msg: toHex(msg), sig: toHex(sig) };
    expect(okJson(query("verify", args))).toEqual({ valid: true });
    const tampered = sig.slice();
    tampered[0]! ^= 1;
    expect(okJson(query("verify", { ...args, sig: toHex(tampered) }))).toEqual({ valid: false });
  });

  it("emits events on success only, and validates them", () => {
    const { exec } = setup();
    const ok = exec("emit", { type: "paid", key: "who", value: "alice" });
    if (!ok.ok) throw ok.error;
    expect(ok.events).toHaveLength(1);
    expect(ok.events[0]!.type).toBe("paid");
    expect(ok.events[0]!.attributes).toEqual([["who", "alice"]]);
    failed(exec("emit", { type: "bad type!", key: "k", value: "v" }), "VM_BAD_HOST_ARGS");
  });

  it("sends debug logs to the host without touching state", () => {
    const { host, exec } = setup();
    const before = host.stateDigest();
    expect(exec("debug", { message: "hello from wasm" }).ok).toBe(true);
    expect(host.logs.at(-1)?.message).toBe("hello from wasm");
    expect(host.stateDigest()).toBe(before);
  });

  it("makes queries read-only", () => {
    const { host, query } = setup();
    const before = host.stateDigest();
    failed(query("put", { key: "a", value: "1" }), "VM_READ_ONLY");
    failed(query("emit", { type: "t", key: "k", value: "v" }), "VM_READ_ONLY");
    expect(host.stateDigest()).toBe(before);
    expect(host.openSnapshots).toBe(0);
  });

  it("only calls exported nullary methods, never init, _start or internals", () => {
    const { exec } = setup();
    for (const method of ["init", "_start", "memory", "__dccn_gas", "nope", "", "x".repeat(100)]) {
      failed(exec(method), "VM_METHOD_NOT_FOUND");
    }
  });

  it("rejects bad requests: unknown contract or code, duplicate address, oversize input", () => {
    const { vm, host, probe, exec } = setup();
    const missing = vm.execute(host, {
      contract: new Uint8Array(20).fill(9),
      sender: alice.address,
      method: "echo",
      input: new Uint8Array(0),
      gasLimit: GAS,
    });
    failed(missing, "VM_CONTRACT_NOT_FOUND");
    const again = vm.instantiate(host, {
      codeHash: probe.prepared.codeHash,
      contract: probe.contract,
      sender: alice.address,
      input: new Uint8Array(0),
      gasLimit: GAS,
    });
    failed(again, "VM_CONTRACT_EXISTS");
    const noCode = vm.instantiate(host, {
      codeHash: new Uint8Array(32),
      contract: new Uint8Array(20).fill(8),
      sender: alice.address,
      input: new Uint8Array(0),
      gasLimit: GAS,
    });
    failed(noCode, "VM_CODE_NOT_FOUND");
    failed(exec("echo", { data: "x".repeat(70_000) }), "VM_INPUT_TOO_LARGE");
  });

  it("round-trips JSON strings, nested objects, U128 arithmetic and bech32 with the node", () => {
    const { query } = setup();
    const text = 'quote " backslash \\ newline \n tab \t unicode é ✓ \u0001';
    expect(okJson(query("strings", { text, nested: { n: 7, deep: [1, { x: "]" }] }, flag: true }))).toEqual({
      text,
      nested_raw: { n: 7, deep: [1, { x: "]" }] },
      n: 7,
      flag: true,
    });
    const a = 340282366920938463463374607431768211455n; // 2^128 - 1
    const r = okJson(query("u128", { a: (a - 5n).toString(), b: "5", m: 1, d: 1_000_000_007 }));
    expect(r).toEqual({
      add: a.toString(),
      mul: (a - 5n).toString(),
      div: ((a - 5n) / 1_000_000_007n).toString(),
      mod: Number((a - 5n) % 1_000_000_007n),
      lt: false,
      sub: (a - 10n).toString(),
    });
    const big = 10n ** 30n + 12345n;
    expect(
      okJson(query("u128", { a: big.toString(), b: (big * 3n).toString(), m: 123456789, d: 10 })),
    ).toMatchObject({
      add: (big * 4n).toString(),
      mul: (big * 123456789n).toString(),
      div: (big / 10n).toString(),
      lt: true,
    });
    failed(query("u128", { a: a.toString(), b: "1", m: 1, d: 1 }), "VM_ABORT"); // overflow
    failed(query("u128", { a: "12x", b: "1", m: 1, d: 1 }), "VM_ABORT");
    for (const n of [1, 2, 3, 200]) {
      const addr = account(n).address;
      expect(okJson(query("parse_address", { address: toBech32(addr) }))).toEqual({
        address: toBech32(addr),
      });
    }
    const good = toBech32(alice.address);
    const badChecksum = `${good.slice(0, -1)}${good.endsWith("q") ? "p" : "q"}`;
    expect(failed(query("parse_address", { address: badChecksum }), "VM_ABORT").error.message).toMatch(
      /invalid address/,
    );
    failed(query("strings", "not an object"), "VM_ABORT");
    expect(fromUtf8((query("echo", { x: 1 }) as { data: Uint8Array }).data)).toBe('{"x":1}');
  });
});
