/** Byte encodings of the contract ABI shared by the runtime, its tests and tools. */
import { VmError } from "./errors.js";

export const ADDRESS_BYTES = 20;
export const U128_BYTES = 16;
export const U128_MAX = (1n << 128n) - 1n;

/** u128, 16 bytes little-endian. */
export function encodeU128(value: bigint): Uint8Array {
  if (value < 0n || value > U128_MAX) {
    throw new VmError("VM_BAD_HOST_ARGS", `amount ${value} does not fit in an unsigned 128-bit integer`);
  }
  const out = new Uint8Array(U128_BYTES);
  let v = value;
  for (let i = 0; i < U128_BYTES; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function decodeU128(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = U128_BYTES - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  return v;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** An event as the SDK sends it: length-prefixed (u32 LE) UTF-8 strings type, key1, value1, ... */
export function encodeEvent(type: string, attributes: readonly (readonly [string, string])[]): Uint8Array {
  const parts = [type, ...attributes.flat()].map((s) => utf8.encode(s));
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let off = 0;
  for (const p of parts) {
    view.setUint32(off, p.length, true);
    out.set(p, off + 4);
    off += 4 + p.length;
  }
  return out;
}

export function decodeEvent(bytes: Uint8Array): { type: string; attributes: [string, string][] } {
  const bad = (why: string) => new VmError("VM_BAD_HOST_ARGS", `malformed event: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings: string[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (off + 4 > bytes.length) throw bad("truncated length");
    const len = view.getUint32(off, true);
    off += 4;
    if (len > bytes.length - off) throw bad("truncated string");
    try {
      strings.push(utf8Strict.decode(bytes.subarray(off, off + len)));
    } catch {
      throw bad("string is not UTF-8");
    }
    off += len;
  }
  const [type, ...rest] = strings;
  if (type === undefined || type.length === 0) throw bad("missing type");
  if (rest.length % 2 !== 0) throw bad("attribute without a value");
  const attributes: [string, string][] = [];
  for (let i = 0; i < rest.length; i += 2) attributes.push([rest[i]!, rest[i + 1]!]);
  return { type, attributes };
}

/** Frames the result register of `storage_next`: key ‖ value (the call returns the key length). */
export function storageEntryBytes(key: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + value.length);
  out.set(key, 0);
  out.set(value, key.length);
  return out;
}
