/**
 * The in-place reader of encoded tx results and events (event-scan.ts), the tx record written
 * from an encoded result, and splitAbciResponses: each must give exactly what decoding the
 * bytes and building keys and records from the objects gives, and refuse what the decoder
 * refuses with a CodecError, never a crash.
 */
import { describe, expect, it } from "vitest";
import type { AbciEvent, ExecTxResult } from "../../../src/abci/types.js";
import { Scratch, utf8 } from "../../../src/codec/bytes.js";
import { CodecError, ProtoWriter } from "../../../src/codec/proto.js";
import { isDccnError } from "../../../src/errors.js";
import { ByteArena } from "../../../src/indexer/arena.js";
import { encodeIndexedTx, indexedTxHashAndResult, indexedTxRecord } from "../../../src/indexer/codec.js";
import { EventScanner } from "../../../src/indexer/event-scan.js";
import {
  blockEventKey,
  scannedBlockEventKey,
  scannedTxEventKey,
  txEventKey,
} from "../../../src/indexer/keys.js";
import {
  decodeTxResult,
  encodeAbciResponses,
  encodeEvent,
  encodeTxResult,
  splitAbciResponses,
} from "../../../src/state/abci-responses.js";
import { attr } from "./fixture.js";

const H = 2 ** 33 + 5;
const I = 70_001;

/** An indexed attribute as the index sees it: its key and the seq of its event. */
interface KeyAt {
  readonly key: Uint8Array;
  readonly seq: number;
}

/** The keys the indexer derived before the scanner: from the decoded result's objects. */
function decodedKeys(bytes: Uint8Array): { code: number; keys: KeyAt[] } {
  const r = decodeTxResult(bytes);
  const keys: KeyAt[] = [];
  for (const [seq, e] of r.events.entries()) {
    if (e.type === "") continue;
    for (const a of e.attributes) {
      if (a.index && a.key !== "") keys.push({ key: txEventKey(`${e.type}.${a.key}`, a.value, H), seq });
    }
  }
  return { code: r.code, keys };
}

/** The same from the scanner, each key built in a Scratch (as the indexer probes) and copied. */
function scannedKeys(bytes: Uint8Array): { code: number; keys: KeyAt[] } {
  const scratch = new Scratch();
  const keys: KeyAt[] = [];
  const code = new EventScanner().scanTxResult(bytes, (a) =>
    keys.push({ key: scannedTxEventKey(scratch, a, H).slice(), seq: a.seq }),
  );
  return { code, keys };
}

const result = (events: AbciEvent[], code = 0): ExecTxResult => ({
  code,
  data: Uint8Array.of(1, 2, 3),
  gasWanted: 200_000,
  gasUsed: 2 ** 40,
  codespace: "bank",
  log: "failed: é",
  info: "",
  events,
});

const RICH = result(
  [
    { type: "tx", attributes: [attr("fee", "41234000"), attr("acc_seq", "ankr1qypq/7")] },
    { type: "", attributes: [attr("skipped", "no type")] },
    {
      type: "transfer",
      attributes: [
        attr("recipient", "é日本😀"),
        attr("memo", "hidden", false),
        attr("", "empty key"),
        attr("amount", "\ud800lone surrogate"),
        attr("note", "\ufeffbom"),
        attr("long", "x".repeat(300)),
        attr("empty", ""),
      ],
    },
    { type: "ünïcode", attributes: [attr("kéy", "v")] },
  ],
  2 ** 34 + 7, // a code whose varint fills the 5th byte (bits 28..34)
);

// Hand-written encodings the object encoder never produces but the decoder accepts.
const w = () => new ProtoWriter();
const rawAttr = (key: Uint8Array, value: Uint8Array, index = true) =>
  w()
    .bytes(1, key)
    .bytes(2, value)
    .uint(3, index ? 1 : 0)
    .finish();
const INVALID_UTF8 = [
  Uint8Array.of(0xff, 0x61),
  Uint8Array.of(0x61, 0xc3),
  Uint8Array.of(0xc0, 0xaf),
  Uint8Array.of(0xed, 0xa0, 0x80),
];

describe("EventScanner", () => {
  it("yields the keys and code the decoded objects give, for ASCII, multi-byte and skipped attributes", () => {
    const bytes = encodeTxResult(RICH);
    const want = decodedKeys(bytes);
    expect(want.keys).toHaveLength(8);
    expect(scannedKeys(bytes)).toStrictEqual(want);
    expect(scannedKeys(encodeTxResult(result([])))).toStrictEqual({ code: 0, keys: [] });
    expect(scannedKeys(new Uint8Array(0))).toStrictEqual({ code: 0, keys: [] });
  });

  it("reads a type after the attributes, repeated fields (last wins) and long varints as the decoder does", () => {
    const attrs = [
      rawAttr(utf8("a"), utf8("1")),
      // key given twice, index as a 3-byte varint (1), value last
      Uint8Array.of(0x0a, 1, 0x78, 0x0a, 1, 0x6b, 0x18, 0x81, 0x80, 0x00, 0x12, 1, 0x32),
      // index as a 2-byte varint of 0: not indexed
      Uint8Array.of(0x0a, 1, 0x7a, 0x18, 0x80, 0x00),
    ];
    const event = w();
    for (const a of attrs) event.bytesAlways(2, a);
    event.bytes(1, utf8("first")).bytes(1, utf8("late"));
    // code 300 written as a 10-byte varint whose extra bits fall beyond 64 bits (dropped)
    const code = Uint8Array.of(0x08, 0xac, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02);
    const bytes = Uint8Array.from([...code, ...w().bytes(8, event.finish()).finish()]);
    const want = decodedKeys(bytes);
    expect(want.code).toBe(300);
    expect(want.keys).toHaveLength(2);
    expect(scannedKeys(bytes)).toStrictEqual(want);
  });

  it("keys invalid UTF-8 as the decoded string (U+FFFD) re-encodes, and keeps a BOM", () => {
    for (const bad of [...INVALID_UTF8, Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)]) {
      const event = w()
        .bytes(1, bad)
        .bytes(2, rawAttr(bad, bad))
        .bytes(2, rawAttr(utf8("k"), bad))
        .finish();
      const bytes = w().bytes(8, event).finish();
      const want = decodedKeys(bytes);
      expect(want.keys).toHaveLength(2);
      expect(scannedKeys(bytes)).toStrictEqual(want);
    }
  });

  it("builds block event keys from one encoded Event", () => {
    const arena = new ByteArena();
    const keys: Uint8Array[] = [];
    const event = encodeEvent({ type: "reward", attributes: [attr("amount", "500"), attr("to", "é")] });
    new EventScanner().scanEvent(event, 3, (a) => keys.push(scannedBlockEventKey(arena, a, 9)));
    expect(keys).toStrictEqual([
      blockEventKey("reward.amount", "500", 9, 3),
      blockEventKey("reward.to", "é", 9, 3),
    ]);
  });

  it("refuses malformed results with the decoder's CodecError codes", () => {
    const cases: [Uint8Array, string][] = [
      [Uint8Array.of(0x42, 5, 1), "CODEC_TRUNCATED"], // event longer than the result
      [Uint8Array.of(0x08), "CODEC_TRUNCATED"], // code without its varint
      [Uint8Array.of(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80), "CODEC_TRUNCATED"],
      [Uint8Array.of(0x00, 0x01), "CODEC_TRUNCATED"], // field 0
      [Uint8Array.of(0x48, 0x01), "CODEC_UNKNOWN_FIELD"], // field 9
      [Uint8Array.of(0x0a, 0x00), "CODEC_WIRE_TYPE"], // code as bytes
      [Uint8Array.of(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10), "CODEC_INT_RANGE"], // 2^53
      [w().bytes(8, Uint8Array.of(0x18, 1)).finish(), "CODEC_UNKNOWN_FIELD"], // Event.3
      [
        w()
          .bytes(8, w().bytes(2, Uint8Array.of(0x22, 0)).finish())
          .finish(),
        "CODEC_UNKNOWN_FIELD",
      ],
      [
        w()
          .bytes(8, w().bytes(2, Uint8Array.of(0x1a, 0)).finish())
          .finish(),
        "CODEC_WIRE_TYPE",
      ],
      [
        w()
          .bytes(
            8,
            w()
              .bytes(2, Uint8Array.of(0x0a, 9, 0x61))
              .finish(),
          )
          .finish(),
        "CODEC_TRUNCATED",
      ],
    ];
    for (const [bytes, code] of cases) {
      expect(() => decodeTxResult(bytes), code).toThrow(CodecError);
      const err = catchError(() => scannedKeys(bytes));
      expect(err, code).toBeInstanceOf(CodecError);
      expect(isDccnError(err, code), `${code}: ${String(err)}`).toBe(true);
    }
  });

  it("accepts exactly what the decoder accepts, with the same keys, over mutated encodings", () => {
    const base = encodeTxResult(RICH);
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let accepted = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = Uint8Array.from(base);
      const edits = 1 + rnd(3);
      let mutated: Uint8Array = bytes;
      for (let e = 0; e < edits; e++) {
        const at = rnd(mutated.length);
        const kind = rnd(3);
        if (kind === 0) mutated[at] = rnd(256);
        else if (kind === 1) mutated = mutated.subarray(0, at);
        else mutated = Uint8Array.from([...mutated.subarray(0, at), rnd(256), ...mutated.subarray(at)]);
      }
      const want = catchResult(() => decodedKeys(mutated));
      const got = catchResult(() => scannedKeys(mutated));
      if (want instanceof Error) {
        expect(got, `round ${round}`).toBeInstanceOf(CodecError);
      } else {
        accepted++;
        expect(got, `round ${round}`).toStrictEqual(want);
      }
    }
    // Both outcomes were exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(2900);
  });
});

describe("tx records from encoded results", () => {
  it("are the bytes encodeIndexedTx writes, and give the result back", () => {
    const arena = new ByteArena();
    const hash = new Uint8Array(32).fill(7);
    const tx = new Uint8Array(200).fill(9);
    const results = [
      result([]),
      RICH,
      { ...result([]), data: new Uint8Array(0), gasWanted: 0, gasUsed: 0, codespace: "", log: "" },
    ];
    for (const r of results) {
      for (const [height, index, t] of [
        [1, 0, tx],
        [H, I, tx],
        [127, 128, new Uint8Array(0)],
      ] as const) {
        const encoded = encodeTxResult(r);
        const record = indexedTxRecord(arena, height, index, hash, t, encoded);
        expect(record).toStrictEqual(encodeIndexedTx({ height, index, hash, tx: t, result: r }));
        expect(indexedTxHashAndResult(record)).toStrictEqual({ hash, result: encoded });
      }
    }
    expect(() => indexedTxRecord(arena, -1, 0, hash, tx, new Uint8Array(0))).toThrow(CodecError);
  });

  it("a record that does not decode is INDEXER_CORRUPT", () => {
    for (const bad of [Uint8Array.of(0x2a, 9, 1), Uint8Array.of(0x30, 1), Uint8Array.of(0x0a, 0)]) {
      expect(catchError(() => indexedTxHashAndResult(bad))).toSatisfy((e) =>
        isDccnError(e, "INDEXER_CORRUPT"),
      );
    }
  });
});

describe("splitAbciResponses", () => {
  it("returns each result and block event still encoded, and refuses what decodeAbciResponses refuses", () => {
    const begin = { type: "begin", attributes: [attr("a", "1")] };
    const end = { type: "end", attributes: [attr("b", "2")] };
    const results = [RICH, result([], 3)];
    const bytes = encodeAbciResponses({
      beginBlock: { events: [begin] },
      txResults: results,
      endBlock: { validatorUpdates: [{ pubKey: new Uint8Array(32).fill(1), power: 10 }], events: [end] },
      byzantineValidators: [],
    });
    expect(splitAbciResponses(bytes)).toStrictEqual({
      txResults: results.map(encodeTxResult),
      blockEvents: [encodeEvent(begin), encodeEvent(end)],
    });
    const badEndBlock = w()
      .bytes(3, w().bytes(1, Uint8Array.of(0x18, 1)).finish())
      .finish();
    expect(() => splitAbciResponses(badEndBlock)).toThrow(CodecError);
    expect(() => splitAbciResponses(Uint8Array.of(0x2a, 0))).toThrow(CodecError);
    expect(() => splitAbciResponses(Uint8Array.of(0x12, 4))).toThrow(CodecError);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

function catchResult<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (err) {
    return err as Error;
  }
}
