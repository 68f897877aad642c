/**
 * ProtoWriter/ProtoReader against @bufbuild/protobuf's wire layer: our hand-written codec must
 * produce exactly the proto3 bytes (hashes and signatures depend on them) and read them back.
 */
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import {
  CodecError,
  decodeCanonical,
  decodeCanonicalWith,
  ProtoReader,
  ProtoWriter,
} from "../../../src/codec/proto.js";

type Field =
  | { kind: "uint"; no: number; v: number }
  | { kind: "int"; no: number; v: number }
  | { kind: "bool"; no: number; v: boolean }
  | { kind: "bytes"; no: number; v: Uint8Array }
  | { kind: "bytesAlways"; no: number; v: Uint8Array }
  | { kind: "string"; no: number; v: string }
  | { kind: "bigint"; no: number; v: bigint };

/** A small deterministic PRNG (xorshift32), so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const INTS = [0, 1, 127, 128, 255, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32];
const BIG_INTS = [2 ** 35 + 7, 2 ** 49 + 3, Number.MAX_SAFE_INTEGER];
const STRINGS = [
  "",
  "a",
  "ankr1qqqq",
  "x".repeat(127),
  "y".repeat(128),
  "é",
  "日本語",
  "😀",
  "\ud800",
  "a\u0000b",
];

function randomField(next: () => number, no: number): Field {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const r = next();
  const anyInt = () =>
    next() < 0.5 ? pick(INTS) : next() < 0.5 ? pick(BIG_INTS) : Math.floor(next() * 2 ** 40);
  if (r < 0.2) return { kind: "uint", no, v: anyInt() };
  if (r < 0.35) return { kind: "int", no, v: next() < 0.5 ? anyInt() : -anyInt() };
  if (r < 0.45) return { kind: "bool", no, v: next() < 0.5 };
  const len = pick([0, 1, 5, 127, 128, 300, 20_000]);
  const bytes = Uint8Array.from({ length: len }, () => Math.floor(next() * 256));
  if (r < 0.6) return { kind: "bytes", no, v: bytes };
  if (r < 0.7) return { kind: "bytesAlways", no, v: bytes };
  if (r < 0.9) {
    const s = next() < 0.3 ? pick(STRINGS).repeat(1 + Math.floor(next() * 100)) : pick(STRINGS);
    return { kind: "string", no, v: s };
  }
  return { kind: "bigint", no, v: BigInt(anyInt()) * 10n ** BigInt(Math.floor(next() * 40)) };
}

function ours(fields: readonly Field[]): Uint8Array {
  const w = new ProtoWriter();
  for (const f of fields) {
    if (f.kind === "uint") w.uint(f.no, f.v);
    else if (f.kind === "int") w.int(f.no, f.v);
    else if (f.kind === "bool") w.bool(f.no, f.v);
    else if (f.kind === "bytes") w.bytes(f.no, f.v);
    else if (f.kind === "bytesAlways") w.bytesAlways(f.no, f.v);
    else if (f.kind === "string") w.string(f.no, f.v);
    else w.bigint(f.no, f.v);
  }
  return w.finish();
}

/** The reference: bufbuild's writer with proto3 default omission applied by hand. */
function reference(fields: readonly Field[]): Uint8Array {
  const w = new BinaryWriter();
  for (const f of fields) {
    if (f.kind === "uint" && f.v !== 0) w.tag(f.no, WireType.Varint).uint64(f.v);
    else if (f.kind === "int" && f.v !== 0) w.tag(f.no, WireType.Varint).int64(f.v);
    else if (f.kind === "bool" && f.v) w.tag(f.no, WireType.Varint).bool(true);
    else if (f.kind === "bytes" && f.v.length > 0) w.tag(f.no, WireType.LengthDelimited).bytes(f.v);
    else if (f.kind === "bytesAlways") w.tag(f.no, WireType.LengthDelimited).bytes(f.v);
    else if (f.kind === "string" && f.v.length > 0) w.tag(f.no, WireType.LengthDelimited).string(f.v);
    else if (f.kind === "bigint" && f.v !== 0n) w.tag(f.no, WireType.LengthDelimited).string(f.v.toString());
  }
  return w.finish();
}

describe("ProtoWriter", () => {
  it("writes exactly the bytes of @bufbuild/protobuf's BinaryWriter", () => {
    const next = rng(20240601);
    for (let n = 0; n < 500; n++) {
      const count = 1 + Math.floor(next() * 12);
      const fields = Array.from({ length: count }, (_, i) =>
        randomField(next, 1 + i + Math.floor(next() * 3000)),
      );
      const [a, b] = [ours(fields), reference(fields)];
      // Compared as one boolean first: toEqual over 20 kB arrays is slow.
      if (!Buffer.from(a).equals(Buffer.from(b)))
        expect(Buffer.from(a).toString("hex")).toBe(Buffer.from(b).toString("hex"));
    }
  });

  it("keeps nested writers independent (an inner message encoded while the outer is open)", () => {
    const inner = (i: number) => new ProtoWriter().string(1, `attr-${i}`).uint(2, i).finish();
    const outer = new ProtoWriter().string(1, "event");
    for (let i = 0; i < 50; i++) outer.bytesAlways(2, inner(i));
    const ref = new BinaryWriter().tag(1, WireType.LengthDelimited).string("event");
    for (let i = 0; i < 50; i++) {
      const b = new BinaryWriter().tag(1, WireType.LengthDelimited).string(`attr-${i}`);
      if (i !== 0) b.tag(2, WireType.Varint).uint64(i);
      ref.tag(2, WireType.LengthDelimited).bytes(b.finish());
    }
    expect(outer.finish()).toEqual(ref.finish());
  });

  it("nested() writes the same bytes as encoding apart and embedding", () => {
    const next = rng(99);
    for (let n = 0; n < 200; n++) {
      const inner = Array.from({ length: Math.floor(next() * 6) }, (_, i) => randomField(next, i + 1));
      const embedded = ours(inner);
      const write = (w: ProtoWriter) => {
        for (const f of inner) {
          if (f.kind === "uint") w.uint(f.no, f.v);
          else if (f.kind === "int") w.int(f.no, f.v);
          else if (f.kind === "bool") w.bool(f.no, f.v);
          else if (f.kind === "bytes") w.bytes(f.no, f.v);
          else if (f.kind === "bytesAlways") w.bytesAlways(f.no, f.v);
          else if (f.kind === "string") w.string(f.no, f.v);
          else w.bigint(f.no, f.v);
        }
      };
      const always = new ProtoWriter().uint(1, 5).nested(2, write).string(3, "z").finish();
      const omit = new ProtoWriter().uint(1, 5).nested(2, write, true).string(3, "z").finish();
      const ref = new ProtoWriter().uint(1, 5).bytesAlways(2, embedded).string(3, "z").finish();
      const refOmit = new ProtoWriter().uint(1, 5).bytes(2, embedded).string(3, "z").finish();
      expect(Buffer.from(always).equals(ref)).toBe(true);
      expect(Buffer.from(omit).equals(refOmit)).toBe(true);
    }
  });

  it("refuses integers it cannot encode exactly", () => {
    expect(() => new ProtoWriter().uint(1, -1)).toThrow(CodecError);
    expect(() => new ProtoWriter().uint(1, 2 ** 53)).toThrow(CodecError);
    expect(() => new ProtoWriter().uint(1, 1.5)).toThrow(CodecError);
    expect(() => new ProtoWriter().int(1, -(2 ** 53))).toThrow(CodecError);
    expect(() => new ProtoWriter().bigint(1, -1n)).toThrow(CodecError);
  });
});

describe("ProtoReader", () => {
  it("reads back what ProtoWriter wrote", () => {
    const next = rng(7);
    for (let n = 0; n < 300; n++) {
      const fields = Array.from({ length: 1 + Math.floor(next() * 10) }, (_, i) => randomField(next, i + 1));
      const bytes = ours(fields);
      const r = new ProtoReader(bytes, "T");
      const present = fields.filter(
        (f) =>
          f.kind === "bytesAlways" ||
          (f.kind === "bool"
            ? f.v
            : f.kind === "bigint"
              ? f.v !== 0n
              : f.kind === "uint" || f.kind === "int"
                ? f.v !== 0
                : f.v.length > 0),
      );
      for (const f of present) {
        expect(r.next()).toBe(f.no);
        if (f.kind === "uint") expect(r.uint()).toBe(f.v);
        else if (f.kind === "int") expect(r.int()).toBe(f.v);
        else if (f.kind === "bool") expect(r.bool()).toBe(true);
        else if (f.kind === "bytes" || f.kind === "bytesAlways")
          expect(Buffer.from(r.bytes()).equals(f.v)).toBe(true);
        else if (f.kind === "bigint") expect(r.bigint()).toBe(f.v);
        // A lone surrogate is written as U+FFFD, as TextEncoder does; a leading BOM is text.
        else
          expect(r.string()).toBe(
            new TextDecoder("utf-8", { ignoreBOM: true }).decode(new TextEncoder().encode(f.v)),
          );
      }
      expect(r.next()).toBe(0);
    }
  });

  it("keeps a leading U+FEFF as text", () => {
    const r = new ProtoReader(new ProtoWriter().string(1, "\ufeffx").finish(), "T");
    r.next();
    expect(r.string()).toBe("\ufeffx");
  });

  it("raises typed errors for truncated, mistyped, oversized and unknown fields", () => {
    /** The CodecError code of reading the first field of `bytes` with `read`. */
    const code = (bytes: Uint8Array, read: (r: ProtoReader) => unknown) => {
      try {
        const r = new ProtoReader(bytes, "T");
        r.next();
        read(r);
      } catch (err) {
        return err instanceof CodecError ? err.code : "other";
      }
      return "none";
    };
    const bytes = new ProtoWriter().bytes(1, new Uint8Array(10)).finish();
    expect(code(bytes.subarray(0, 5), (r) => r.bytes())).toBe("CODEC_TRUNCATED");
    expect(code(bytes, (r) => r.uint())).toBe("CODEC_WIRE_TYPE");
    const over = Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
    expect(code(over, (r) => r.uint())).toBe("CODEC_INT_RANGE");
    expect(code(Uint8Array.of(0x08, 0xff, 0xff), (r) => r.uint())).toBe("CODEC_TRUNCATED");
    expect(code(Uint8Array.of(0x08, 0x01), (r) => r.unknown())).toBe("CODEC_UNKNOWN_FIELD");
    expect(code(Uint8Array.of(0x00, 0x01), () => {})).toBe("CODEC_TRUNCATED");
    expect(code(new ProtoWriter().string(1, "007").finish(), (r) => r.bigint())).toBe("CODEC_BAD_VALUE");
  });

  it("decodeCanonical refuses a non-canonical form of the same value", () => {
    const decode = (b: Uint8Array) => {
      const r = new ProtoReader(b, "T");
      let v = 0;
      for (let f = r.next(); f !== 0; f = r.next()) v = r.uint();
      return v;
    };
    const encode = (v: number) => new ProtoWriter().uint(1, v).finish();
    expect(decodeCanonical(Uint8Array.of(0x08, 0x05), "T", decode, encode)).toBe(5);
    // 5 as a padded two-byte varint: same value, different bytes.
    expect(() => decodeCanonical(Uint8Array.of(0x08, 0x85, 0x00), "T", decode, encode)).toThrow(CodecError);
    // The same check comparing in the writer's scratch buffer.
    const write = (w: ProtoWriter, v: number) => void w.uint(1, v);
    expect(decodeCanonicalWith(Uint8Array.of(0x08, 0x05), "T", decode, write)).toBe(5);
    expect(() => decodeCanonicalWith(Uint8Array.of(0x08, 0x85, 0x00), "T", decode, write)).toThrow(
      /not in canonical encoding/,
    );
    expect(() => decodeCanonicalWith(Uint8Array.of(0x08, 0x05, 0x08, 0x05), "T", decode, write)).toThrow(
      /not in canonical encoding/,
    );
  });

  it("view() returns the payload in place, bytes() a copy", () => {
    const input = new ProtoWriter().bytes(1, Uint8Array.of(7, 8, 9)).finish();
    const read = (pick: (r: ProtoReader) => Uint8Array) => {
      const r = new ProtoReader(input, "T");
      r.next();
      return pick(r);
    };
    const view = read((r) => r.view());
    const copy = read((r) => r.bytes());
    expect(view).toEqual(Uint8Array.of(7, 8, 9));
    expect(view.buffer).toBe(input.buffer);
    expect(copy.buffer).not.toBe(input.buffer);
  });
});
