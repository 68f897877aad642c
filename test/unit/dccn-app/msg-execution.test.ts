import { afterEach, describe, expect, it } from "vitest";
import { fromUtf8, utf8 } from "../../../src/codec/bytes.js";
import { AppError, type DccnApp, type Module, msgHandler, ResultCode } from "../../../src/dccn-app/index.js";
import {
  accountOf,
  appState,
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
const BALANCE = 10n ** 18n;
const SLOW = "/test.v1.Slow";
let decodes = 0;

/** A msg handler that finishes after an await. Msg value: [fail]. */
const slowModule: Module = {
  name: "slow",
  msgs: [
    msgHandler<{ fail: boolean }>({
      typeUrl: SLOW,
      defaultGas: 1_000,
      decode(value) {
        decodes++;
        if (value.length !== 1) throw new AppError("INVALID_MSG", "slow takes 1 byte");
        return { fail: value[0] === 1 };
      },
      spend: () => 0n,
      async deliver(ctx, msg) {
        ctx.store.set(utf8("slow/x"), utf8("written"));
        ctx.events.push({ type: "slow", attributes: [] });
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (msg.fail) throw new AppError("INVALID_MSG", "slow asked to fail");
        return utf8("result");
      },
    }),
  ],
};

const apps: DccnApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  removeTempDirs();
  decodes = 0;
});

async function newApp(): Promise<DccnApp> {
  const app = await openApp(tempDir(), { modules: [slowModule] });
  apps.push(app);
  await initApp(app, appState([[alice, BALANCE]]));
  return app;
}

const slowTx = (nonce: number, value: Uint8Array) =>
  signed(alice, { nonce, gasLimit: 100_000, msg: { typeUrl: SLOW, value } });

const stored = async (app: DccnApp, key: string) =>
  fromUtf8((await app.query({ path: "/store/key", data: utf8(key), height: 0, prove: false })).value);

describe("DccnApp msg execution", () => {
  it("runs an asynchronous handler: its data, events and writes on success", async () => {
    const app = await newApp();
    const { results } = await runBlock(app, 1, [slowTx(0, Uint8Array.of(0))]);
    const r = results[0]!;
    expect(r.code).toBe(0);
    expect(fromUtf8(r.data)).toBe("result");
    expect(r.events.map((e) => e.type)).toEqual(["tx", "message", "slow"]);
    expect(await stored(app, "slow/x")).toBe("written");
  });

  it("drops an asynchronous handler's writes when it fails after an await, charging its gas", async () => {
    const app = await newApp();
    const { results } = await runBlock(app, 1, [slowTx(0, Uint8Array.of(1))]);
    const r = results[0]!;
    expect(r.code).toBe(ResultCode.INVALID_MSG);
    expect(r.data.length).toBe(0);
    expect(r.events.map((e) => e.type)).toEqual(["tx"]);
    expect(await stored(app, "slow/x")).toBe("");
    expect(await accountOf(app, alice)).toEqual({ balance: BALANCE - BigInt(r.gasUsed), nonce: 1 });
  });

  it("decodes a msg once for its CheckTx and DeliverTx, and a bad msg every time", async () => {
    const app = await newApp();
    const tx = slowTx(0, Uint8Array.of(0));
    expect((await app.checkTx(tx, "new")).code).toBe(0);
    await runBlock(app, 1, [tx]);
    expect(decodes).toBe(1);
    const bad = slowTx(1, Uint8Array.of(0, 0));
    expect((await app.checkTx(bad, "new")).code).toBe(ResultCode.INVALID_MSG);
    expect((await app.checkTx(bad, "recheck")).code).toBe(ResultCode.INVALID_MSG);
    expect(decodes).toBe(3);
  });

  it("keeps CheckTx reservations out of the block and the block's writes out of CheckTx", async () => {
    const app = await newApp();
    const tx0 = signed(alice, { nonce: 0, gasLimit: 100_000, msg: sendMsg(bob.address, BALANCE / 2n) });
    expect((await app.checkTx(tx0, "new")).code).toBe(0);
    // The check state reserved half the balance; the block starts from committed state.
    await app.beginBlock({
      hash: new Uint8Array(32),
      header: header(1),
      lastCommitInfo: { round: 0, votes: [] },
      byzantineValidators: [],
    });
    const big = signed(alice, {
      nonce: 0,
      gasLimit: 100_000,
      msg: sendMsg(bob.address, (BALANCE * 3n) / 4n),
    });
    expect((await app.deliverTx(big)).code).toBe(0);
    // CheckTx still sees its own state (half the balance left), not the block's (a quarter).
    const next = signed(alice, { nonce: 1, gasLimit: 100_000, msg: sendMsg(bob.address, BALANCE / 3n) });
    expect((await app.checkTx(next, "new")).code).toBe(0);
    await app.endBlock({ height: 1 });
    await app.commit();
    expect((await accountOf(app, bob)).balance).toBe((BALANCE * 3n) / 4n);
    // After Commit the check state restarts from the block's result.
    expect((await app.checkTx(next, "recheck")).code).toBe(ResultCode.INSUFFICIENT_FUNDS);
  });
});
