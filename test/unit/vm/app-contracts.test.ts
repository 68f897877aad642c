/**
 * Contracts through a real DccnApp: deploy → instantiate → execute → query, with the fee
 * following the gas the contract used, contract events as ABCI events and the query routes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fromUtf8, toHexUpper, utf8 } from "../../../src/codec/bytes.js";
import { toBech32 } from "../../../src/crypto/address.js";
import { sha256 } from "../../../src/crypto/hash.js";
import {
  CONTRACT_ADDRESS_ATTR,
  contractAddress,
  EXECUTE_GAS,
  STORE_CODE_GAS,
} from "../../../src/dccn-app/contracts/index.js";
import { FEE_COLLECTOR, ResultCode } from "../../../src/dccn-app/index.js";
import { removeTempDirs, wallet } from "../dccn-app/helpers.js";
import { ANKR, eventsOf, GAS_PRICE, jsonOf, ok, WasmChain } from "./app-helpers.js";
import { contractWasm } from "./helpers.js";

let counterWasm: Uint8Array;
let tokenWasm: Uint8Array;
let escrowWasm: Uint8Array;
beforeAll(async () => {
  [counterWasm, tokenWasm, escrowWasm] = await Promise.all([
    contractWasm("examples/counter"),
    contractWasm("examples/token"),
    contractWasm("examples/sla-escrow"),
  ]);
});

const alice = wallet(1);
const bob = wallet(2);
const carol = wallet(3);

let chain: WasmChain | undefined;
afterEach(async () => {
  await chain?.close();
  chain = undefined;
});
afterAll(removeTempDirs);

describe("contracts module through DccnApp", () => {
  it("deploys, instantiates, executes and queries the counter; the fee follows the gas used", async () => {
    chain = await WasmChain.open();
    const c = chain;

    // Store: the result data is the code hash (SHA-256 of the submitted wasm).
    const before = await c.balance(alice);
    const codeHash = await c.store(alice, counterWasm);
    const stored = c.lastTx!;
    expect(toHexUpper(codeHash)).toBe(toHexUpper(sha256(counterWasm)));
    expect(eventsOf(stored, "store_code")[0]).toMatchObject({
      code_hash: toHexUpper(codeHash),
      creator: alice.bech32,
    });
    // Deploy gas is per byte on top of the msg's own gas, and the fee is exactly gas used × price.
    expect(stored.gasUsed).toBeGreaterThan(STORE_CODE_GAS + counterWasm.length * 10);
    expect(await c.balance(alice)).toBe(before - BigInt(stored.gasUsed) * GAS_PRICE);

    const info = await c.query(`/wasm/code/${toHexUpper(codeHash)}`);
    expect(info.code).toBe(0);
    expect(jsonOf(info.value)).toMatchObject({
      code_hash: toHexUpper(codeHash),
      creator: alice.bech32,
      original_size: counterWasm.length,
      has_init: true,
      methods: ["get", "increment", "reset"],
      height: 1,
    });

    // Instantiate with 5 ANKR attached: the address is derived from (creator, tx nonce).
    const expected = contractAddress(alice.address, c.nextNonce(alice));
    const beforeInit = await c.balance(alice);
    const inst = ok(await c.instantiate(alice, codeHash, { start: 41 }, 5n * ANKR));
    expect(toBech32(inst.data)).toBe(toBech32(expected));
    const contract = inst.data;
    expect(eventsOf(inst, "instantiate")[0]).toEqual({
      [CONTRACT_ADDRESS_ATTR]: toBech32(contract),
      code_hash: toHexUpper(codeHash),
      creator: alice.bech32,
      label: "test",
    });
    expect(eventsOf(inst, "transfer")[0]).toEqual({
      sender: alice.bech32,
      recipient: toBech32(contract),
      amount: (5n * ANKR).toString(),
    });
    expect(await c.balance(contract)).toBe(5n * ANKR);
    expect(await c.balance(alice)).toBe(beforeInit - 5n * ANKR - BigInt(inst.gasUsed) * GAS_PRICE);

    const cinfo = await c.query(`/wasm/contract/${toBech32(contract)}`);
    expect(jsonOf(cinfo.value)).toEqual({
      address: toBech32(contract),
      code_hash: toHexUpper(codeHash),
      creator: alice.bech32,
      label: "test",
      height: 2,
      balance: (5n * ANKR).toString(),
    });

    // Execute: the result data is the method's return value; contract events are indexed.
    const feesBefore = await c.balance(FEE_COLLECTOR);
    const bobBefore = await c.balance(bob);
    const inc = ok(await c.execute(bob, contract, "increment", { by: 2 }));
    expect(jsonOf(inc.data)).toEqual({ count: 43 });
    expect(eventsOf(inc, "execute")[0]).toEqual({
      [CONTRACT_ADDRESS_ATTR]: toBech32(contract),
      method: "increment",
    });
    expect(eventsOf(inc, "wasm-increment")[0]).toEqual({
      [CONTRACT_ADDRESS_ATTR]: toBech32(contract),
      by: "2",
      count: "43",
    });
    expect(inc.events.find((e) => e.type === "wasm-increment")!.attributes.every((a) => a.index)).toBe(true);
    // The contract's gas went through the tx's meter: well above the msg's fixed gas.
    expect(inc.gasUsed).toBeGreaterThan(EXECUTE_GAS + 10_000 + 5_000);
    const fee = BigInt(inc.gasUsed) * GAS_PRICE;
    expect(await c.balance(bob)).toBe(bobBefore - fee);
    expect(await c.balance(FEE_COLLECTOR)).toBe(feesBefore + fee);

    // Smart query and raw storage read.
    expect(await c.call(contract, "get")).toEqual({ count: 43, owner: alice.bech32 });
    const raw = await c.query(`/wasm/state/${toBech32(contract)}`, utf8("count"));
    expect(raw.code).toBe(0);
    expect(new DataView(raw.value.buffer, raw.value.byteOffset).getBigUint64(0, true)).toBe(43n);
    // Queries change nothing and cost nothing.
    expect(await c.balance(bob)).toBe(bobBefore - fee);

    // The owner check of `reset` sees the tx signer as the caller.
    const denied = await c.execute(bob, contract, "reset");
    expect(denied.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(denied.log).toMatch(/^VM_ABORT: .*only the owner may reset/);
    ok(await c.execute(alice, contract, "reset"));
    expect(await c.call(contract, "get")).toMatchObject({ count: 0 });
  });

  it("runs the token: transfers between holders, allowances, balances by query", async () => {
    chain = await WasmChain.open();
    const token = await chain.deploy(alice, tokenWasm, {
      name: "Dccn Test",
      symbol: "DCT",
      supply: "1000000",
    });
    const t = ok(await chain.execute(alice, token, "transfer", { to: bob.bech32, amount: "250" }));
    expect(jsonOf(t.data)).toEqual({ balance: "999750" });
    expect(eventsOf(t, "wasm-transfer")[0]).toMatchObject({
      from: alice.bech32,
      to: bob.bech32,
      amount: "250",
    });
    ok(await chain.execute(bob, token, "approve", { spender: carol.bech32, amount: "100" }));
    ok(
      await chain.execute(carol, token, "transfer_from", {
        owner: bob.bech32,
        to: carol.bech32,
        amount: "60",
      }),
    );
    const over = await chain.execute(carol, token, "transfer_from", {
      owner: bob.bech32,
      to: carol.bech32,
      amount: "41",
    });
    expect(over.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(over.log).toMatch(/allowance exceeded/);
    const balance = async (w: typeof alice) =>
      (await chain!.call<{ balance: string }>(token, "balance_of", { owner: w.bech32 })).balance;
    expect([await balance(alice), await balance(bob), await balance(carol)]).toEqual(["999750", "190", "60"]);
    expect(await chain.call(token, "info")).toEqual({
      name: "Dccn Test",
      symbol: "DCT",
      decimals: 18,
      total_supply: "1000000",
    });
  });

  it("runs the SLA escrow: locked payment goes to the provider on confirmation, back on breach", async () => {
    chain = await WasmChain.open();
    const escrow = await chain.deploy(carol, escrowWasm, {
      arbiter: carol.bech32,
      fee_bps: 100,
      fee_collector: carol.bech32,
    });
    const aliceStart = await chain.balance(alice);
    const bobStart = await chain.balance(bob);

    // Deal 1 is confirmed: bob (provider) gets 99%, the fee collector 1%.
    const open1 = ok(
      await chain.execute(alice, escrow, "open", { provider: bob.bech32, deadline: 100 }, 10n * ANKR),
    );
    const id1 = jsonOf<{ id: number }>(open1.data).id;
    expect(await chain.balance(escrow)).toBe(10n * ANKR);
    const conf = ok(await chain.execute(alice, escrow, "confirm", { id: id1 }));
    expect(eventsOf(conf, "transfer").map((e) => [e.recipient, e.amount])).toEqual([
      [bob.bech32, ((10n * ANKR * 99n) / 100n).toString()],
      [carol.bech32, ((10n * ANKR) / 100n).toString()],
    ]);

    // Deal 2 is breached: the arbiter refunds alice in full.
    const open2 = ok(
      await chain.execute(alice, escrow, "open", { provider: bob.bech32, deadline: 100 }, 3n * ANKR),
    );
    const id2 = jsonOf<{ id: number }>(open2.data).id;
    ok(await chain.execute(carol, escrow, "report_breach", { id: id2, reason: "downtime" }));
    expect(await chain.call(escrow, "get_deal", { id: id2 })).toMatchObject({
      deal: { status: "breached", tenant: alice.bech32 },
    });
    expect(await chain.balance(escrow)).toBe(0n);

    const bobGot = (await chain.balance(bob)) - bobStart;
    expect(bobGot).toBe((10n * ANKR * 99n) / 100n);
    // alice paid deal 1 (10 ANKR) and her gas; deal 2 came back.
    expect(aliceStart - (await chain.balance(alice))).toBeGreaterThan(10n * ANKR);
    expect(aliceStart - (await chain.balance(alice))).toBeLessThan(10n * ANKR + ANKR / 1000n);
    const deals = await chain.call<{ deals: unknown[] }>(escrow, "deals", {});
    expect(deals.deals).toHaveLength(2);
  });

  it("serves clear errors for unknown code, contracts and bad query paths", async () => {
    chain = await WasmChain.open();
    const missing = await chain.instantiate(alice, new Uint8Array(32).fill(7));
    expect(missing.code).toBe(ResultCode.CODE_NOT_FOUND);
    expect(missing.log).toMatch(/^VM_CODE_NOT_FOUND/);
    const nowhere = await chain.execute(alice, new Uint8Array(20).fill(9), "get");
    expect(nowhere.code).toBe(ResultCode.CONTRACT_NOT_FOUND);
    expect((await chain.query(`/wasm/contract/${toBech32(new Uint8Array(20).fill(9))}`)).code).toBe(
      ResultCode.CONTRACT_NOT_FOUND,
    );
    expect((await chain.query(`/wasm/code/${"AB".repeat(32)}`)).code).toBe(ResultCode.CODE_NOT_FOUND);
    expect((await chain.query("/wasm/code/xyz")).code).toBe(ResultCode.INVALID_QUERY);
    expect((await chain.query("/wasm/contract/ankr1nope")).code).toBe(ResultCode.INVALID_ADDRESS);
    const counter = await chain.deploy(alice, counterWasm);
    expect((await chain.query(`/wasm/call/${toBech32(counter)}`)).code).toBe(ResultCode.INVALID_QUERY);
    expect((await chain.query(`/wasm/call/${toBech32(counter)}/init`)).code).toBe(ResultCode.INVALID_QUERY);
    const noMethod = await chain.query(`/wasm/call/${toBech32(counter)}/nope`);
    expect(noMethod.code).toBe(ResultCode.INVALID_MSG);
    expect(noMethod.log).toMatch(/VM_METHOD_NOT_FOUND/);
    // A query may not write: increment fails read-only and the count is unchanged.
    const ro = await chain.query(`/wasm/call/${toBech32(counter)}/increment`, utf8("{}"));
    expect(ro.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(ro.log).toMatch(/^VM_READ_ONLY/);
    expect(await chain.call(counter, "get")).toMatchObject({ count: 0 });
    expect(fromUtf8((await chain.query(`/wasm/state/${toBech32(counter)}`, utf8("missing"))).value)).toBe("");
  });
});
