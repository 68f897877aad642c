/**
 * A bounds-checked cursor over a wasm binary (LEB128 and names). Every read past the end throws
 * VM_INVALID_WASM, so a malformed module can never be half-understood.
 */
import { VmError } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class WasmReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(why: string): never {
    throw new VmError("VM_INVALID_WASM", `malformed wasm at byte ${this.pos}: ${why}`, { offset: this.pos });
  }

  u8(): number {
    if (this.pos >= this.end) this.fail("unexpected end");
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 up to 32 bits. */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) this.fail("u32 out of range");
        return result;
      }
    }
    return this.fail("LEB128 too long");
  }

  /** Skips a signed LEB128 of at most `maxBytes` bytes (immediates we only need to step over). */
  skipLeb(maxBytes: number): void {
    for (let i = 0; i < maxBytes; i++) if ((this.u8() & 0x80) === 0) return;
    this.fail("LEB128 too long");
  }

  skip(n: number): void {
    if (n > this.end - this.pos) this.fail("unexpected end");
    this.pos += n;
  }

  name(): string {
    const len = this.u32();
    const start = this.pos;
    this.skip(len);
    try {
      return utf8.decode(this.bytes.subarray(start, start + len));
    } catch {
      return this.fail("name is not UTF-8");
    }
  }
}

/** LEB128 encoding of an unsigned 32-bit integer. */
export function encodeU32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}
