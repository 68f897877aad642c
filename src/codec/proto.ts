/**
 * Deterministic protobuf encoding (proto3 wire format) over @bufbuild/protobuf's wire layer.
 *
 * The schemas live in `proto/`; encoders here follow them by hand so that:
 *  - fields are written in field-number order and default values are omitted (canonical);
 *  - decoding is strict: unknown fields, wrong wire types, truncated input and integers beyond
 *    2^53 raise a typed `CodecError` instead of producing a half-filled object.
 */
import { WireType } from "@bufbuild/protobuf/wire";
import { DccnError } from "../errors.js";

export type CodecErrorCode =
  | "CODEC_TRUNCATED"
  | "CODEC_UNKNOWN_FIELD"
  | "CODEC_WIRE_TYPE"
  | "CODEC_INT_RANGE"
  | "CODEC_BAD_VALUE"
  | "CODEC_NON_CANONICAL"
  | "CODEC_TOO_LARGE";

export class CodecError extends DccnError<CodecErrorCode> {
  constructor(code: CodecErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "CodecError";
  }
}

export { WireType };

const INITIAL_SCRATCH = 1024;
/** Scratch buffers no writer is using. Writers nest (an inner message is encoded while the
 * outer one is open), so each writer holds its own until `finish()` hands it back; a writer
 * abandoned by an exception just leaves its buffer to the GC. */
const scratchPool: Uint8Array[] = [];
/** What a finished writer holds instead of its returned buffer (shared: a finished writer never writes). */
const RELEASED = new Uint8Array(0);
const MAX_POOLED = 16;
const MAX_POOLED_BYTES = 1 << 20;
const utf8Encoder = new TextEncoder();
const TWO_32 = 4294967296;

/** Bytes of the unsigned varint of `n` (0 ≤ n < 2^32). */
function varint32Size(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/**
 * Writer that omits proto3 default values, so equal objects always encode to equal bytes.
 *
 * It writes straight into one growing scratch buffer (reused across writers) and copies the
 * result out once in `finish()`: encoding is on every hot path (txs, results, events, index
 * records), and a fresh buffer per message was a large share of the node's allocations.
 * The bytes are exactly the proto3 wire encoding (test/unit/codec checks it against
 * @bufbuild/protobuf's BinaryWriter).
 */
export class ProtoWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor() {
    this.buf = scratchPool.pop() ?? new Uint8Array(INITIAL_SCRATCH);
  }

  uint(field: number, value: number): this {
    if (value !== 0) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new CodecError(
          "CODEC_INT_RANGE",
          `field ${field}: ${value} is not a non-negative safe integer`,
        );
      }
      this.tag(field, 0);
      this.varint(value);
    }
    return this;
  }

  /** Signed integer (int64 semantics; -1 is allowed and used for "none" rounds). */
  int(field: number, value: number): this {
    if (value !== 0) {
      if (!Number.isSafeInteger(value)) throw new CodecError("CODEC_INT_RANGE", `field ${field}: ${value}`);
      this.tag(field, 0);
      if (value > 0) this.varint(value);
      else this.varint64(value >>> 0, Math.floor(value / TWO_32) | 0);
    }
    return this;
  }

  bool(field: number, value: boolean): this {
    if (value) {
      this.tag(field, 0);
      this.ensure(1);
      this.buf[this.pos++] = 1;
    }
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    if (value.length > 0) this.lengthDelimited(field, value);
    return this;
  }

  /** Bytes written even when empty (for repeated elements whose position matters). */
  bytesAlways(field: number, value: Uint8Array): this {
    this.lengthDelimited(field, value);
    return this;
  }

  string(field: number, value: string): this {
    if (value.length > 0) {
      this.tag(field, 2);
      this.utf8(value);
    }
    return this;
  }

  /** A bigint as its canonical decimal string (amounts exceed uint64 with 18 decimals). */
  bigint(field: number, value: bigint): this {
    if (value < 0n) throw new CodecError("CODEC_INT_RANGE", `field ${field}: negative amount ${value}`);
    if (value !== 0n) {
      this.tag(field, 2);
      this.utf8(value.toString(10));
    }
    return this;
  }

  /** A nested message, written only when present. */
  message(field: number, encoded: Uint8Array | undefined | null): this {
    if (encoded !== undefined && encoded !== null) this.lengthDelimited(field, encoded);
    return this;
  }

  /**
   * A nested message encoded in place by `write` (no intermediate array): the same bytes as
   * `bytesAlways(field, encoded)`, or as `bytes(field, encoded)` with `omitEmpty`.
   */
  nested(field: number, write: (w: ProtoWriter) => void, omitEmpty = false): this {
    const start = this.pos;
    this.tag(field, 2);
    this.ensure(1);
    const lenAt = this.pos++;
    write(this);
    const len = this.pos - lenAt - 1;
    if (len === 0 && omitEmpty) {
      this.pos = start;
      return this;
    }
    const size = varint32Size(len);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(lenAt + size, lenAt + 1, this.pos);
    }
    const end = this.pos + size - 1;
    this.pos = lenAt;
    this.varint32(len);
    this.pos = end;
    return this;
  }

  /** The bytes written; the writer must not be used afterwards. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.release();
    return out;
  }

  /**
   * Whether the bytes written equal `bytes`, without copying them out (a canonical-encoding
   * check); the writer must not be used afterwards.
   */
  finishEquals(bytes: Uint8Array): boolean {
    const same = sameBytes(this.buf, this.pos, bytes);
    this.release();
    return same;
  }

  private release(): void {
    if (scratchPool.length < MAX_POOLED && this.buf.length <= MAX_POOLED_BYTES) scratchPool.push(this.buf);
    this.buf = RELEASED;
    this.pos = 0;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2 || INITIAL_SCRATCH;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  private tag(field: number, wire: number): void {
    this.ensure(5);
    this.varint32(((field << 3) | wire) >>> 0);
  }

  private lengthDelimited(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.ensure(5 + value.length);
    this.varint32(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** A varint below 2^32; room for 5 bytes must be ensured. */
  private varint32(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** A non-negative safe integer as a varint. */
  private varint(v: number): void {
    this.ensure(10);
    if (v < TWO_32) this.varint32(v);
    else this.varint64(v >>> 0, Math.floor(v / TWO_32));
  }

  /** A 64-bit varint from its low and high 32-bit words (two's complement for negatives). */
  private varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0 || lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** A length-prefixed UTF-8 string (ASCII written directly, the rest via TextEncoder). */
  private utf8(value: string): void {
    const len = value.length;
    this.ensure(5 + len * 3);
    const buf = this.buf;
    const start = this.pos;
    const guess = varint32Size(len);
    let pos = start + guess;
    let i = 0;
    for (; i < len; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) break;
      buf[pos++] = c;
    }
    let written = len;
    if (i < len) written = utf8Encoder.encodeInto(value, buf.subarray(start + guess)).written;
    const prefix = varint32Size(written);
    if (prefix !== guess) buf.copyWithin(start + prefix, start + guess, start + guess + written);
    this.pos = start;
    this.varint32(written);
    this.pos += written;
  }
}

// Lenient (invalid UTF-8 becomes U+FFFD; decodeCanonical then refuses it) and BOM-preserving,
// as @bufbuild/protobuf decodes strings.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bounds and format failures inside the reader; `ProtoReader` reports them as CODEC_TRUNCATED. */
class WireFault extends Error {}

/**
 * Strict reader: call `next()` in a loop, switch on the field number, read with the typed getters.
 *
 * A direct port of @bufbuild/protobuf's BinaryReader semantics (same varint, tag and bounds
 * rules) without its per-message DataView and bigint round trips: every tx is decoded several
 * times (CheckTx, recheck, DeliverTx) and decoding showed in the node's profile.
 */
export class ProtoReader {
  private readonly buf: Uint8Array;
  private readonly len: number;
  private pos = 0;
  private wire: WireType = WireType.Varint;
  private fieldNo = 0;
  // The last 64-bit varint read, as two 32-bit words.
  private lo = 0;
  private hi = 0;

  constructor(
    bytes: Uint8Array,
    private readonly typeName: string,
  ) {
    this.buf = bytes;
    this.len = bytes.length;
  }

  /** Advances to the next field; returns its number, or 0 at the end of the message. */
  next(): number {
    if (this.pos >= this.len) return 0;
    try {
      const start = this.pos;
      const tag = this.varint32();
      const read = this.pos - start;
      if (read > 5 || (read === 5 && this.buf[this.pos - 1]! > 0x0f)) {
        throw new WireFault("illegal tag: varint overflows uint32");
      }
      const no = tag >>> 3;
      const wire = tag & 7;
      if (no <= 0 || wire > 5) throw new WireFault(`illegal tag: field no ${no} wire type ${wire}`);
      this.fieldNo = no;
      this.wire = wire;
      return no;
    } catch (err) {
      throw this.truncated(err);
    }
  }

  private expect(wire: WireType): void {
    if (this.wire !== wire) {
      throw new CodecError(
        "CODEC_WIRE_TYPE",
        `${this.typeName}.${this.fieldNo}: wire type ${this.wire}, expected ${wire}`,
        { type: this.typeName, field: this.fieldNo },
      );
    }
  }

  private truncated(err: unknown): CodecError {
    if (err instanceof CodecError) return err;
    return new CodecError(
      "CODEC_TRUNCATED",
      `${this.typeName}: malformed or truncated bytes (${String(err)})`,
      {
        type: this.typeName,
      },
    );
  }

  private assertBounds(): void {
    if (this.pos > this.len) throw new WireFault("premature EOF");
  }

  /** An unsigned 32-bit varint (longer encodings of up to 10 bytes are accepted and truncated). */
  private varint32(): number {
    const buf = this.buf;
    let b = buf[this.pos++]!;
    if ((b & 0x80) === 0) {
      this.assertBounds();
      return b;
    }
    let result = b & 0x7f;
    b = buf[this.pos++]!;
    result |= (b & 0x7f) << 7;
    if ((b & 0x80) === 0) {
      this.assertBounds();
      return result;
    }
    b = buf[this.pos++]!;
    result |= (b & 0x7f) << 14;
    if ((b & 0x80) === 0) {
      this.assertBounds();
      return result;
    }
    b = buf[this.pos++]!;
    result |= (b & 0x7f) << 21;
    if ((b & 0x80) === 0) {
      this.assertBounds();
      return result;
    }
    b = buf[this.pos++]!;
    result |= (b & 0x0f) << 28;
    for (let n = 5; (b & 0x80) !== 0 && n < 10; n++) b = buf[this.pos++]!;
    if ((b & 0x80) !== 0) throw new WireFault("invalid varint");
    this.assertBounds();
    return result >>> 0;
  }

  /** A 64-bit varint into `lo`/`hi` (unsigned words). */
  private varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let done = false;
    for (let shift = 0; shift < 28 && !done; shift += 7) {
      const b = buf[this.pos++]!;
      lo |= (b & 0x7f) << shift;
      done = (b & 0x80) === 0;
    }
    if (!done) {
      const middle = buf[this.pos++]!;
      lo |= (middle & 0x0f) << 28;
      hi = (middle & 0x70) >> 4;
      done = (middle & 0x80) === 0;
      for (let shift = 3; shift <= 31 && !done; shift += 7) {
        const b = buf[this.pos++]!;
        hi |= (b & 0x7f) << shift;
        done = (b & 0x80) === 0;
      }
      if (!done) throw new WireFault("invalid varint");
    }
    this.assertBounds();
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  private bigint64(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  uint(): number {
    this.expect(WireType.Varint);
    try {
      this.varint64();
    } catch (err) {
      throw this.truncated(err);
    }
    if (this.hi > 0x1fffff) {
      throw new CodecError(
        "CODEC_INT_RANGE",
        `${this.typeName}.${this.fieldNo}: ${this.bigint64()} exceeds 2^53`,
      );
    }
    return this.hi * 4294967296 + this.lo;
  }

  int(): number {
    this.expect(WireType.Varint);
    try {
      this.varint64();
    } catch (err) {
      throw this.truncated(err);
    }
    const hi = this.hi | 0;
    // Within ±(2^53 − 1): the high word in [-2^21, 2^21), and not exactly -2^53.
    if (hi > 0x1fffff || hi < -0x200000 || (hi === -0x200000 && this.lo === 0)) {
      throw new CodecError(
        "CODEC_INT_RANGE",
        `${this.typeName}.${this.fieldNo}: ${BigInt.asIntN(64, this.bigint64())} out of range`,
      );
    }
    return hi * 4294967296 + this.lo;
  }

  bool(): boolean {
    this.expect(WireType.Varint);
    try {
      const b = this.buf[this.pos];
      if (b !== undefined && b < 0x80) {
        this.pos++;
        return b !== 0;
      }
      this.varint64();
      return this.lo !== 0 || this.hi !== 0;
    } catch (err) {
      throw this.truncated(err);
    }
  }

  /** The payload of a length-delimited field (a view into the input). */
  private delimited(): Uint8Array {
    this.expect(WireType.LengthDelimited);
    try {
      const n = this.varint32();
      const start = this.pos;
      this.pos += n;
      this.assertBounds();
      return this.buf.subarray(start, start + n);
    } catch (err) {
      throw this.truncated(err);
    }
  }

  bytes(): Uint8Array {
    // Copy: the caller may keep the value while the input buffer is reused.
    return this.delimited().slice();
  }

  /**
   * The payload of a bytes field as a view into the input, for inputs nothing mutates (tx
   * bytes): no copy and no ArrayBuffer of its own, but the view keeps the whole input alive.
   */
  view(): Uint8Array {
    return this.delimited();
  }

  string(): string {
    const b = this.delimited();
    // Short ASCII (type URLs, chain ids, decimals) without a TextDecoder call.
    if (b.length <= 64) {
      let ascii = true;
      for (let i = 0; i < b.length; i++) {
        if (b[i]! > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
    }
    return utf8Decoder.decode(b);
  }

  bigint(): bigint {
    const s = this.string();
    if (!/^(0|[1-9][0-9]{0,77})$/.test(s)) {
      throw new CodecError(
        "CODEC_BAD_VALUE",
        `${this.typeName}.${this.fieldNo}: not a canonical decimal: ${s}`,
      );
    }
    return BigInt(s);
  }

  /** Raw bytes of a nested message, to hand to that message's decoder. */
  message(): Uint8Array {
    return this.delimited();
  }

  unknown(): never {
    throw new CodecError("CODEC_UNKNOWN_FIELD", `${this.typeName}: unknown field ${this.fieldNo}`, {
      type: this.typeName,
      field: this.fieldNo,
    });
  }
}

/** Decodes with `decode` and insists that re-encoding gives the same bytes (no malleability). */
export function decodeCanonical<T>(
  bytes: Uint8Array,
  typeName: string,
  decode: (b: Uint8Array) => T,
  encode: (v: T) => Uint8Array,
): T {
  const value = decode(bytes);
  const again = encode(value);
  if (!sameBytes(again, again.length, bytes)) throw nonCanonical(typeName);
  return value;
}

/**
 * decodeCanonical with the encoder given as a writer function: the re-encoding is compared in
 * the writer's scratch buffer instead of being copied out first (txs are decoded on every hot path).
 */
export function decodeCanonicalWith<T>(
  bytes: Uint8Array,
  typeName: string,
  decode: (b: Uint8Array) => T,
  write: (w: ProtoWriter, v: T) => void,
): T {
  const value = decode(bytes);
  const w = new ProtoWriter();
  write(w, value);
  if (!w.finishEquals(bytes)) throw nonCanonical(typeName);
  return value;
}

const nonCanonical = (typeName: string): CodecError =>
  new CodecError("CODEC_NON_CANONICAL", `${typeName}: bytes are not in canonical encoding`);

/** Whether the first `aLength` bytes of `a` are exactly `b`. */
function sameBytes(a: Uint8Array, aLength: number, b: Uint8Array): boolean {
  if (aLength !== b.length) return false;
  for (let i = 0; i < aLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
