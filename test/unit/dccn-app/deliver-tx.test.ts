import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DccnApp, FEE_COLLECTOR, ResultCode, SEND_GAS } from "../../../src/dccn-app/index.js";
import { isDccnError } from "../../../src/errors.js";
import type { TxBody } from "../../../src/types/tx.js";
import {
  ANKR,
  accountOf,
  appState,
  attrs,
  header,
  initApp,
  openApp,
  removeTempDirs,
  runBlock,
  sendMsg,
  signed,
  tempDir,
  wallet,
} from "./helpers.js";

const alice = wallet(1);
const bob = wallet(2);
const carol = wallet(3);
const BALANCE = 10n * ANKR;
const PRICE = 1_000_000_000n; // 1 gwei-like unit per gas

let app: DccnApp;

beforeEach(async () => {
  app = await openApp(tempDir());
  await initApp(
    app,
    appState([
      [alice, BALANCE],
      [carol, 1n * ANKR],
    ]),
  );
});

afterEach(async () => {
  await app.close();
  removeTempDirs();
});

const send = (from: typeof alice, to: Uint8Array, amount: bigint, over: Partial<TxBody> = {}) =>
  signed(from, { gasLimit: 100_000, gasPrice: PRICE, msg: sendMsg(to, amount), ...over });

/** Default schedule: 10,000 per tx + 10 per byte, then the msg's own gas. */
const intrinsic = (tx: Uint8Array) => 10_000 + 10 * tx.length;

describe("DccnApp DeliverTx", () => {
  it("moves the exact amount, charges gasUsed × gasPrice to the fee collector, and emits events", async () => {
    const amount = 3n * ANKR + 17n;
    const tx = send(alice, bob.address, amount);
    const { results } = await runBlock(app, 1, [tx]);
    const r = results[0]!;
    expect(r.code).toBe(0);
    expect(r.gasWanted).toBe(100_000);
    expect(r.gasUsed).toBe(intrinsic(tx) + SEND_GAS);
    const fee = BigInt(r.gasUsed) * PRICE;

    expect(await accountOf(app, alice)).toEqual({ balance: BALANCE - amount - fee, nonce: 1 });
    expect(await accountOf(app, bob)).toEqual({ balance: amount, nonce: 0 });
    expect(await accountOf(app, FEE_COLLECTOR)).toEqual({ balance: fee, nonce: 0 });

    expect(r.events.map((e) => e.type)).toEqual(["tx", "message", "transfer"]);
    expect(attrs(r, "tx")).toEqual({
      fee: fee.toString(),
      fee_payer: alice.bech32,
      acc_seq: `${alice.bech32}/0`,
    });
    expect(attrs(r, "message")).toEqual({
      action: "/dccn.bank.v1.MsgSend",
      sender: alice.bech32,
      module: "bank",
    });
    expect(attrs(r, "transfer")).toEqual({
      sender: alice.bech32,
      recipient: bob.bech32,
      amount: amount.toString(),
    });
    expect(r.events.every((e) => e.attributes.every((a) => a.index))).toBe(true);
  });

  it("conserves the total supply across many transfers", async () => {
    const txs = [
      send(alice, bob.address, 5n),
      send(alice, carol.address, 7n, { nonce: 1 }),
      send(carol, alice.address, 1n),
      send(alice, bob.address, 2n * ANKR, { nonce: 2 }),
    ];
    const { results } = await runBlock(app, 1, txs);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    let total = 0n;
    for (const w of [alice.address, bob.address, carol.address, FEE_COLLECTOR])
      total += (await accountOf(app, w)).balance;
    expect(total).toBe(BALANCE + 1n * ANKR);
  });

  it("charges gas and uses the nonce when the msg fails, but rolls back the msg", async () => {
    // carol can pay the maximum fee, not fee + amount: the transfer fails in DeliverTx.
    const tx = send(carol, bob.address, 1n * ANKR);
    const { results } = await runBlock(app, 1, [tx]);
    const r = results[0]!;
    expect(r.code).toBe(ResultCode.INSUFFICIENT_FUNDS);
    expect(r.codespace).toBe("dccn");
    expect(r.gasUsed).toBe(intrinsic(tx) + SEND_GAS);
    const fee = BigInt(r.gasUsed) * PRICE;
    expect(await accountOf(app, carol)).toEqual({ balance: 1n * ANKR - fee, nonce: 1 });
    expect(await accountOf(app, bob)).toEqual({ balance: 0n, nonce: 0 });
    expect(await accountOf(app, FEE_COLLECTOR)).toEqual({ balance: fee, nonce: 0 });
    expect(r.events.map((e) => e.type)).toEqual(["tx"]);
    expect(attrs(r, "tx")?.fee).toBe(fee.toString());
  });

  it("charges the whole gas limit when the msg runs out of gas", async () => {
    const gasLimit = 25_000;
    const tx = send(alice, bob.address, 5n, { gasLimit });
    // Enough for the tx's intrinsic gas, not for the transfer on top.
    expect(intrinsic(tx)).toBeLessThan(gasLimit);
    expect(intrinsic(tx) + SEND_GAS).toBeGreaterThan(gasLimit);
    const { results } = await runBlock(app, 1, [tx]);
    const r = results[0]!;
    expect(r.code).toBe(ResultCode.OUT_OF_GAS);
    expect(r.gasUsed).toBe(gasLimit);
    const fee = BigInt(gasLimit) * PRICE;
    expect(await accountOf(app, alice)).toEqual({ balance: BALANCE - fee, nonce: 1 });
    expect(await accountOf(app, bob)).toEqual({ balance: 0n, nonce: 0 });
  });

  it("rejects without any state change txs that fail admission (nonce, funds for the fee, intrinsic gas)", async () => {
    const poor = wallet(4);
    const txs = [
      send(alice, bob.address, 1n, { nonce: 1 }), // ahead
      send(poor, bob.address, 1n), // cannot pay the maximum fee
      send(alice, bob.address, 1n, { gasLimit: 100 }), // below intrinsic gas
      send(alice, bob.address, 1n), // valid
      send(alice, bob.address, 1n), // replay of nonce 0
    ];
    const { results } = await runBlock(app, 1, txs);
    expect(results.map((r) => r.code)).toEqual([
      ResultCode.NONCE_AHEAD,
      ResultCode.INSUFFICIENT_FUNDS,
      ResultCode.OUT_OF_GAS,
      ResultCode.OK,
      ResultCode.NONCE_TOO_LOW,
    ]);
    for (const i of [0, 1, 2, 4]) {
      expect(results[i]!.gasUsed).toBe(0);
      expect(results[i]!.events).toEqual([]);
    }
    const fee = BigInt(results[3]!.gasUsed) * PRICE;
    expect(await accountOf(app, alice)).toEqual({ balance: BALANCE - 1n - fee, nonce: 1 });
    expect(await accountOf(app, poor)).toEqual({ balance: 0n, nonce: 0 });
  });

  it("refuses blocks out of order and DeliverTx outside a block", async () => {
    await expect(app.deliverTx(send(alice, bob.address, 1n))).rejects.toSatisfy((e) =>
      isDccnError(e, "APP_NO_BLOCK"),
    );
    await expect(
      app.beginBlock({
        hash: new Uint8Array(32),
        header: header(2),
        lastCommitInfo: { round: 0, votes: [] },
        byzantineValidators: [],
      }),
    ).rejects.toSatisfy((e) => isDccnError(e, "APP_UNEXPECTED_HEIGHT"));
    await expect(
      app.beginBlock({
        hash: new Uint8Array(32),
        header: header(1, "other"),
        lastCommitInfo: { round: 0, votes: [] },
        byzantineValidators: [],
      }),
    ).rejects.toSatisfy((e) => isDccnError(e, "APP_CHAIN_ID_MISMATCH"));
    await expect(app.commit()).rejects.toSatisfy((e) => isDccnError(e, "APP_NO_BLOCK"));
  });
});
