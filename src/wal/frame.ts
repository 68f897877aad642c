/**
 * WAL record framing: `crc32 (u32 BE) ‖ length (u32 BE) ‖ data`, where `data` is a one-byte
 * record kind followed by the payload and the CRC covers `data`. The kind byte keeps every
 * valid record non-empty, so a zero-filled tail (a common leftover of a crash) never parses as
 * a record.
 */
import { crc32 } from "node:zlib";

export const FRAME_HEADER_BYTES = 8;

export const RecordKind = { Entry: 1, EndHeight: 2 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export type WalRecord =
  | { readonly kind: typeof RecordKind.Entry; readonly entry: Uint8Array }
  | { readonly kind: typeof RecordKind.EndHeight; readonly height: number };

export function encodeRecord(record: WalRecord): Uint8Array {
  const payload = record.kind === RecordKind.Entry ? record.entry : heightBytes(record.height);
  const out = new Uint8Array(FRAME_HEADER_BYTES + 1 + payload.length);
  out[FRAME_HEADER_BYTES] = record.kind;
  out.set(payload, FRAME_HEADER_BYTES + 1);
  const view = new DataView(out.buffer);
  view.setUint32(0, crc32(out.subarray(FRAME_HEADER_BYTES)) >>> 0);
  view.setUint32(4, 1 + payload.length);
  return out;
}

function heightBytes(height: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(height));
  return b;
}

export interface ScanResult {
  readonly records: WalRecord[];
  /** Byte offset just past the last good record. */
  readonly validEnd: number;
  /** Why scanning stopped before the end of the bytes, if it did. */
  readonly stop: null | {
    readonly kind: "torn" | "corrupt";
    readonly offset: number;
    readonly reason: string;
  };
}

const isAllZero = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0);

/**
 * Parses records until the end of `bytes`. A damaged record that reaches the end of the bytes
 * (cut short, or failing its CRC as the very last record, or a zero-filled remainder) is a
 * "torn" tail: what a crash during a write leaves. Damage followed by more bytes is "corrupt".
 */
export function scanRecords(bytes: Uint8Array, maxEntryBytes: number): ScanResult {
  const records: WalRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  const stop = (kind: "torn" | "corrupt", reason: string): ScanResult => ({
    records,
    validEnd: off,
    stop: { kind, offset: off, reason },
  });
  while (off < bytes.length) {
    const rest = bytes.length - off;
    if (rest < FRAME_HEADER_BYTES)
      return stop("torn", `${rest} trailing bytes, shorter than a record header`);
    const crc = view.getUint32(off);
    const len = view.getUint32(off + 4);
    if (len === 0 || len > maxEntryBytes + 1) {
      if (isAllZero(bytes.subarray(off))) return stop("torn", "zero-filled tail");
      return stop("corrupt", `record length ${len} is outside 1..${maxEntryBytes + 1}`);
    }
    const end = off + FRAME_HEADER_BYTES + len;
    if (end > bytes.length)
      return stop("torn", `record of ${len} bytes cut short at ${bytes.length - off - FRAME_HEADER_BYTES}`);
    const data = bytes.subarray(off + FRAME_HEADER_BYTES, end);
    if (crc32(data) >>> 0 !== crc) {
      return stop(end === bytes.length ? "torn" : "corrupt", "checksum mismatch");
    }
    const kind = data[0];
    if (kind === RecordKind.Entry) {
      records.push({ kind: RecordKind.Entry, entry: data.slice(1) });
    } else if (kind === RecordKind.EndHeight && data.length === 9) {
      const height = new DataView(data.buffer, data.byteOffset + 1, 8).getBigUint64(0);
      if (height > BigInt(Number.MAX_SAFE_INTEGER))
        return stop("corrupt", `end-height ${height} out of range`);
      records.push({ kind: RecordKind.EndHeight, height: Number(height) });
    } else {
      return stop("corrupt", `unknown record kind ${kind} (length ${len})`);
    }
    off = end;
  }
  return { records, validEnd: off, stop: null };
}
