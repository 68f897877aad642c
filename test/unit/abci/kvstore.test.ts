import { afterEach, describe, expect, it } from "vitest";
import { KVSTORE_CODES, KVStoreApp } from "../../../src/abci/examples/kvstore.js";
import { fromUtf8, toHex, utf8 } from "../../../src/codec/bytes.js";
import type { Header } from "../../../src/types/block.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../../../src/types/params.js";
import { makeKey, removeHome, tempHome } from "./fixture.js";

const V = makeKey(1);
const header = (height: number) => ({ height }) as Header;
const init = {
  timeMs: 0,
  chainId: "c",
  initialHeight: 1,
  consensusParams: DEFAULT_CONSENSUS_PARAMS,
  validators: [{ pubKey: V.publicKey, power: 10 }],
  appStateJson: JSON.stringify({ g: "1" }),
};

async function runBlock(app: KVStoreApp, height: number, txs: string[]) {
  await app.beginBlock({
    hash: new Uint8Array(32),
    header: header(height),
    lastCommitInfo: { round: 0, votes: [] },
    byzantineValidators: [],
  });
  const results = [];
  for (const tx of txs) results.push(await app.deliverTx(utf8(tx)));
  const end = await app.endBlock({ height });
  const commit = await app.commit();
  return { results, end, commit };
}

describe("KVStoreApp", () => {
  const homes: string[] = [];
  const path = () => {
    const h = tempHome();
    homes.push(h);
    return `${h}/data/application.db`;
  };
  afterEach(() => {
    for (const h of homes.splice(0)) removeHome(h);
  });

  it("is deterministic, persists atomically per commit, and answers queries", async () => {
    const p1 = path();
    const [a, b] = [await KVStoreApp.open(p1), await KVStoreApp.open(path())];
    for (const app of [a, b]) {
      const res = await app.initChain(init);
      expect(res.validators).toEqual([]);
      expect((await app.info()).lastBlockHeight).toBe(0);
    }
    const r1 = await runBlock(a, 1, ["x=1", "y=2=3", "=bad"]);
    const r1b = await runBlock(b, 1, ["x=1", "y=2=3", "=bad"]);
    expect(r1.commit.appHash).toEqual(r1b.commit.appHash);
    expect(r1.results.map((r) => r.code)).toEqual([0, 0, KVSTORE_CODES.encoding]);
    // The same final state reached by different txs still differs: the tx count is hashed.
    const r2 = await runBlock(a, 2, ["x=1"]);
    expect(r2.commit.appHash).not.toEqual(r1.commit.appHash);
    const q = await a.query({ path: "/store", data: utf8("y"), height: 0, prove: false });
    expect([q.code, fromUtf8(q.value), q.height]).toEqual([0, "2=3", 2]);
    expect((await a.query({ path: "/nope", data: utf8("y"), height: 0, prove: false })).code).not.toBe(0);
    await a.close();
    await b.close();

    const reopened = await KVStoreApp.open(p1);
    expect(await reopened.info()).toMatchObject({ lastBlockHeight: 2, lastBlockAppHash: r2.commit.appHash });
    expect(reopened.committedValue("g")).toBe("1");
    expect(reopened.committedValue("x")).toBe("1");
    await reopened.close();
  });

  it("checks txs without side effects and validates validator txs", async () => {
    const app = await KVStoreApp.open(path());
    await app.initChain(init);
    expect((await app.checkTx(utf8("k=v"), "new")).code).toBe(0);
    expect((await app.checkTx(Uint8Array.of(0xff, 0xfe), "new")).code).toBe(KVSTORE_CODES.encoding);
    expect((await app.checkTx(utf8("val:zz!1"), "new")).code).toBe(KVSTORE_CODES.encoding);
    const other = makeKey(2);
    const { results, end } = await runBlock(app, 1, [
      `val:${toHex(other.publicKey)}!0`, // unknown validator cannot be removed
      `val:${toHex(V.publicKey)}!0`, // the last validator cannot be removed
      `val:${toHex(other.publicKey)}!5`,
      `val:${toHex(other.publicKey)}!6`, // one update per validator per block
    ]);
    expect(results.map((r) => r.code)).toEqual([
      KVSTORE_CODES.unauthorized,
      KVSTORE_CODES.badValidator,
      0,
      KVSTORE_CODES.badValidator,
    ]);
    expect(end.validatorUpdates).toEqual([{ pubKey: other.publicKey, power: 5 }]);
    await expect(app.initChain(init)).rejects.toMatchObject({ code: "KVSTORE_ALREADY_INITIALIZED" });
    await app.close();
    const bad = await KVStoreApp.open(path());
    await expect(bad.initChain({ ...init, appStateJson: "[1]" })).rejects.toMatchObject({
      code: "KVSTORE_BAD_GENESIS",
    });
    await bad.close();
  });
});
