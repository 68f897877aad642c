/** Small, allocation-conscious helpers for Uint8Array handling. */
import { DccnError } from "../errors.js";

export type BytesErrorCode = "BYTES_BAD_HEX" | "BYTES_BAD_BASE64";

const EMPTY = new Uint8Array(0);
export const emptyBytes = (): Uint8Array => EMPTY;

/** A Uint8Array view of a Buffer (so equality, JSON and subclass checks behave uniformly). */
export function asBytes(buf: Uint8Array): Uint8Array {
  return buf.constructor === Uint8Array ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Upper-case hex, the CometBFT convention for hashes and validator addresses. */
export function toHexUpper(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase();
}

export function fromHex(text: string): Uint8Array {
  const clean = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new DccnError<BytesErrorCode>(
      "BYTES_BAD_HEX",
      `not a hex string: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return asBytes(Buffer.from(clean, "hex"));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) {
    throw new DccnError<BytesErrorCode>(
      "BYTES_BAD_BASE64",
      `not a base64 string: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return asBytes(Buffer.from(text, "base64"));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic order, shorter first on a common prefix. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

/** Big-endian fixed-width encoding of a non-negative safe integer (for sortable DB keys). */
export function u64be(value: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export function readU64be(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
}

/** Overwrites key material in place. */
export function zeroize(bytes: Uint8Array): void {
  bytes.fill(0);
}

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;

/**
 * Node's Buffer method behind `toString("latin1")`, applied to the Uint8Array itself: state keys
 * and hashes are looked up many times per tx, and `Buffer.from(view)` cost an object each time.
 * Used only if it gives the same string as the documented path (checked once, on all 256 bytes).
 */
const latin1Slice: Latin1Slice | null = (() => {
  const slice = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;
  if (typeof slice !== "function") return null;
  try {
    const all = new Uint8Array(258).map((_, i) => i);
    const view = all.subarray(1, 257);
    const expected = Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString("latin1");
    return slice.call(view, 0, view.length) === expected ? slice : null;
  } catch {
    return null;
  }
})();

/** A compact string identity for bytes (Map keys); latin1 maps each byte to one char. */
export function bytesKey(bytes: Uint8Array): string {
  if (latin1Slice !== null) return latin1Slice.call(bytes, 0, bytes.length);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/**
 * One reused buffer: each `alloc` returns a view of its start, valid until the next call and
 * NOT zeroed, for callers that fill every byte and are done with it before allocating again.
 */
export class Scratch {
  private buf: Uint8Array;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
  }

  alloc(n: number): Uint8Array {
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    return this.buf.subarray(0, n);
  }
}
