/**
 * Deterministic protobuf encoding (proto3 wire format) over @bufbuild/protobuf's wire layer.
 *
 * The schemas live in `proto/`; encoders here follow them by hand so that:
 *  - fields are written in field-number order and default values are omitted (canonical);
 *  - decoding is strict: unknown fields, wrong wire types, truncated input and integers beyond
 *    2^53 raise a typed `CodecError` instead of producing a half-filled object.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
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

/** Writer that omits proto3 default values, so equal objects always encode to equal bytes. */
export class ProtoWriter {
  private readonly w = new BinaryWriter();

  uint(field: number, value: number): this {
    if (value !== 0) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new CodecError(
          "CODEC_INT_RANGE",
          `field ${field}: ${value} is not a non-negative safe integer`,
        );
      }
      this.w.tag(field, WireType.Varint).uint64(value);
    }
    return this;
  }

  /** Signed integer (int64 semantics; -1 is allowed and used for "none" rounds). */
  int(field: number, value: number): this {
    if (value !== 0) {
      if (!Number.isSafeInteger(value)) throw new CodecError("CODEC_INT_RANGE", `field ${field}: ${value}`);
      this.w.tag(field, WireType.Varint).int64(value);
    }
    return this;
  }

  bool(field: number, value: boolean): this {
    if (value) this.w.tag(field, WireType.Varint).bool(true);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    if (value.length > 0) this.w.tag(field, WireType.LengthDelimited).bytes(value);
    return this;
  }

  /** Bytes written even when empty (for repeated elements whose position matters). */
  bytesAlways(field: number, value: Uint8Array): this {
    this.w.tag(field, WireType.LengthDelimited).bytes(value);
    return this;
  }

  string(field: number, value: string): this {
    if (value.length > 0) this.w.tag(field, WireType.LengthDelimited).string(value);
    return this;
  }

  /** A bigint as its canonical decimal string (amounts exceed uint64 with 18 decimals). */
  bigint(field: number, value: bigint): this {
    if (value < 0n) throw new CodecError("CODEC_INT_RANGE", `field ${field}: negative amount ${value}`);
    if (value !== 0n) this.w.tag(field, WireType.LengthDelimited).string(value.toString(10));
    return this;
  }

  /** A nested message, written only when present. */
  message(field: number, encoded: Uint8Array | undefined | null): this {
    if (encoded !== undefined && encoded !== null) this.w.tag(field, WireType.LengthDelimited).bytes(encoded);
    return this;
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}

/** Strict reader: call `next()` in a loop, switch on the field number, read with the typed getters. */
export class ProtoReader {
  private readonly r: BinaryReader;
  private wire: WireType = WireType.Varint;
  private fieldNo = 0;

  constructor(
    bytes: Uint8Array,
    private readonly typeName: string,
  ) {
    this.r = new BinaryReader(bytes);
  }

  /** Advances to the next field; returns its number, or 0 at the end of the message. */
  next(): number {
    if (this.r.pos >= this.r.len) return 0;
    try {
      const [no, wire] = this.r.tag();
      if (no <= 0) throw new Error("field number 0");
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

  uint(): number {
    this.expect(WireType.Varint);
    let v: bigint;
    try {
      v = BigInt(this.r.uint64());
    } catch (err) {
      throw this.truncated(err);
    }
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CodecError("CODEC_INT_RANGE", `${this.typeName}.${this.fieldNo}: ${v} exceeds 2^53`);
    }
    return Number(v);
  }

  int(): number {
    this.expect(WireType.Varint);
    let v: bigint;
    try {
      v = BigInt(this.r.int64());
    } catch (err) {
      throw this.truncated(err);
    }
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new CodecError("CODEC_INT_RANGE", `${this.typeName}.${this.fieldNo}: ${v} out of range`);
    }
    return Number(v);
  }

  bool(): boolean {
    this.expect(WireType.Varint);
    try {
      return this.r.bool();
    } catch (err) {
      throw this.truncated(err);
    }
  }

  bytes(): Uint8Array {
    this.expect(WireType.LengthDelimited);
    try {
      // Copy: the caller may keep the value while the input buffer is reused.
      return this.r.bytes().slice();
    } catch (err) {
      throw this.truncated(err);
    }
  }

  string(): string {
    this.expect(WireType.LengthDelimited);
    try {
      return this.r.string();
    } catch (err) {
      throw this.truncated(err);
    }
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
    this.expect(WireType.LengthDelimited);
    try {
      return this.r.bytes();
    } catch (err) {
      throw this.truncated(err);
    }
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
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i])) {
    throw new CodecError("CODEC_NON_CANONICAL", `${typeName}: bytes are not in canonical encoding`);
  }
  return value;
}
