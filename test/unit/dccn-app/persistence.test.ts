import { afterEach, describe, expect, it } from "vitest";
import type { DccnApp } from "../../../src/dccn-app/index.js";
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
const carol = wallet(3);
const GENESIS = appState([
  [alice, 10n ** 21n],
  [bob, 5n * 10n ** 20n],
]);

const opened: DccnApp[] = [];
afterEach(async () => {
  for (const a of opened.splice(0)) await a.close();
  removeTempDirs();
});

async function open(dir = tempDir()) {
  const app = await openApp(dir);
  opened.push(app);
  return { app, dir };
}

/** Deterministic blocks: height h carries a few transfers between the three wallets. */
function blockTxs(h: number): Uint8Array[] {
  const tx = (from: typeof alice, nonce: number, to: Uint8Array, amount: bigint) =>
    signed(from, { nonce, gasLimit: 50_000, gasPrice: 3n, msg: sendMsg(to, amount) });
  return [
    tx(alice, 2 * (h - 1), bob.address, BigInt(1000 + h)),
    tx(bob, h - 1, carol.address, BigInt(7 * h)),
    tx(alice, 2 * (h - 1) + 1, carol.address, 1n),
  ];
}

describe("DccnApp persistence and determinism", () => {
  it("gives equal app hashes to two apps fed the same blocks", async () => {
    const a = (await open()).app;
    const b = (await open()).app;
    expect(await initApp(a, GENESIS)).toEqual(await initApp(b, GENESIS));
    for (let h = 1; h <= 5; h++) {
      const ra = await runBlock(a, h, blockTxs(h));
      const rb = await runBlock(b, h, blockTxs(h));
      expect(ra.results.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(ra.appHash).toEqual(rb.appHash);
      expect(ra.results).toEqual(rb.results);
    }
    // A different block gives a different hash.
    const c = (await open()).app;
    await initApp(c, GENESIS);
    for (let h = 1; h <= 4; h++) await runBlock(c, h, blockTxs(h));
    const other = await runBlock(c, 5, blockTxs(5).slice(0, 2));
    expect(other.appHash).not.toEqual((await a.info()).lastBlockAppHash);
  });

  it("keeps state and app hash across close and reopen, and continues identically", async () => {
    const { app, dir } = await open();
    const steady = (await open()).app;
    await initApp(app, GENESIS);
    await initApp(steady, GENESIS);
    for (let h = 1; h <= 3; h++) {
      await runBlock(app, h, blockTxs(h));
      await runBlock(steady, h, blockTxs(h));
    }
    const before = await app.info();
    const balances = [await accountOf(app, alice), await accountOf(app, bob), await accountOf(app, carol)];
    await app.close();
    opened.splice(opened.indexOf(app), 1);

    const reopened = (await open(dir)).app;
    const after = await reopened.info();
    expect(after.lastBlockHeight).toBe(3);
    expect(after.lastBlockAppHash).toEqual(before.lastBlockAppHash);
    expect([
      await accountOf(reopened, alice),
      await accountOf(reopened, bob),
      await accountOf(reopened, carol),
    ]).toEqual(balances);
    // Nonces survived: the next block's txs are valid, and the result matches the app that never stopped.
    const r1 = await runBlock(reopened, 4, blockTxs(4));
    const r2 = await runBlock(steady, 4, blockTxs(4));
    expect(r1.results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(r1.appHash).toEqual(r2.appHash);
  });

  it("loses an uncommitted block on a crash: the app reopens at the last commit", async () => {
    const { app, dir } = await open();
    await initApp(app, GENESIS);
    const h1 = await runBlock(app, 1, blockTxs(1));
    await app.beginBlock({
      hash: new Uint8Array(32),
      header: header(2),
      lastCommitInfo: { round: 0, votes: [] },
      byzantineValidators: [],
    });
    for (const tx of blockTxs(2)) expect((await app.deliverTx(tx)).code).toBe(0);
    await app.close(); // no commit
    opened.splice(opened.indexOf(app), 1);

    const again = (await open(dir)).app;
    const info = await again.info();
    expect(info.lastBlockHeight).toBe(1);
    expect(info.lastBlockAppHash).toEqual(h1.appHash);
    const replay = await runBlock(again, 2, blockTxs(2));
    expect(replay.results.map((r) => r.code)).toEqual([0, 0, 0]);
  });
});
