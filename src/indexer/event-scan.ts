/**
 * Reads encoded tx results and events (ExecTxResult, Event, EventAttribute of
 * proto/dccn/state/abci_responses.proto) in place and reports each indexed attribute as
 * offsets into the bytes. Indexing a block used to decode every result into objects and
 * strings only to encode them again into keys; this walk allocates nothing per attribute.
 *
 * It accepts exactly what decodeTxResult accepts: unknown fields, wrong wire types, truncated
 * bytes and integers beyond 2^53 raise a CodecError. A field given twice counts the last time,
 * as in the decoder. Strings are reported as the UTF-8 the decoded string encodes to, so keys
 * equal the ones built from decoded events (invalid UTF-8 reads as U+FFFD).
 */
import { isUtf8 } from "node:buffer";
import { utf8 } from "../codec/bytes.js";
import { CodecError } from "../codec/proto.js";

/**
 * One indexed attribute `type.key = value` (non-empty type and key, `index` set). Valid only
 * during the visit: the scanner reuses it.
 */
export interface IndexedAttribute {
  /** Holds type, key and value: the scanned bytes, or a re-encoded copy for invalid UTF-8. */
  src: Uint8Array;
  typeAt: number;
  typeLen: number;
  keyAt: number;
  keyLen: number;
  valueAt: number;
  valueLen: number;
  /** The event's position among the events of its tx (or block): `seq` of its key. */
  seq: number;
}

export type AttributeVisitor = (a: IndexedAttribute) => void;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const TWO_32 = 4294967296;
const TWO_53 = 2 ** 53;
const EMPTY = new Uint8Array(0);
// As ProtoReader reads strings: lenient, and a leading BOM is kept.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Reusable: one scanner per indexer; not re-entrant (a visitor must not scan). */
export class EventScanner {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  private field = 0;
  private wire = 0;
  private typeName = "";
  private readonly attr: IndexedAttribute = {
    src: EMPTY,
    typeAt: 0,
    typeLen: 0,
    keyAt: 0,
    keyLen: 0,
    valueAt: 0,
    valueLen: 0,
    seq: 0,
  };

  /** Walks an encoded tx result, visiting its indexed attributes in order; returns its code. */
  scanTxResult(bytes: Uint8Array, visit: AttributeVisitor): number {
    this.buf = bytes;
    this.pos = 0;
    const end = bytes.length;
    let code = 0;
    let seq = 0;
    while (this.pos < end) {
      this.typeName = "TxResult";
      const f = this.tag(end);
      if (f === 1) code = this.uint(end);
      else if (f === 3 || f === 4) this.uint(end);
      else if (f === 2 || f === 5 || f === 6 || f === 7) this.delimited(end);
      else if (f === 8) {
        const start = this.delimited(end);
        this.event(start, this.pos, seq++, visit);
      } else this.unknown();
    }
    this.buf = EMPTY;
    return code;
  }

  /** Walks one encoded Event as event number `seq`, visiting its indexed attributes. */
  scanEvent(bytes: Uint8Array, seq: number, visit: AttributeVisitor): void {
    this.buf = bytes;
    this.event(0, bytes.length, seq, visit);
    this.buf = EMPTY;
  }

  /** The event in buf[start, end); leaves `pos` at `end`. */
  private event(start: number, end: number, seq: number, visit: AttributeVisitor): void {
    // The type may follow the attributes (the last one counts): find it first.
    this.typeName = "Event";
    let typeAt = 0;
    let typeLen = 0;
    this.pos = start;
    while (this.pos < end) {
      const f = this.tag(end);
      if (f === 1) {
        typeAt = this.delimited(end);
        typeLen = this.pos - typeAt;
      } else if (f === 2) this.delimited(end);
      else this.unknown();
    }
    this.pos = start;
    while (this.pos < end) {
      this.typeName = "Event";
      if (this.tag(end) === 2) {
        const at = this.delimited(end);
        const next = this.pos;
        // An event without a type is skipped, but its attributes must still decode.
        this.attribute(at, next, typeAt, typeLen, seq, typeLen === 0 ? null : visit);
        this.pos = next;
      } else this.delimited(end);
    }
  }

  private attribute(
    start: number,
    end: number,
    typeAt: number,
    typeLen: number,
    seq: number,
    visit: AttributeVisitor | null,
  ): void {
    this.typeName = "EventAttribute";
    let keyAt = 0;
    let keyLen = 0;
    let valueAt = 0;
    let valueLen = 0;
    let index = false;
    this.pos = start;
    while (this.pos < end) {
      const f = this.tag(end);
      if (f === 1) {
        keyAt = this.delimited(end);
        keyLen = this.pos - keyAt;
      } else if (f === 2) {
        valueAt = this.delimited(end);
        valueLen = this.pos - valueAt;
      } else if (f === 3) index = this.bool(end);
      else this.unknown();
    }
    if (visit === null || !index || keyLen === 0) return;
    const a = this.attr;
    const buf = this.buf;
    if (isAscii(buf, typeAt, typeLen) && isAscii(buf, keyAt, keyLen) && isAscii(buf, valueAt, valueLen)) {
      a.src = buf;
      a.typeAt = typeAt;
      a.typeLen = typeLen;
      a.keyAt = keyAt;
      a.keyLen = keyLen;
      a.valueAt = valueAt;
      a.valueLen = valueLen;
    } else {
      this.reencoded(typeAt, typeLen, keyAt, keyLen, valueAt, valueLen);
    }
    a.seq = seq;
    visit(a);
  }

  /** Points the attribute at the decoded-then-encoded UTF-8 of its strings (non-ASCII input). */
  private reencoded(
    typeAt: number,
    typeLen: number,
    keyAt: number,
    keyLen: number,
    valueAt: number,
    valueLen: number,
  ): void {
    const type = wellFormed(this.buf.subarray(typeAt, typeAt + typeLen));
    const key = wellFormed(this.buf.subarray(keyAt, keyAt + keyLen));
    const value = wellFormed(this.buf.subarray(valueAt, valueAt + valueLen));
    const src = new Uint8Array(type.length + key.length + value.length);
    src.set(type, 0);
    src.set(key, type.length);
    src.set(value, type.length + key.length);
    const a = this.attr;
    a.src = src;
    a.typeAt = 0;
    a.typeLen = type.length;
    a.keyAt = type.length;
    a.keyLen = key.length;
    a.valueAt = type.length + key.length;
    a.valueLen = value.length;
  }

  // --- wire format (the rules of ProtoReader) ---

  private truncated(detail: string): CodecError {
    return new CodecError("CODEC_TRUNCATED", `${this.typeName}: malformed or truncated bytes (${detail})`, {
      type: this.typeName,
    });
  }

  private unknown(): never {
    throw new CodecError("CODEC_UNKNOWN_FIELD", `${this.typeName}: unknown field ${this.field}`, {
      type: this.typeName,
      field: this.field,
    });
  }

  private expect(wire: number): void {
    if (this.wire !== wire) {
      throw new CodecError(
        "CODEC_WIRE_TYPE",
        `${this.typeName}.${this.field}: wire type ${this.wire}, expected ${wire}`,
        { type: this.typeName, field: this.field },
      );
    }
  }

  private byte(end: number): number {
    if (this.pos >= end) throw this.truncated("premature EOF");
    return this.buf[this.pos++]!;
  }

  /** A varint's low 32 bits (at most 10 bytes; lengths and tags). */
  private varint32(end: number): number {
    let result = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(end);
      if (i < 4) result |= (b & 0x7f) << (7 * i);
      else if (i === 4) result |= (b & 0x0f) << 28;
      if ((b & 0x80) === 0) return result >>> 0;
    }
    throw this.truncated("invalid varint");
  }

  /** The next field's number (its wire type in `wire`). */
  private tag(end: number): number {
    const start = this.pos;
    const tag = this.varint32(end);
    const read = this.pos - start;
    if (read > 5 || (read === 5 && this.buf[this.pos - 1]! > 0x0f)) {
      throw this.truncated("illegal tag: varint overflows uint32");
    }
    const no = tag >>> 3;
    const wire = tag & 7;
    if (no <= 0 || wire > 5) throw this.truncated(`illegal tag: field no ${no} wire type ${wire}`);
    this.field = no;
    this.wire = wire;
    return no;
  }

  /** Skips a length-delimited field; returns where its payload starts (`pos` is its end). */
  private delimited(end: number): number {
    this.expect(WIRE_LEN);
    const n = this.varint32(end);
    const start = this.pos;
    if (n > end - start) throw this.truncated("premature EOF");
    this.pos = start + n;
    return start;
  }

  /** An unsigned 64-bit varint (bits beyond 64 dropped) that must stay below 2^53. */
  private uint(end: number): number {
    this.expect(WIRE_VARINT);
    const first = this.byte(end);
    if (first < 0x80) return first;
    let lo = first & 0x7f;
    let hi = 0;
    for (let i = 1; i < 10; i++) {
      const b = this.byte(end);
      const bits = b & 0x7f;
      if (i < 4) lo += bits * 2 ** (7 * i);
      else if (i === 4) {
        lo += (bits & 0x0f) * 2 ** 28;
        hi += bits >>> 4;
      } else if (i < 9) hi += bits * 2 ** (7 * i - 32);
      else hi += (bits & 0x01) * 2 ** 31;
      if ((b & 0x80) === 0) {
        const value = hi * TWO_32 + lo;
        if (value >= TWO_53) {
          throw new CodecError("CODEC_INT_RANGE", `${this.typeName}.${this.field}: ${value} exceeds 2^53`);
        }
        return value;
      }
    }
    throw this.truncated("invalid varint");
  }

  private bool(end: number): boolean {
    this.expect(WIRE_VARINT);
    let set = false;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(end);
      if ((i < 9 ? b & 0x7f : b & 0x01) !== 0) set = true;
      if ((b & 0x80) === 0) return set;
    }
    throw this.truncated("invalid varint");
  }
}

function isAscii(buf: Uint8Array, at: number, len: number): boolean {
  for (let i = at; i < at + len; i++) if (buf[i]! > 0x7f) return false;
  return true;
}

/** The UTF-8 of the string these bytes decode to: themselves when already well-formed. */
function wellFormed(bytes: Uint8Array): Uint8Array {
  return isUtf8(bytes) ? bytes : utf8(utf8Decoder.decode(bytes));
}
