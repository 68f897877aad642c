// Byte helpers shared by the SDK modules.
import { result_len, result_read } from "./dccn";

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

/** A string from UTF-8 bytes. */
export function fromUtf8(bytes: Uint8Array): string {
  return String.UTF8.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Copies the host's result register into a new array. */
export function readResult(): Uint8Array {
  const out = new Uint8Array(result_len());
  if (out.length > 0) result_read(out.dataStart);
  return out;
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

/** Whether `bytes` starts with `prefix`. */
export function hasPrefix(bytes: Uint8Array, prefix: Uint8Array): bool {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] != prefix[i]) return false;
  return true;
}

// "0123456789abcdef" as character codes.
const HEX: StaticArray<u16> = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

export function toHex(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint16Array(n * 2);
  const p = out.dataStart;
  for (let i = 0; i < n; i++) {
    const b = unchecked(bytes[i]);
    store<u16>(p + ((<usize>i) << 2), unchecked(HEX[b >> 4]));
    store<u16>(p + ((<usize>i) << 2) + 2, unchecked(HEX[b & 15]));
  }
  return String.UTF16.decodeUnsafe(p, (<usize>n) << 2);
}
