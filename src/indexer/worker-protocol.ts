/**
 * The messages between the node and the indexer's worker thread (threaded.ts, worker-main.ts).
 *
 * A block crosses as ONE transferred buffer rather than a structured clone of thousands of
 * objects, so handing it over costs the main thread a few copies of bytes:
 *
 *   [f64 height][u32 txCount][u32 flags][u32 responsesLength]
 *   [u32 length of each tx]…[tx bytes]…[32-byte hash of each tx, when flags & 1][responses]
 *
 * (little-endian; responses are `encodeAbciResponses` bytes, which the worker splits but does not
 * decode: the indexer walks the results in place). Search results come back as a
 * Float64Array, tx records as their `encodeIndexedTx` bytes. Both sides validate what they
 * receive: a malformed message gets an INDEXER_BAD_MESSAGE answer, never a crash.
 */
import type { LogLevel } from "../log.js";
import { type EncodedAbciResponses, splitAbciResponses } from "../state/abci-responses.js";
import { IndexerError } from "./errors.js";
import type { EncodedBlock } from "./indexer.js";
import type { Query } from "./query.js";
import type { TxRef } from "./search.js";

export const HASH_BYTES = 32;
const HEADER_BYTES = 8 + 4 + 4 + 4;
const FLAG_HASHES = 1;

export interface OpenParams {
  readonly path: string;
  readonly retainHeights?: number;
  readonly pruneBatchHeights?: number;
  readonly sync?: boolean;
}

export type WorkerRequest =
  | ({ readonly id: number; readonly op: "open" } & OpenParams)
  | { readonly id: number; readonly op: "index"; readonly block: ArrayBuffer }
  | { readonly id: number; readonly op: "getTx"; readonly hash: Uint8Array }
  | { readonly id: number; readonly op: "loadTx"; readonly height: number; readonly index: number }
  | { readonly id: number; readonly op: "searchTxs" | "searchBlocks"; readonly query: Query }
  /** Stops the search sent as request `target` (its answer is then an error). */
  | { readonly id: number; readonly op: "cancel"; readonly target: number }
  | { readonly id: number; readonly op: "lastIndexedHeight" | "baseHeight" | "idle" | "close" };

export type WorkerOp = WorkerRequest["op"];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A request without its id (the sender numbers it). */
export type RequestBody = DistributiveOmit<WorkerRequest, "id">;

export interface SerializedError {
  readonly code: string;
  readonly message: string;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** A log line of the worker's indexer, written by the parent's logger. */
export interface WorkerLog {
  readonly log: LogLevel;
  readonly msg: string;
  readonly fields?: Record<string, unknown>;
}

export function badMessage(message: string): IndexerError {
  return new IndexerError("INDEXER_BAD_MESSAGE", message);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

export const isHeight = (v: unknown): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Packs a block for the worker into one buffer the caller owns (and may transfer). */
export function packBlock(
  height: number,
  txs: readonly Uint8Array[],
  hashes: readonly Uint8Array[] | undefined,
  responses: Uint8Array,
): ArrayBuffer {
  const n = txs.length;
  const withHashes =
    hashes !== undefined && hashes.length === n && hashes.every((h) => h.length === HASH_BYTES);
  let size = HEADER_BYTES + 4 * n + responses.length + (withHashes ? HASH_BYTES * n : 0);
  for (const tx of txs) size += tx.length;
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  view.setFloat64(0, height, true);
  view.setUint32(8, n, true);
  view.setUint32(12, withHashes ? FLAG_HASHES : 0, true);
  view.setUint32(16, responses.length, true);
  let p = HEADER_BYTES;
  for (const tx of txs) {
    view.setUint32(p, tx.length, true);
    p += 4;
  }
  for (const tx of txs) {
    bytes.set(tx, p);
    p += tx.length;
  }
  if (withHashes) {
    for (const h of hashes) {
      bytes.set(h, p);
      p += HASH_BYTES;
    }
  }
  bytes.set(responses, p);
  return buffer;
}

/**
 * Reads a packed block; txs, hashes, results and block events are views of `buffer`. Throws
 * INDEXER_BAD_MESSAGE (a result or event that does not decode is found when it is indexed).
 */
export function unpackBlock(buffer: ArrayBuffer): EncodedBlock {
  if (buffer.byteLength < HEADER_BYTES)
    throw badMessage(`packed block of ${buffer.byteLength} bytes is too short`);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  const height = view.getFloat64(0, true);
  const n = view.getUint32(8, true);
  const flags = view.getUint32(12, true);
  const responsesLength = view.getUint32(16, true);
  if (!Number.isSafeInteger(height) || height < 1) throw badMessage(`packed block has bad height ${height}`);
  if ((flags & ~FLAG_HASHES) !== 0) throw badMessage(`packed block has unknown flags ${flags}`);
  const withHashes = (flags & FLAG_HASHES) !== 0;
  let p = HEADER_BYTES + 4 * n;
  if (p > buffer.byteLength) throw badMessage(`packed block of height ${height} is truncated (tx lengths)`);
  const lengths = new Array<number>(n);
  let txBytes = 0;
  for (let i = 0; i < n; i++) {
    const len = view.getUint32(HEADER_BYTES + 4 * i, true);
    lengths[i] = len;
    txBytes += len;
  }
  const expected = p + txBytes + (withHashes ? HASH_BYTES * n : 0) + responsesLength;
  if (expected !== buffer.byteLength) {
    throw badMessage(
      `packed block of height ${height} is ${buffer.byteLength} bytes, its header says ${expected}`,
    );
  }
  const txs = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const len = lengths[i] ?? 0;
    txs[i] = bytes.subarray(p, p + len);
    p += len;
  }
  let txHashes: Uint8Array[] | undefined;
  if (withHashes) {
    txHashes = new Array<Uint8Array>(n);
    for (let i = 0; i < n; i++) {
      txHashes[i] = bytes.subarray(p, p + HASH_BYTES);
      p += HASH_BYTES;
    }
  }
  let responses: EncodedAbciResponses;
  try {
    responses = splitAbciResponses(bytes.subarray(p, p + responsesLength));
  } catch (err) {
    throw badMessage(`packed block of height ${height}: responses do not decode (${String(err)})`);
  }
  return { height, txs, txHashes, ...responses };
}

/** Search results as one transferable array: [height, index, height, index, …]. */
export function packRefs(refs: readonly TxRef[]): Float64Array {
  const out = new Float64Array(refs.length * 2);
  for (const [i, r] of refs.entries()) {
    out[2 * i] = r.height;
    out[2 * i + 1] = r.index;
  }
  return out;
}

export function unpackRefs(v: unknown): TxRef[] {
  if (!(v instanceof Float64Array) || v.length % 2 !== 0)
    throw badMessage("tx search answer is not a list of refs");
  const refs = new Array<TxRef>(v.length / 2);
  for (let i = 0; i < refs.length; i++) {
    const height = v[2 * i];
    const index = v[2 * i + 1];
    if (!isHeight(height) || !isHeight(index)) throw badMessage(`tx search answer has a bad ref at ${i}`);
    refs[i] = { height, index };
  }
  return refs;
}

export function unpackHeights(v: unknown): number[] {
  if (!(v instanceof Float64Array)) throw badMessage("block search answer is not a list of heights");
  const heights = Array.from(v);
  if (!heights.every(isHeight)) throw badMessage("block search answer has a bad height");
  return heights;
}

/** What crosses for a thrown error: its code (when it has one) and message. */
export function serializeError(err: unknown): SerializedError {
  const code = isRecord(err) && typeof err.code === "string" ? err.code : "INDEXER_FAILED";
  const message = err instanceof Error ? err.message : String(err);
  return { code, message };
}
