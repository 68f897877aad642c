/** The event-index key builders write each key in one array; the layout must stay byte-for-byte. */
import { describe, expect, it } from "vitest";
import { concatBytes, u64be, utf8 } from "../../../src/codec/bytes.js";
import {
  blockEventKey,
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
      expect(txEventKey("transfer.sender", value, h, 3, 2)).toEqual(
        reference(TABLE.txEvent, "transfer.sender", value, u64be(h), u32be(3), u32be(2)),
      );
      expect(blockEventKey("end.height", value, 9, 1)).toEqual(
        reference(TABLE.blockEvent, "end.height", value, u64be(9), u32be(1)),
      );
      expect(tagValuePrefix(TABLE.txEvent, "t", value)).toEqual(reference(TABLE.txEvent, "t", value));
      const key = txEventKey("t", value, 5, 6, 7);
      const parsed = parseEventKey(key, tagPrefix(TABLE.txEvent, "t").length, true);
      expect(parsed).toEqual({ value: new TextDecoder().decode(utf8(value)), height: 5, index: 6, seq: 7 });
    }
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
