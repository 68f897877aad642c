/** The example contracts end to end through the runtime with the in-memory host. */
import { beforeAll, describe, expect, it } from "vitest";
import { VmRuntime } from "../../../src/vm/runtime.js";
import { MemoryHost } from "../../../src/vm/testing/memory-host.js";
import { account, contractWasm, deploy, failed, GAS, json, okJson } from "./helpers.js";

const wasm: Record<string, Uint8Array> = {};
beforeAll(async () => {
  for (const name of ["counter", "token", "sla-escrow"]) wasm[name] = await contractWasm(`examples/${name}`);
});

const alice = account(1);
const bob = account(2);
const carol = account(3);
const dave = account(4);

function harness(host = new MemoryHost()) {
  const vm = new VmRuntime();
  const exec = (contract: Uint8Array, sender: Uint8Array, method: string, args: unknown = {}, amount = 0n) =>
    vm.execute(host, { contract, sender, method, input: json(args), amount, gasLimit: GAS });
  const query = (contract: Uint8Array, method: string, args: unknown = {}) =>
    vm.query(host, { contract, method, input: json(args), gasLimit: GAS });
  return { vm, host, exec, query };
}

describe("counter", () => {
  it("starts, increments, reports and resets (owner only)", () => {
    const { vm, host, exec, query } = harness();
    const { contract } = deploy(vm, host, wasm.counter!, 1, { sender: alice.address, init: { start: 5 } });
    expect(okJson(query(contract, "get"))).toEqual({ count: 5, owner: alice.bech32 });
    const inc = exec(contract, bob.address, "increment", { by: 3 });
    expect(okJson(inc)).toEqual({ count: 8 });
    if (!inc.ok) throw inc.error;
    expect(inc.events).toEqual([
      {
        contract,
        type: "increment",
        attributes: [
          ["by", "3"],
          ["count", "8"],
        ],
      },
    ]);
    expect(okJson(exec(contract, bob.address, "increment"))).toEqual({ count: 9 });
    failed(exec(contract, bob.address, "increment", { by: 0 }), "VM_ABORT");
    expect(failed(exec(contract, bob.address, "reset"), "VM_ABORT").error.message).toMatch(/only the owner/);
    expect(okJson(exec(contract, alice.address, "reset"))).toEqual({ count: 0 });
    expect(okJson(query(contract, "get")).count).toBe(0);
  });
});

describe("token", () => {
  const SUPPLY = 10n ** 27n; // beyond u64: exercises the SDK's U128

  function setup() {
    const h = harness();
    const { contract } = deploy(h.vm, h.host, wasm.token!, 2, {
      sender: alice.address,
      init: { name: "Ankr Test", symbol: "TANKR", supply: SUPPLY.toString() },
    });
    const balance = (who: string) =>
      BigInt(okJson<{ balance: string }>(h.query(contract, "balance_of", { owner: who })).balance);
    return { ...h, contract, balance };
  }

  it("mints the supply to the creator and describes itself", () => {
    const { contract, query, balance } = setup();
    expect(okJson(query(contract, "info"))).toEqual({
      name: "Ankr Test",
      symbol: "TANKR",
      decimals: 18,
      total_supply: SUPPLY.toString(),
    });
    expect(balance(alice.bech32)).toBe(SUPPLY);
    expect(balance(bob.bech32)).toBe(0n);
  });

  it("transfers, emits an event, and refuses overdrafts without side effects", () => {
    const { contract, exec, host, balance } = setup();
    const r = exec(contract, alice.address, "transfer", { to: bob.bech32, amount: "1000000000000000000000" });
    expect(okJson(r)).toEqual({ balance: (SUPPLY - 10n ** 21n).toString() });
    if (!r.ok) throw r.error;
    expect(r.events[0]).toMatchObject({
      type: "transfer",
      attributes: [
        ["from", alice.bech32],
        ["to", bob.bech32],
        ["amount", "1000000000000000000000"],
      ],
    });
    expect(balance(bob.bech32)).toBe(10n ** 21n);
    const before = host.stateDigest();
    const over = failed(
      exec(contract, bob.address, "transfer", { to: carol.bech32, amount: (10n ** 21n + 1n).toString() }),
      "VM_ABORT",
    );
    expect(over.error.message).toMatch(/insufficient balance/);
    expect(over.gasUsed).toBeGreaterThan(0);
    expect(host.stateDigest()).toBe(before);
    failed(exec(contract, bob.address, "transfer", { to: "ankr1notanaddress", amount: "1" }), "VM_ABORT");
    failed(exec(contract, bob.address, "transfer", { to: carol.bech32, amount: "-1" }), "VM_ABORT");
  });

  it("approves a spender who transfers within the allowance only", () => {
    const { contract, exec, query, balance } = setup();
    expect(okJson(exec(contract, alice.address, "approve", { spender: bob.bech32, amount: "500" }))).toEqual({
      allowance: "500",
    });
    expect(okJson(query(contract, "allowance", { owner: alice.bech32, spender: bob.bech32 }))).toEqual({
      allowance: "500",
    });
    expect(
      okJson(
        exec(contract, bob.address, "transfer_from", {
          owner: alice.bech32,
          to: carol.bech32,
          amount: "300",
        }),
      ),
    ).toEqual({
      allowance: "200",
    });
    expect(balance(carol.bech32)).toBe(300n);
    const tooMuch = failed(
      exec(contract, bob.address, "transfer_from", { owner: alice.bech32, to: carol.bech32, amount: "201" }),
      "VM_ABORT",
    );
    expect(tooMuch.error.message).toMatch(/allowance exceeded/);
    failed(
      exec(contract, carol.address, "transfer_from", { owner: alice.bech32, to: carol.bech32, amount: "1" }),
      "VM_ABORT",
    );
    expect(balance(alice.bech32)).toBe(SUPPLY - 300n);
  });
});

describe("sla-escrow", () => {
  const arbiter = dave;
  const collector = account(5);

  function setup(feeBps = 500) {
    const h = harness(new MemoryHost({ blockHeight: 100 }));
    const { contract } = deploy(h.vm, h.host, wasm["sla-escrow"]!, 3, {
      sender: alice.address,
      init: { arbiter: arbiter.bech32, fee_bps: feeBps, fee_collector: collector.bech32 },
    });
    h.host.setBalance(alice.address, 1_000_000n); // tenant
    const open = (amount: bigint, deadline = 200) =>
      okJson<{ id: number }>(
        h.exec(
          contract,
          alice.address,
          "open",
          { provider: bob.bech32, deadline, terms: "4 vCPU, 99.9%" },
          amount,
        ),
      ).id;
    const deal = (id: number) =>
      okJson<{ deal: Record<string, unknown> }>(h.query(contract, "get_deal", { id })).deal;
    return { ...h, contract, open, deal };
  }

  it("locks the tenant's payment and pays the provider minus the fee on confirmation", () => {
    const { contract, host, exec, open, deal } = setup(500);
    const id = open(10_000n);
    expect(id).toBe(1);
    expect(host.balanceOf(alice.address)).toBe(990_000n);
    expect(host.balanceOf(contract)).toBe(10_000n);
    expect(deal(id)).toEqual({
      id: 1,
      tenant: alice.bech32,
      provider: bob.bech32,
      amount: "10000",
      deadline: 200,
      status: "open",
      terms: "4 vCPU, 99.9%",
    });
    expect(failed(exec(contract, bob.address, "confirm", { id }), "VM_ABORT").error.message).toMatch(
      /only the tenant/,
    );
    const r = exec(contract, alice.address, "confirm", { id });
    expect(okJson(r)).toEqual({ payout: "9500", fee: "500" });
    if (!r.ok) throw r.error;
    expect(r.events.map((e) => e.type)).toEqual(["deal_completed"]);
    expect(host.balanceOf(bob.address)).toBe(9_500n);
    expect(host.balanceOf(collector.address)).toBe(500n);
    expect(host.balanceOf(contract)).toBe(0n);
    expect(deal(id).status).toBe("completed");
    expect(failed(exec(contract, alice.address, "confirm", { id }), "VM_ABORT").error.message).toMatch(
      /is completed/,
    );
  });

  it("refunds the tenant when the arbiter reports a breach", () => {
    const { contract, host, exec, open, deal } = setup();
    const id = open(7_000n);
    failed(exec(contract, alice.address, "report_breach", { id }), "VM_ABORT");
    expect(okJson(exec(contract, arbiter.address, "report_breach", { id, reason: "uptime 91%" }))).toEqual({
      refund: "7000",
    });
    expect(host.balanceOf(alice.address)).toBe(1_000_000n);
    expect(deal(id).status).toBe("breached");
    failed(exec(contract, alice.address, "confirm", { id }), "VM_ABORT");
  });

  it("refunds the tenant after the deadline, never before", () => {
    const { contract, host, exec, open, deal } = setup();
    const id = open(3_000n, 150);
    expect(failed(exec(contract, alice.address, "refund", { id }), "VM_ABORT").error.message).toMatch(
      /deadline/,
    );
    host.blockHeight = 151;
    failed(exec(contract, bob.address, "refund", { id }), "VM_ABORT");
    expect(okJson(exec(contract, alice.address, "refund", { id }))).toEqual({ refund: "3000" });
    expect(host.balanceOf(alice.address)).toBe(1_000_000n);
    expect(deal(id).status).toBe("refunded");
  });

  it("validates deals and lists them in id order", () => {
    const { contract, exec, query, open } = setup(0);
    failed(exec(contract, alice.address, "open", { provider: bob.bech32, deadline: 200 }), "VM_ABORT"); // no payment
    failed(exec(contract, alice.address, "open", { provider: bob.bech32, deadline: 50 }, 1n), "VM_ABORT"); // past
    failed(exec(contract, alice.address, "open", { provider: alice.bech32, deadline: 200 }, 1n), "VM_ABORT");
    const ids = [open(1n), open(2n), open(3n), open(4n)];
    expect(ids).toEqual([1, 2, 3, 4]);
    const page = okJson<{ deals: { id: number; amount: string }[] }>(
      query(contract, "deals", { after: 1, limit: 2 }),
    );
    expect(page.deals.map((d) => [d.id, d.amount])).toEqual([
      [2, "2"],
      [3, "3"],
    ]);
    expect(okJson<{ deals: unknown[] }>(query(contract, "deals", {})).deals).toHaveLength(4);
    expect(okJson(query(contract, "config"))).toEqual({
      arbiter: arbiter.bech32,
      fee_bps: 0,
      fee_collector: "",
    });
  });
});
