/**
 * EventIndexer.indexEncoded (the worker's path: results and block events still encoded) on a
 * real LevelDB: it writes exactly the event keys the decoded objects give (reserved and
 * over-long tags skipped, invalid UTF-8 as decoded), re-indexing removes them, and a result
 * or event that does not decode fails the block with INDEXER_BAD_MESSAGE, writing nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { AbciEvent } from "../../../src/abci/types.js";
import { toHex, utf8 } from "../../../src/codec/bytes.js";
import { ProtoWriter } from "../../../src/codec/proto.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { isDccnError } from "../../../src/errors.js";
import { EventIndexer } from "../../../src/indexer/indexer.js";
import { blockEventKey, forEachPosting, TABLE, txEventKey } from "../../../src/indexer/keys.js";
import { createLogger } from "../../../src/log.js";
import { decodeTxResult, encodeEvent, encodeTxResult } from "../../../src/state/abci-responses.js";
import { Database } from "../../../src/store/db.js";
import { attr, removeTempDbs, tempDb } from "./fixture.js";

afterAll(removeTempDbs);

const HEIGHT = 4;
const LONG_TYPE = "t".repeat(70_000);

const result = (events: AbciEvent[], code = 0) =>
  encodeTxResult({
    code,
    data: new Uint8Array(0),
    gasWanted: 5,
    gasUsed: 4,
    codespace: "",
    log: "",
    info: "",
    events,
  });

/** A result the object encoder cannot write: invalid UTF-8, and the type after the attributes. */
function rawResult(): Uint8Array {
  const bad = Uint8Array.of(0x61, 0xff);
  const a = new ProtoWriter().bytes(1, utf8("k")).bytes(2, bad).uint(3, 1).finish();
  const event = new ProtoWriter().bytes(2, a).bytes(1, utf8("raw")).finish();
  return new ProtoWriter().bytes(8, event).finish();
}

const TXS = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
const RESULTS = [
  result([
    {
      type: "tx",
      attributes: [
        attr("hash", "reserved"),
        attr("height", "9"),
        attr("fee", "10"),
        attr("memo", "m", false),
      ],
    },
    { type: LONG_TYPE, attributes: [attr("k", "too long a tag")] },
    { type: "transfer", attributes: [attr("recipient", "é日本😀"), attr("amount", "\ud800x")] },
  ]),
  rawResult(),
  result([{ type: "transfer", attributes: [attr("amount", "5")] }], 11),
];
const BLOCK_EVENTS: AbciEvent[] = [
  { type: "block", attributes: [attr("height", "4"), attr("proposer", "val")] },
  { type: "reward", attributes: [attr("amount", "100")] },
];

/**
 * The tx event entries the decoded objects give: each (tag, value) key of the height with its
 * (index, seq) postings in block order, as `hex key -> [index, seq, ...]`.
 */
function expectedTxEntries(results: Uint8Array[]): Map<string, number[]> {
  const entries = new Map<string, number[]>();
  for (const [index, bytes] of results.entries()) {
    for (const [seq, e] of decodeTxResult(bytes).events.entries()) {
      for (const a of e.attributes) {
        const tag = `${e.type}.${a.key}`;
        if (!a.index || e.type === "" || a.key === "" || tag === "tx.hash" || tag === "tx.height") continue;
        if (Buffer.byteLength(tag) > 0xffff) continue;
        const key = toHex(txEventKey(tag, a.value, HEIGHT));
        entries.set(key, [...(entries.get(key) ?? []), index, seq]);
      }
    }
  }
  return new Map([...entries].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function txEntriesOf(db: Database): Promise<Map<string, number[]>> {
  const entries = new Map<string, number[]>();
  for await (const [k, v] of db.entries({ prefix: Uint8Array.of(TABLE.txEvent) })) {
    const flat: number[] = [];
    forEachPosting(v, (index, seq) => flat.push(index, seq));
    entries.set(toHex(k), flat);
  }
  return entries;
}

async function keysOf(db: Database, table: number): Promise<string[]> {
  const keys: string[] = [];
  for await (const [k] of db.entries({ prefix: Uint8Array.of(table) })) keys.push(toHex(k));
  return keys;
}

const hasCode = (code: string) => (e: unknown) => isDccnError(e, code);

describe("EventIndexer.indexEncoded", () => {
  it("writes the keys and records the decoded objects give, and removes them when re-indexed", async () => {
    const db = await Database.open(tempDb());
    const lines: string[] = [];
    const idx = new EventIndexer(db, {
      logger: createLogger("test", { level: "warn", write: (l) => lines.push(l) }),
    });
    const blockEvents = BLOCK_EVENTS.map(encodeEvent);
    await idx.indexEncoded({ height: HEIGHT, txs: TXS, txResults: RESULTS, blockEvents });

    const want = expectedTxEntries(RESULTS);
    expect([...want.values()].flat()).toHaveLength(10); // 5 attributes, one posting each
    expect(await txEntriesOf(db)).toStrictEqual(want);
    expect(await keysOf(db, TABLE.blockEvent)).toStrictEqual(
      [
        toHex(blockEventKey("block.proposer", "val", HEIGHT, 0)),
        toHex(blockEventKey("reward.amount", "100", HEIGHT, 1)),
      ].sort(),
    );
    expect(lines.filter((l) => l.includes("reserved or too long tag"))).toHaveLength(4);
    for (const [index, tx] of TXS.entries()) {
      const rec = await idx.getTx(sha256(tx));
      expect(rec).toStrictEqual({
        height: HEIGHT,
        index,
        hash: sha256(tx),
        tx,
        result: decodeTxResult(RESULTS[index]!),
      });
    }
    expect(await idx.searchTxs("raw.k = 'a\ufffd'")).toStrictEqual([{ height: HEIGHT, index: 1 }]);
    expect(await idx.searchTxs("transfer.recipient = 'é日本😀'")).toStrictEqual([
      { height: HEIGHT, index: 0 },
    ]);
    expect(await idx.searchTxs("tx.fee = 10")).toStrictEqual([{ height: HEIGHT, index: 0 }]);
    expect(await idx.searchBlocks("block.proposer = 'val'")).toStrictEqual([HEIGHT]);

    // The same height again with other results: what the first run wrote is gone.
    const plain = [result([]), result([]), result([{ type: "x", attributes: [attr("y", "z")] }])];
    await idx.indexEncoded({ height: HEIGHT, txs: TXS, txResults: plain, blockEvents: [] });
    expect(await txEntriesOf(db)).toStrictEqual(expectedTxEntries(plain));
    expect(await keysOf(db, TABLE.blockEvent)).toStrictEqual([]);
    expect((await idx.getTx(sha256(TXS[2]!)))?.result.events).toStrictEqual([
      { type: "x", attributes: [attr("y", "z")] },
    ]);
    await idx.close();
    await db.close();
  });

  it("fails a block whose result or block event does not decode, writing nothing of it", async () => {
    const db = await Database.open(tempDb());
    const idx = new EventIndexer(db);
    await idx.indexEncoded({ height: 1, txs: TXS, txResults: RESULTS, blockEvents: [] });
    const before = await txEntriesOf(db);
    const unknownField = Uint8Array.of(0x48, 0x01);
    const truncated = RESULTS[0]!.subarray(0, RESULTS[0]!.length - 3);
    for (const bad of [unknownField, truncated]) {
      await expect(
        idx.indexEncoded({
          height: 2,
          txs: TXS,
          txResults: [RESULTS[0]!, RESULTS[1]!, bad],
          blockEvents: [],
        }),
      ).rejects.toSatisfy(hasCode("INDEXER_BAD_MESSAGE"));
    }
    await expect(
      idx.indexEncoded({ height: 2, txs: TXS, txResults: RESULTS, blockEvents: [Uint8Array.of(0x0a, 5)] }),
    ).rejects.toSatisfy(hasCode("INDEXER_BAD_MESSAGE"));
    await expect(
      idx.indexEncoded({ height: 2, txs: TXS, txResults: RESULTS.slice(1), blockEvents: [] }),
    ).rejects.toSatisfy(hasCode("INDEXER_CORRUPT"));
    expect(await idx.lastIndexedHeight()).toBe(1);
    expect(await idx.loadTx({ height: 2, index: 0 })).toBeUndefined();
    expect(await txEntriesOf(db)).toStrictEqual(before);
    // The indexer keeps going after a failed block.
    await idx.indexEncoded({ height: 2, txs: [], txResults: [], blockEvents: [] });
    expect(await idx.lastIndexedHeight()).toBe(2);
    await idx.close();
    await db.close();
  });
});
