/**
 * Ordered storage iteration for contracts over the app's state: the candidate key index
 * (src/dccn-app/contracts/key-index.ts) on its own, and `storage_next` through a real app —
 * across blocks, failed txs, deletes, a restart (cold index) and queries at older heights.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compareBytes, utf8 } from "../../../src/codec/bytes.js";
import { toBech32 } from "../../../src/crypto/address.js";
import { msgExecuteContractAny } from "../../../src/dccn-app/contracts/index.js";
import { SortedKeySet, StorageKeyIndex } from "../../../src/dccn-app/contracts/key-index.js";
import { storageKey } from "../../../src/dccn-app/contracts/keys.js";
import { ResultCode } from "../../../src/dccn-app/index.js";
import { CacheStore, type KvReader } from "../../../src/dccn-app/state/kv.js";
import { removeTempDirs, wallet } from "../dccn-app/helpers.js";
import { ok, WasmChain } from "./app-helpers.js";
import { contractWasm } from "./helpers.js";

/** A deterministic xorshift generator, so the randomized test is reproducible. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const EMPTY_READER: KvReader = {
  get: () => undefined,
  async *iterate() {},
};

describe("SortedKeySet", () => {
  it("matches a sorted reference under random inserts and deletes", () => {
    const rand = rng(42);
    const set = new SortedKeySet();
    const ref = new Map<string, Uint8Array>();
    for (let i = 0; i < 5000; i++) {
      const key = Uint8Array.from({ length: 1 + Math.floor(rand() * 3) }, () => Math.floor(rand() * 16));
      const id = Buffer.from(key).toString("hex");
      if (rand() < 0.3) {
        set.delete(key);
        ref.delete(id);
      } else {
        set.add(key);
        ref.set(id, key);
      }
    }
    const sorted = [...ref.values()].sort(compareBytes);
    expect(set.size).toBe(sorted.length);
    expect([...set.from(new Uint8Array(0), false)]).toEqual(sorted);
    const start = Uint8Array.of(7, 3);
    expect([...set.from(start, true)]).toEqual(sorted.filter((k) => compareBytes(k, start) > 0));
    expect([...set.from(start, false)]).toEqual(sorted.filter((k) => compareBytes(k, start) >= 0));
  });
});

describe("StorageKeyIndex", () => {
  const contract = new Uint8Array(20).fill(1);

  it("loads a contract's keys from state, yields prefix candidates in order, prunes dead ones", async () => {
    const state = new CacheStore(EMPTY_READER);
    for (const k of ["a/1", "a/3", "b/1"]) state.set(storageKey(contract, utf8(k)), utf8("v"));
    state.set(storageKey(new Uint8Array(20).fill(2), utf8("a/2")), utf8("other contract"));
    const index = new StorageKeyIndex();
    index.touch(contract, utf8("a/2"));
    expect(index.isLoaded(contract)).toBe(false);
    await index.load(contract, state);
    expect(index.isLoaded(contract)).toBe(true);
    const list = (prefix: string, after?: string) =>
      [...index.candidates(contract, utf8(prefix), after === undefined ? undefined : utf8(after))].map((k) =>
        Buffer.from(k).toString(),
      );
    expect(list("a/")).toEqual(["a/1", "a/2", "a/3"]);
    expect(list("a/", "a/2")).toEqual(["a/3"]);
    expect(list("b/", "a/9")).toEqual(["b/1"]);
    expect(list("")).toEqual(["a/1", "a/2", "a/3", "b/1"]);
    // "a/2" was only touched (never committed): the prune drops it, loaded keys stay.
    index.prune(state);
    expect(list("a/")).toEqual(["a/1", "a/3"]);
  });
});

let probeWasm: Uint8Array;
beforeAll(async () => {
  probeWasm = await contractWasm("fixtures/probe");
});

const alice = wallet(1);
let chain: WasmChain | undefined;
afterEach(async () => {
  await chain?.close();
  chain = undefined;
});
afterAll(removeTempDirs);

describe("storage_next through the app", () => {
  it("lists exactly the committed keys across blocks, failed txs, deletes and a restart", async () => {
    chain = await WasmChain.open();
    const c = chain;
    const probe = await c.deploy(alice, probeWasm);
    const keys = async () => (await c.call<{ keys: string[] }>(probe, "list", {})).keys;
    const put = (k: string) => c.execute(alice, probe, "put", { key: k, value: k });

    expect(await keys()).toEqual([]);
    // Several keys in one block: later txs iterate over earlier txs' uncommitted writes.
    const txs = ["m", "c", "x"].map((k) => c.sign(alice, putMsg(probe, k)));
    txs.push(c.sign(alice, listMsg(probe)));
    const results = await c.block(txs);
    for (const r of results) ok(r);
    expect(JSON.parse(Buffer.from(results[3]!.data).toString())).toEqual({ keys: ["c", "m", "x"] });
    expect(await keys()).toEqual(["c", "m", "x"]);

    // A failed tx wrote "mark" and failed: it never shows up.
    const failed = await c.execute(alice, probe, "forward_then_fail", {
      contract: toBech32(probe),
      method: "whoami",
    });
    expect(failed.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(await keys()).toEqual(["c", "m", "x"]);

    ok(await c.execute(alice, probe, "del", { key: "m" }));
    ok(await put("a"));
    expect(await keys()).toEqual(["a", "c", "x"]);
    expect((await c.call<{ keys: string[] }>(probe, "list", { after: "a", limit: 1 })).keys).toEqual(["c"]);

    const caller = await c.deploy(alice, probeWasm);

    // A restarted node starts with an empty index and must give the same answers, also when the
    // iteration happens in a nested call (the whole call is re-run once the keys are loaded).
    await c.restart();
    const nested = ok(
      await c.execute(alice, caller, "forward", { contract: toBech32(probe), method: "list", args: {} }),
    );
    expect(JSON.parse(Buffer.from(nested.data).toString())).toEqual({ keys: ["a", "c", "x"] });
    expect(await keys()).toEqual(["a", "c", "x"]);
    ok(await put("b"));
    expect(await keys()).toEqual(["a", "b", "c", "x"]);
  });

  it("queries at an older height read values but refuse iteration with a clear error", async () => {
    chain = await WasmChain.open();
    const probe = await chain.deploy(alice, probeWasm);
    ok(await chain.execute(alice, probe, "put", { key: "k", value: "old" }));
    const oldHeight = chain.height;
    ok(await chain.execute(alice, probe, "put", { key: "k", value: "new" }));
    expect(await chain.call(probe, "get", { key: "k" }, oldHeight)).toEqual({ value: "old", exists: true });
    expect(await chain.call(probe, "get", { key: "k" })).toEqual({ value: "new", exists: true });
    const r = await chain.query(`/wasm/call/${toBech32(probe)}/list`, utf8("{}"), oldHeight);
    expect(r.code).toBe(ResultCode.HEIGHT_UNAVAILABLE);
    expect(r.log).toMatch(/latest height only/);
    expect((await chain.call<{ keys: string[] }>(probe, "list", {})).keys).toEqual(["k"]);
  });
});

const putMsg = (contract: Uint8Array, k: string) =>
  msgExecuteContractAny({
    contract,
    method: "put",
    args: utf8(JSON.stringify({ key: k, value: k })),
    amount: 0n,
  });
const listMsg = (contract: Uint8Array) =>
  msgExecuteContractAny({ contract, method: "list", args: utf8("{}"), amount: 0n });
