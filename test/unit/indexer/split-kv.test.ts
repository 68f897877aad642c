import { afterAll, describe, expect, it } from "vitest";
import { concatBytes, toHex, u64be } from "../../../src/codec/bytes.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { EventIndexer, recordsPath } from "../../../src/indexer/indexer.js";
import { blockKey, META_LAST_HEIGHT, TABLE, txKey } from "../../../src/indexer/keys.js";
import { SplitIndexKV } from "../../../src/indexer/split-kv.js";
import { Database } from "../../../src/store/db.js";
import { makeTx, TestChain } from "../rpc/fixture.js";
import { removeTempDbs, richResult, tempDb } from "./fixture.js";

afterAll(removeTempDbs);

async function pair(): Promise<{
  main: Database;
  records: Database;
  kv: SplitIndexKV;
  close(): Promise<void>;
}> {
  const path = tempDb();
  const main = await Database.open(path);
  const records = await Database.open(recordsPath(path));
  return {
    main,
    records,
    kv: new SplitIndexKV(main, records),
    close: async () => {
      await main.close();
      await records.close();
    },
  };
}

const hex = (entries: [Uint8Array, Uint8Array][]) => entries.map(([k]) => toHex(k));
async function all(gen: AsyncGenerator<[Uint8Array, Uint8Array]>): Promise<[Uint8Array, Uint8Array][]> {
  const out: [Uint8Array, Uint8Array][] = [];
  for await (const e of gen) out.push(e);
  return out;
}

describe("SplitIndexKV", () => {
  it("keeps tx records, and only them, in their own database and reads ranges across both in key order", async () => {
    const { main, records, kv, close } = await pair();
    const v = Uint8Array.of(1);
    const posting = concatBytes(Uint8Array.of(TABLE.txEvent), Uint8Array.of(0, 1, 0x61));
    await kv.batch([
      { type: "put", key: txKey(2, 0), value: v },
      { type: "put", key: blockKey(2), value: v },
      { type: "put", key: posting, value: v },
      { type: "put", key: META_LAST_HEIGHT, value: u64be(2) },
    ]);
    expect(await records.get(txKey(2, 0))).toEqual(v);
    // Block records sort after every tx record: beside them, each flushed file would span both.
    expect(await records.get(blockKey(2))).toBeUndefined();
    expect(await main.get(blockKey(2))).toEqual(v);
    expect(await main.get(txKey(2, 0))).toBeUndefined();
    expect(await main.get(posting)).toEqual(v);
    expect(await kv.get(blockKey(2))).toEqual(v);

    const ordered = [META_LAST_HEIGHT, txKey(2, 0), posting, blockKey(2)].map(toHex);
    expect(hex(await all(kv.entries()))).toEqual(ordered);
    expect(hex(await all(kv.entries({ reverse: true })))).toEqual([...ordered].reverse());
    expect(hex(await all(kv.entries({ limit: 2 })))).toEqual(ordered.slice(0, 2));
    // A range within one table reads that table only.
    expect(hex(await all(kv.entries({ gte: txKey(0, 0), lt: Uint8Array.of(TABLE.tx + 1) })))).toEqual([
      toHex(txKey(2, 0)),
    ]);
    await close();
  });

  it("writes record puts before the rest and record deletes after it; a put wins over a delete of its key", async () => {
    const { records, kv, close } = await pair();
    const v = Uint8Array.of(7);
    await kv.batch([{ type: "put", key: txKey(1, 0), value: Uint8Array.of(1) }]);
    await kv.batch([
      { type: "del", key: txKey(1, 0) },
      { type: "del", key: txKey(1, 1) },
      { type: "put", key: txKey(1, 0), value: v },
    ]);
    expect(await records.get(txKey(1, 0))).toEqual(v);
    await kv.batch([{ type: "del", key: txKey(1, 0) }]);
    expect(await records.get(txKey(1, 0))).toBeUndefined();
    await close();
  });
});

describe("EventIndexer over two databases", () => {
  it("drops on open the records a write interrupted between the databases left behind", async () => {
    const chain = new TestChain();
    chain.resultFor = richResult;
    for (let h = 1; h <= 3; h++) chain.produceBlock([makeTx(chain.keys[0]!, h)]);
    const path = tempDb();
    const idx = await EventIndexer.open(path);
    for (let h = 1; h <= 2; h++) {
      const block = (await chain.blockStore.loadBlock(h))!;
      await idx.indexBlock({ block, ...(await chain.stateStore.loadAbciResponses(h))! });
    }
    await idx.close();

    // Height 3's records were written, then the node died before the postings and the height.
    const block3 = (await chain.blockStore.loadBlock(3))!;
    const records = await Database.open(recordsPath(path));
    expect(await records.get(txKey(1, 0))).toBeDefined();
    await records.batch([{ type: "put", key: txKey(3, 0), value: (await records.get(txKey(2, 0)))! }]);
    await records.close();

    const reopened = await EventIndexer.open(path);
    expect(await reopened.lastIndexedHeight()).toBe(2);
    // The height scan reads the records table: height 3 must not show before it is indexed.
    expect(await reopened.searchTxs("tx.height > 0")).toHaveLength(2);
    const source = {
      loadBlock: (h: number) => chain.blockStore.loadBlock(h),
      loadAbciResponses: (h: number) => chain.stateStore.loadAbciResponses(h),
    };
    expect(await reopened.catchUp(source, 3)).toBe(1);
    expect(await reopened.searchTxs("tx.height = 3")).toHaveLength(1);
    expect((await reopened.getTx(sha256(block3.txs[0]!)))?.height).toBe(3);
    await reopened.close();
  });
});
