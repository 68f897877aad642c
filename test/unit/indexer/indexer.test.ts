/**
 * The event indexer on a real LevelDB in a temp dir, fed real signed blocks through the real
 * EventBus: lookups, searches (events, heights, hashes, same-event semantics), block search,
 * re-indexing, pruning, restart and catch-up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatBytes, toHex, toHexUpper, u64be } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { isDccnError } from "../../../src/errors.js";
import { EventIndexer } from "../../../src/indexer/indexer.js";
import {
  META_LAST_HEIGHT,
  META_SCHEMA,
  SCHEMA_VERSION,
  TABLE,
  tagValuePrefix,
  u32be,
} from "../../../src/indexer/keys.js";
import { createLogger } from "../../../src/log.js";
import { Database } from "../../../src/store/db.js";
import { makeTx, TestChain } from "../rpc/fixture.js";
import { attr, removeTempDbs, richResult, tempDb } from "./fixture.js";

afterAll(removeTempDbs);

const senderHex = (chain: TestChain, k: number) => toHex(addressFromPublicKey(chain.keys[k]!.publicKey));

describe("EventIndexer", () => {
  let chain: TestChain;
  let indexer: EventIndexer;
  const txs: Uint8Array[][] = [];

  beforeAll(async () => {
    chain = new TestChain();
    chain.resultFor = richResult;
    chain.endEventsFor = (h) => [
      { type: "reward", attributes: [attr("amount", String(h * 100)), attr("note", "n", false)] },
    ];
    indexer = await EventIndexer.open(tempDb());
    indexer.start(chain.eventBus);
    const [a, b] = [chain.keys[0]!, chain.keys[1]!];
    const plan = [
      [makeTx(a, 0), makeTx(b, 0)],
      [],
      [makeTx(a, 1), makeTx(b, 1), makeTx(a, 2)],
      [makeTx(b, 2)],
      [makeTx(a, 3)],
    ];
    for (const block of plan) {
      txs.push(block);
      chain.produceBlock(block);
    }
    await indexer.idle();
  });

  afterAll(async () => {
    await indexer.close();
  });

  it("stores every tx with its result under its hash and its (height, index)", async () => {
    const tx = txs[2]![1]!;
    const rec = await indexer.getTx(sha256(tx));
    expect(rec).toMatchObject({ height: 3, index: 1 });
    expect(rec?.tx).toStrictEqual(tx);
    expect(rec?.result).toStrictEqual(richResult(tx, 1, 3));
    expect(await indexer.loadTx({ height: 3, index: 1 })).toStrictEqual(rec);
    expect(await indexer.getTx(sha256(new Uint8Array([1])))).toBeUndefined();
    expect(await indexer.lastIndexedHeight()).toBe(5);
  });

  it("finds txs by sender in height order, and by sender within a height range", async () => {
    const alice = senderHex(chain, 0);
    expect(await indexer.searchTxs(`transfer.sender = '${alice}'`)).toStrictEqual([
      { height: 1, index: 0 },
      { height: 3, index: 0 },
      { height: 3, index: 2 },
      { height: 5, index: 0 },
    ]);
    expect(
      await indexer.searchTxs(`transfer.sender = '${alice}' AND tx.height >= 2 AND tx.height < 5`),
    ).toStrictEqual([
      { height: 3, index: 0 },
      { height: 3, index: 2 },
    ]);
    expect(
      await indexer.searchTxs(`tm.event = 'Tx' AND transfer.sender = '${alice}' AND tx.height = 3`),
    ).toHaveLength(2);
    expect(await indexer.searchTxs(`tm.event = 'NewBlock' AND transfer.sender = '${alice}'`)).toStrictEqual(
      [],
    );
  });

  it("answers numeric, CONTAINS and EXISTS conditions and never non-indexed attributes", async () => {
    // amount = 10·height + index ("31ankr" reads as 31).
    expect(await indexer.searchTxs("transfer.amount > 30 AND transfer.amount <= 40")).toStrictEqual([
      { height: 3, index: 1 },
      { height: 3, index: 2 },
      { height: 4, index: 0 },
    ]);
    expect(await indexer.searchTxs("task.id CONTAINS '-3-'")).toHaveLength(3);
    expect(await indexer.searchTxs("task.id EXISTS")).toHaveLength(7);
    expect(await indexer.searchTxs("transfer.memo = 'secret'")).toStrictEqual([]);
    expect(await indexer.searchTxs("transfer.memo EXISTS")).toStrictEqual([]);
  });

  it("matches conditions on one event type within the same event, different types within the tx", async () => {
    // Height 4's tx: transfer{sender: bob, amount: 40}, transfer{sender: other, amount: 1000} and
    // transfer{sender: bob, amount: 7}.
    const bob = senderHex(chain, 1);
    expect(await indexer.searchTxs(`transfer.sender = '${bob}' AND transfer.amount > 500`)).toStrictEqual([]);
    expect(await indexer.searchTxs("transfer.sender = 'other' AND transfer.amount > 500")).toStrictEqual([
      { height: 4, index: 0 },
    ]);
    // Bob's two events of that tx are one key's postings: each keeps its own event.
    expect(await indexer.searchTxs(`transfer.sender = '${bob}' AND transfer.amount < 10`)).toStrictEqual([
      { height: 4, index: 0 },
    ]);
    expect(await indexer.searchTxs("transfer.sender = 'other' AND transfer.amount < 10")).toStrictEqual([]);
    expect(await indexer.searchTxs(`transfer.sender = '${bob}' AND task.id = 'task-4-0'`)).toStrictEqual([
      { height: 4, index: 0 },
    ]);
  });

  it("looks up tx.hash directly and also tests it with other operators", async () => {
    const tx = txs[0]![1]!;
    const hash = toHexUpper(sha256(tx));
    expect(await indexer.searchTxs(`tx.hash = '${hash}'`)).toStrictEqual([{ height: 1, index: 1 }]);
    expect(await indexer.searchTxs(`tx.hash = '${hash.toLowerCase()}' AND tx.height = 2`)).toStrictEqual([]);
    expect(await indexer.searchTxs(`tx.hash CONTAINS '${hash.slice(10, 30)}'`)).toStrictEqual([
      { height: 1, index: 1 },
    ]);
    expect(await indexer.searchTxs("tx.hash = 'zz'")).toStrictEqual([]);
  });

  it("answers tx.height alone, including fractional bounds, and an always-true tm.event alone", async () => {
    expect(await indexer.searchTxs("tx.height > 2.5 AND tx.height <= 4")).toHaveLength(4);
    expect(await indexer.searchTxs("tx.height = 2")).toStrictEqual([]);
    expect(await indexer.searchTxs("tx.height = 3.5")).toStrictEqual([]);
    expect(await indexer.searchTxs("tm.event = 'Tx'")).toHaveLength(7);
  });

  it("searches blocks by block.height and by BeginBlock/EndBlock attributes", async () => {
    expect(await indexer.searchBlocks("block.height >= 2 AND block.height <= 4")).toStrictEqual([2, 3, 4]);
    expect(await indexer.searchBlocks("reward.amount > 250")).toStrictEqual([3, 4, 5]);
    expect(await indexer.searchBlocks("end.height = '2'")).toStrictEqual([2]);
    expect(await indexer.searchBlocks("reward.amount > 250 AND block.height < 5")).toStrictEqual([3, 4]);
    expect(await indexer.searchBlocks("reward.note EXISTS")).toStrictEqual([]);
    expect(await indexer.searchBlocks("tm.event = 'NewBlock'")).toStrictEqual([1, 2, 3, 4, 5]);
  });
});

describe("EventIndexer durability", () => {
  function chainWith(n: number): { chain: TestChain; blocks: Uint8Array[][] } {
    const chain = new TestChain();
    chain.resultFor = richResult;
    const blocks: Uint8Array[][] = [];
    for (let h = 1; h <= n; h++) {
      const block = [makeTx(chain.keys[0]!, h), makeTx(chain.keys[1]!, h)];
      blocks.push(block);
      chain.produceBlock(block);
    }
    return { chain, blocks };
  }

  it("re-indexing a height replaces what was written for it", async () => {
    const { chain } = chainWith(2);
    const idx = await EventIndexer.open(tempDb());
    const block = (await chain.blockStore.loadBlock(2))!;
    const responses = (await chain.stateStore.loadAbciResponses(2))!;
    await idx.indexBlock({ block, ...responses });
    await idx.indexBlock({ block, ...responses });
    expect(await idx.searchTxs("tx.height = 2")).toHaveLength(2);
    const changed = responses.txResults.map((r) => ({
      ...r,
      events: [{ type: "transfer", attributes: [attr("sender", "replaced")] }],
    }));
    await idx.indexBlock({
      block,
      ...responses,
      txResults: changed,
      endBlock: { ...responses.endBlock, events: [] },
    });
    expect(await idx.searchTxs("task.id EXISTS")).toStrictEqual([]);
    expect(await idx.searchTxs("transfer.sender = 'replaced'")).toHaveLength(2);
    expect(await idx.searchBlocks("end.height EXISTS")).toStrictEqual([]);
    expect((await idx.getTx(sha256(block.txs[0]!)))?.result.events[0]?.attributes[0]?.value).toBe("replaced");
    await idx.close();
  });

  it("keeps only the last N heights when pruning, and forgets pruned hashes", async () => {
    const { chain, blocks } = chainWith(6);
    const path = tempDb();
    const idx = await EventIndexer.open(path, { retainHeights: 2, pruneBatchHeights: 2 });
    for (let h = 1; h <= 6; h++) {
      const block = (await chain.blockStore.loadBlock(h))!;
      await idx.indexBlock({ block, ...(await chain.stateStore.loadAbciResponses(h))! });
    }
    expect(await idx.searchBlocks("block.height > 0")).toStrictEqual([5, 6]);
    expect(await idx.searchTxs("task.id EXISTS")).toHaveLength(4);
    expect(await idx.getTx(sha256(blocks[0]![0]!))).toBeUndefined();
    expect(await idx.getTx(sha256(blocks[5]![0]!))).toBeDefined();
    expect(await idx.baseHeight()).toBe(5);
    // An old height arriving late is not indexed (it would be pruned at once).
    const old = (await chain.blockStore.loadBlock(1))!;
    await idx.indexBlock({ block: old, ...(await chain.stateStore.loadAbciResponses(1))! });
    expect(await idx.searchBlocks("block.height > 0")).toStrictEqual([5, 6]);
    await idx.close();
    // The hash pointers of pruned txs are gone too (found through the pruned tx records).
    const main = await Database.open(path);
    let pointers = 0;
    for await (const _ of main.entries({ prefix: Uint8Array.of(TABLE.txHash) })) pointers++;
    await main.close();
    expect(pointers).toBe(blocks[4]!.length + blocks[5]!.length);
  });

  it("survives a restart and catches up on the heights it missed", async () => {
    const { chain } = chainWith(5);
    const path = tempDb();
    const first = await EventIndexer.open(path);
    for (let h = 1; h <= 3; h++) {
      const block = (await chain.blockStore.loadBlock(h))!;
      await first.indexBlock({ block, ...(await chain.stateStore.loadAbciResponses(h))! });
    }
    await first.close();
    await expect(first.searchTxs("tx.height > 0")).rejects.toSatisfy((e) => isDccnError(e, "INDEXER_CLOSED"));

    const second = await EventIndexer.open(path);
    expect(await second.lastIndexedHeight()).toBe(3);
    const source = {
      loadBlock: (h: number) => chain.blockStore.loadBlock(h),
      loadAbciResponses: (h: number) => chain.stateStore.loadAbciResponses(h),
    };
    expect(await second.catchUp(source, 5)).toBe(2);
    expect(await second.searchBlocks("block.height > 0")).toStrictEqual([1, 2, 3, 4, 5]);
    expect(await second.catchUp(source, 5)).toBe(0);
    await second.close();
  });

  it("drops an index of another layout version on open, and catch-up rebuilds it", async () => {
    const { chain } = chainWith(4);
    const source = {
      loadBlock: (h: number) => chain.blockStore.loadBlock(h),
      loadAbciResponses: (h: number) => chain.stateStore.loadAbciResponses(h),
    };
    // Before versions were recorded (one key per posting, no META_SCHEMA), and a future version.
    const oldKey = concatBytes(
      tagValuePrefix(TABLE.txEvent, "task.id", "task-1-0"),
      u64be(1),
      u32be(0),
      u32be(1),
    );
    for (const version of [null, SCHEMA_VERSION + 1]) {
      const path = tempDb();
      const db = await Database.open(path);
      await db.put(META_LAST_HEIGHT, u64be(4));
      await db.put(oldKey, new Uint8Array(0));
      if (version !== null) await db.put(META_SCHEMA, u32be(version));
      await db.close();

      const lines: string[] = [];
      const idx = await EventIndexer.open(path, {
        logger: createLogger("test", { level: "warn", write: (l) => lines.push(l) }),
      });
      expect(lines.filter((l) => l.includes("rebuilding"))).toHaveLength(1);
      expect(await idx.lastIndexedHeight()).toBe(0);
      expect(await idx.catchUp(source, 4)).toBe(4);
      expect(await idx.searchTxs("task.id = 'task-1-0'")).toStrictEqual([{ height: 1, index: 0 }]);
      expect(await idx.searchTxs("task.id EXISTS")).toHaveLength(8);
      await idx.close();

      // The rebuilt index is of this version: opening it again keeps it.
      const again = await EventIndexer.open(path);
      expect(await again.lastIndexedHeight()).toBe(4);
      await again.close();
      const raw = await Database.open(path);
      expect(await raw.get(oldKey)).toBeUndefined();
      expect(await raw.get(META_SCHEMA)).toStrictEqual(u32be(SCHEMA_VERSION));
      await raw.close();
    }
  });

  it("keeps a successful tx's hash pointer when the same tx later fails", async () => {
    const { chain, blocks } = chainWith(1);
    const idx = await EventIndexer.open(tempDb());
    const block1 = (await chain.blockStore.loadBlock(1))!;
    const res1 = (await chain.stateStore.loadAbciResponses(1))!;
    await idx.indexBlock({ block: block1, ...res1 });
    const again = { ...block1, header: { ...block1.header, height: 2 } };
    const failed = res1.txResults.map((r) => ({ ...r, code: 9 }));
    await idx.indexBlock({ block: again, ...res1, txResults: failed });
    expect((await idx.getTx(sha256(blocks[0]![0]!)))?.height).toBe(1);
    const succeeded = res1.txResults.map((r) => ({ ...r, code: 0 }));
    await idx.indexBlock({
      block: { ...block1, header: { ...block1.header, height: 3 } },
      ...res1,
      txResults: succeeded,
    });
    expect((await idx.getTx(sha256(blocks[0]![0]!)))?.height).toBe(3);
    await idx.close();
  });

  it("stops a long scan when the request's signal aborts", async () => {
    const { chain } = chainWith(1);
    const idx = await EventIndexer.open(tempDb());
    const block = (await chain.blockStore.loadBlock(1))!;
    const res = (await chain.stateStore.loadAbciResponses(1))!;
    const bulk = { type: "bulk", attributes: Array.from({ length: 2100 }, (_, i) => attr("k", String(i))) };
    await idx.indexBlock({ block, ...res, txResults: res.txResults.map((r) => ({ ...r, events: [bulk] })) });
    expect(await idx.searchTxs("bulk.k EXISTS")).toHaveLength(2);
    const controller = new AbortController();
    controller.abort(new Error("deadline passed"));
    await expect(idx.searchTxs("bulk.k >= 0", controller.signal)).rejects.toThrow("deadline passed");
    await idx.close();
  });

  it("refuses bad options with a typed error", () => {
    expect(() => new EventIndexer(undefined as never, { retainHeights: -1 })).toThrow(/retainHeights/);
  });
});
