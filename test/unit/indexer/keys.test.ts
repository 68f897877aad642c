/** The event-index key builders write each key in one array; the layout must stay byte-for-byte. */
import { describe, expect, it } from "vitest";
import { concatBytes, u64be, utf8 } from "../../../src/codec/bytes.js";
import {
  blockEventKey,
  encodePostings,
  eventKeySuffix,
  forEachPosting,
  parseEventKey,
  TABLE,
  tagPrefix,
  tagValuePrefix,
  txEventKey,
  txHashKey,
  txKey,
  txPointer,
  u32be,
} from "../../../src/indexer/keys.js";

/** The documented layout, built the slow way. */
function reference(table: number, tag: string, value: string, ...tail: Uint8Array[]): Uint8Array {
  const t = utf8(tag);
  const v = utf8(value);
  const len = Uint8Array.of(t.length >> 8, t.length & 0xff);
  return concatBytes(Uint8Array.of(table), len, t, u32be(v.length), v, ...tail);
}

const VALUES = [
  "",
  "ankr1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",
  "1000",
  "é日本😀",
  "\ud800lone",
  "a".repeat(300),
];

describe("event index keys", () => {
  it("match the documented layout for ASCII, multi-byte and lone-surrogate values", () => {
    for (const value of VALUES) {
      const h = 2 ** 40 + 7;
      expect(txEventKey("transfer.sender", value, h)).toEqual(
        reference(TABLE.txEvent, "transfer.sender", value, u64be(h)),
      );
      expect(blockEventKey("end.height", value, 9, 1)).toEqual(
        reference(TABLE.blockEvent, "end.height", value, u64be(9), u32be(1)),
      );
      expect(tagValuePrefix(TABLE.txEvent, "t", value)).toEqual(reference(TABLE.txEvent, "t", value));
      const decoded = new TextDecoder().decode(utf8(value));
      const key = txEventKey("t", value, 5);
      expect(parseEventKey(key, tagPrefix(TABLE.txEvent, "t").length, TABLE.txEvent)).toEqual({
        value: decoded,
        height: 5,
        seq: 0,
      });
      expect(eventKeySuffix(key, TABLE.txEvent)).toEqual({ height: 5, seq: 0 });
      const bkey = blockEventKey("t", value, 8, 3);
      expect(parseEventKey(bkey, tagPrefix(TABLE.blockEvent, "t").length, TABLE.blockEvent)).toEqual({
        value: decoded,
        height: 8,
        seq: 3,
      });
      expect(eventKeySuffix(bkey, TABLE.blockEvent)).toEqual({ height: 8, seq: 3 });
      // A key whose length does not add up is refused, not misread.
      expect(() =>
        parseEventKey(key.subarray(0, -1), tagPrefix(TABLE.txEvent, "t").length, TABLE.txEvent),
      ).toThrow(/rebuild the index/);
    }
  });

  it("store a tx event key's postings as (u32 index, u32 seq) pairs and refuse a torn list", () => {
    const flat = [0, 0, 0, 2, 7, 1, 70_000, 2 ** 32 - 1];
    const value = encodePostings(flat);
    expect(value).toEqual(concatBytes(...flat.map(u32be)));
    const read: number[] = [];
    forEachPosting(value, (index, seq) => read.push(index, seq));
    expect(read).toEqual(flat);
    expect(() => forEachPosting(value.subarray(0, 12), () => {})).toThrow(/posting list has 12 bytes/);
  });

  it("lay out tx records, hash pointers and tx pointers as documented", () => {
    const hash = new Uint8Array(32).fill(0xab);
    expect(txKey(2 ** 33, 70_000)).toEqual(
      concatBytes(Uint8Array.of(TABLE.tx), u64be(2 ** 33), u32be(70_000)),
    );
    expect(txHashKey(hash)).toEqual(concatBytes(Uint8Array.of(TABLE.txHash), hash));
    expect(txPointer(12, 34)).toEqual(concatBytes(u64be(12), u32be(34)));
  });
});
