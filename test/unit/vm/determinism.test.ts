/**
 * Determinism: one workload run through a runtime whose cache keeps evicting (cold compiles)
 * and through a warm runtime gives identical gas, results, events and state.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../../src/codec/bytes.js";
import { toBech32 } from "../../../src/crypto/address.js";
import { VmRuntime } from "../../../src/vm/runtime.js";
import { MemoryHost } from "../../../src/vm/testing/memory-host.js";
import { account, contractWasm, GAS, json } from "./helpers.js";

const wasm: Record<string, Uint8Array> = {};
beforeAll(async () => {
  for (const p of [
    "examples/counter",
    "examples/token",
    "examples/sla-escrow",
    "fixtures/probe",
    "fixtures/hostile",
  ]) {
    wasm[p] = await contractWasm(p);
  }
});

const alice = account(1);
const bob = account(2);

function workload(vm: VmRuntime): { trace: string[]; digest: string } {
  const host = new MemoryHost({ blockHeight: 10 });
  host.setBalance(alice.address, 10n ** 20n);
  const trace: string[] = [];
  const addr = (n: number) => new Uint8Array(20).fill(0xa0 + n);
  const record = (r: ReturnType<VmRuntime["execute"]>) => {
    trace.push(
      r.ok
        ? `ok ${r.gasUsed} ${toHex(r.data)} ${JSON.stringify(r.events.map((e) => [toHex(e.contract), e.type, e.attributes]))}`
        : `fail ${r.gasUsed} ${r.error.code} ${r.error.message}`,
    );
  };
  const names = Object.keys(wasm);
  names.forEach((name, i) => {
    const prepared = vm.prepareCode(wasm[name]!);
    host.storeCode(prepared);
    const init =
      name === "examples/token"
        ? { name: "T", symbol: "T", supply: "1000000000000000000000000" }
        : name === "examples/sla-escrow"
          ? { arbiter: account(4).bech32, fee_bps: 250, fee_collector: account(5).bech32 }
          : {};
    record(
      vm.instantiate(host, {
        codeHash: prepared.codeHash,
        contract: addr(i),
        sender: alice.address,
        input: json(init),
        gasLimit: GAS,
      }),
    );
  });
  const [counter, token, escrow, probe, hostile] = names.map((_, i) => addr(i));
  const call = (contract: Uint8Array, method: string, args: unknown, amount = 0n, gasLimit = GAS) =>
    record(
      vm.execute(host, { contract, sender: alice.address, method, input: json(args), amount, gasLimit }),
    );
  for (let round = 0; round < 3; round++) {
    call(counter!, "increment", { by: round + 1 });
    call(token!, "transfer", { to: bob.bech32, amount: `${1000 + round}` });
    call(token!, "transfer", { to: bob.bech32, amount: "10000000000000000000000000" }); // overdraft
    call(escrow!, "open", { provider: bob.bech32, deadline: 20 }, 5000n);
    call(escrow!, "confirm", { id: round + 1 });
    call(probe!, "forward", { contract: account(0).bech32, method: "get" }); // not a contract
    call(probe!, "try_forward", { contract: toBech32(hostile!), method: "spin", gas: 20_000 });
    call(hostile!, "write_then_trap", { n: 3 });
    call(hostile!, "recurse", {}, 0n, 100_000_000);
    call(hostile!, "spin", {}, 0n, 300_000);
  }
  return { trace, digest: host.stateDigest() };
}

describe("determinism", () => {
  it("gives the same gas, results, events and state with a cold and a warm module cache", () => {
    const cold = new VmRuntime({ cacheSize: 1 });
    const a = workload(cold);
    expect(cold.cacheStats().misses).toBeGreaterThanOrEqual(20);

    const warm = new VmRuntime({ cacheSize: 16 });
    workload(warm); // warm up the cache (and V8's tiers)
    const missesBefore = warm.cacheStats().misses;
    const b = workload(warm);
    expect(warm.cacheStats().misses).toBe(missesBefore);
    expect(warm.cacheStats().hits).toBeGreaterThan(50);

    expect(b.trace).toEqual(a.trace);
    expect(b.digest).toBe(a.digest);
    expect(a.trace.filter((t) => t.startsWith("fail")).length).toBeGreaterThan(10);
    expect(a.trace.filter((t) => t.startsWith("ok")).length).toBeGreaterThan(10);
  });
});
