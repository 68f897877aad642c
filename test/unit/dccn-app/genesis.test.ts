import { afterEach, describe, expect, it } from "vitest";
import type { DccnApp } from "../../../src/dccn-app/index.js";
import { isDccnError } from "../../../src/errors.js";
import {
  ANKR,
  accountOf,
  appState,
  initApp,
  openApp,
  removeTempDirs,
  runBlock,
  tempDir,
  wallet,
} from "./helpers.js";

const alice = wallet(1);
const bob = wallet(2);
const open: DccnApp[] = [];

afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
  removeTempDirs();
});

async function fresh(dir = tempDir()) {
  const app = await openApp(dir);
  open.push(app);
  return { app, dir };
}

describe("DccnApp genesis", () => {
  it("reports height 0 and no app hash before InitChain, then the committed genesis state", async () => {
    const { app } = await fresh();
    const before = await app.info();
    expect(before.lastBlockHeight).toBe(0);
    expect(before.lastBlockAppHash.length).toBe(0);

    const appHash = await initApp(
      app,
      appState([
        [alice, 5n * ANKR],
        [bob, 7n],
      ]),
    );
    expect(appHash.length).toBe(32);
    const after = await app.info();
    expect(after.lastBlockHeight).toBe(0);
    expect(after.lastBlockAppHash).toEqual(appHash);
    expect(await accountOf(app, alice)).toEqual({ balance: 5n * ANKR, nonce: 0 });
    expect(await accountOf(app, bob)).toEqual({ balance: 7n, nonce: 0 });
    expect(await accountOf(app, wallet(9))).toEqual({ balance: 0n, nonce: 0 });
  });

  it("keeps the genesis state when the node stops before block 1, and InitChain again is idempotent", async () => {
    const { app, dir } = await fresh();
    const genesis = appState([[alice, 100n]]);
    const appHash = await initApp(app, genesis);
    await app.close();
    open.splice(open.indexOf(app), 1);

    const { app: again } = await fresh(dir);
    const info = await again.info();
    expect(info.lastBlockHeight).toBe(0);
    expect(info.lastBlockAppHash).toEqual(appHash);
    expect(await initApp(again, genesis)).toEqual(appHash);
    await expect(initApp(again, appState([[alice, 101n]]))).rejects.toSatisfy((e) =>
      isDccnError(e, "APP_GENESIS_MISMATCH"),
    );
    // The first block still runs on top of the genesis state.
    await runBlock(again, 1, []);
    expect((await again.info()).lastBlockHeight).toBe(1);
    expect(await accountOf(again, alice)).toEqual({ balance: 100n, nonce: 0 });
  });

  it("gives the same genesis app hash for the same accounts in any order", async () => {
    const a = await initApp(
      (await fresh()).app,
      appState([
        [alice, 1n],
        [bob, 2n],
      ]),
    );
    const b = await initApp(
      (await fresh()).app,
      appState([
        [bob, 2n],
        [alice, 1n],
      ]),
    );
    const c = await initApp(
      (await fresh()).app,
      appState([
        [bob, 2n],
        [alice, 3n],
      ]),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  const bad: [string, string][] = [
    ["not JSON", "{accounts"],
    ["not an object", "[1]"],
    ["an unknown top-level member", JSON.stringify({ acounts: [] })],
    ["accounts not an array", JSON.stringify({ accounts: {} })],
    ["a bad address", JSON.stringify({ accounts: [{ address: "ankr1xyz", balance: "1" }] })],
    ["a numeric balance", JSON.stringify({ accounts: [{ address: alice.bech32, balance: 1 }] })],
    ["a negative balance", JSON.stringify({ accounts: [{ address: alice.bech32, balance: "-1" }] })],
    ["a non-canonical balance", JSON.stringify({ accounts: [{ address: alice.bech32, balance: "01" }] })],
    [
      "an unknown account field",
      JSON.stringify({ accounts: [{ address: alice.bech32, balance: "1", x: 1 }] }),
    ],
    [
      "a duplicate account",
      JSON.stringify({
        accounts: [
          { address: alice.bech32, balance: "1" },
          { address: alice.bech32, balance: "2" },
        ],
      }),
    ],
    ["an unknown param", JSON.stringify({ params: { max_tx_byte: 10 } })],
    ["a zero max_tx_bytes", JSON.stringify({ params: { max_tx_bytes: 0 } })],
    ["gas for an unknown msg type", JSON.stringify({ params: { msg_gas: { "/x.Msg": 1 } } })],
  ];
  it.each(bad)("rejects app_state with %s and writes nothing", async (_what, json) => {
    const { app } = await fresh();
    await expect(initApp(app, json)).rejects.toSatisfy((e) => isDccnError(e, "APP_GENESIS_INVALID"));
    const info = await app.info();
    expect(info.lastBlockAppHash.length).toBe(0);
    // A correct genesis still applies afterwards.
    expect((await initApp(app, appState([[alice, 1n]]))).length).toBe(32);
  });

  it("accepts params and serves them at /app/params", async () => {
    const { app } = await fresh();
    await initApp(
      app,
      JSON.stringify({
        accounts: [],
        params: { max_tx_bytes: "2048", msg_gas: { "/dccn.bank.v1.MsgSend": 7 } },
      }),
    );
    const res = await app.query({ path: "/app/params", data: new Uint8Array(0), height: 0, prove: false });
    expect(res.code).toBe(0);
    expect(JSON.parse(Buffer.from(res.value).toString())).toEqual({
      max_tx_bytes: 2048,
      tx_base_gas: 10_000,
      tx_byte_gas: 10,
      msg_gas: { "/dccn.bank.v1.MsgSend": 7 },
    });
  });
});
