/**
 * Key layout of the event index (`<home>/data/tx_index.db`, with table 01 in
 * `tx_index.records.db` beside it: see split-kv.ts). Integers are fixed-width big-endian so keys
 * sort by height; strings are length-prefixed so a tag or value may hold any character.
 *
 *   00 01                                   -> u64 last indexed height
 *   00 02                                   -> u64 lowest retained height (after pruning)
 *   00 03                                   -> u32 schema version (SCHEMA_VERSION)
 *   01 | u64 h | u32 i                      -> TxRecord (hash, tx, result)
 *   02 | hash                               -> u64 h | u32 i (where the tx with this hash is)
 *   03 | tag | value | u64 h                -> postings: (u32 i | u32 seq)*, ascending
 *   04 | u64 h                              -> BlockRecord (tx count, block event keys written)
 *   05 | tag | value | u64 h | u32 seq      -> ""   (an indexed block event attribute)
 *
 * `tag` is `u16 length | utf8` and `value` is `u32 length | utf8`; `seq` numbers the events of
 * one tx (or one block) so conditions on the same event type can be matched within one event.
 *
 * A tx event attribute is one posting in the list of its (tag, value, height): the txs of a
 * block repeat most attributes (every transfer's `message.action`, a sender's address for each
 * of its txs), and one key per occurrence made LevelDB's writes the indexer's main cost.
 */
import { concatBytes, fromUtf8, readU64be, u64be, utf8 } from "../codec/bytes.js";
import { type Allocator, type ByteArena, copyBytes, putU32, putU64 } from "./arena.js";
import { IndexerError } from "./errors.js";
import type { IndexedAttribute } from "./event-scan.js";

export const TABLE = {
  meta: 0x00,
  tx: 0x01,
  txHash: 0x02,
  txEvent: 0x03,
  block: 0x04,
  blockEvent: 0x05,
} as const;

export const META_LAST_HEIGHT = Uint8Array.of(TABLE.meta, 0x01);
export const META_BASE_HEIGHT = Uint8Array.of(TABLE.meta, 0x02);
export const META_SCHEMA = Uint8Array.of(TABLE.meta, 0x03);

/**
 * Layout version of the index. An index written under another one (or before versions were
 * recorded) is dropped on open and rebuilt from the block store.
 */
export const SCHEMA_VERSION = 4;

/** Bytes of one posting (u32 tx index, u32 event seq) in a tx event key's value. */
export const POSTING_BYTES = 8;

/** Longest tag that can be indexed (its length is a u16). */
export const MAX_TAG_BYTES = 0xffff;

export function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  putU32(out, 0, n);
  return out;
}

// Keys are built once per indexed attribute of every tx (~10 per transfer), so each is written
// into one exactly-sized array instead of concatenating small ones.

const encoder = new TextEncoder();

/** `u16 length | utf8` of a tag, cached: a chain has few distinct tags, each used per tx. */
const tagCache = new Map<string, Uint8Array>();
const TAG_CACHE_MAX = 4096;

function tagBytes(tag: string): Uint8Array {
  const hit = tagCache.get(tag);
  if (hit !== undefined) return hit;
  const t = utf8(tag);
  const out = new Uint8Array(2 + t.length);
  out[0] = t.length >>> 8;
  out[1] = t.length;
  out.set(t, 2);
  if (tagCache.size < TAG_CACHE_MAX) tagCache.set(tag, out);
  return out;
}

/** Whether every UTF-16 unit of `text` is ASCII (then its UTF-8 length is its length). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * `table | tag | u32 len | value` followed by `suffix` zeroed bytes, in one exactly-sized array;
 * returns it with the offset of the suffix.
 */
function eventKeyHead(table: number, tag: string, value: string, suffix: number): [Uint8Array, number] {
  const t = tagBytes(tag);
  const ascii = isAscii(value);
  // Buffer.byteLength counts a lone surrogate as the 3 bytes of U+FFFD, as encodeInto writes it.
  const n = ascii ? value.length : Buffer.byteLength(value, "utf8");
  const at = 1 + t.length + 4;
  const out = new Uint8Array(at + n + suffix);
  out[0] = table;
  out.set(t, 1);
  putU32(out, at - 4, n);
  if (ascii) for (let i = 0; i < n; i++) out[at + i] = value.charCodeAt(i);
  else encoder.encodeInto(value, out.subarray(at, at + n));
  return [out, at + n];
}

function readU32(bytes: Uint8Array, offset: number): number {
  if (offset + 4 > bytes.length) throw corrupt("key ends inside a u32");
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
}

function readU64(bytes: Uint8Array, offset: number): number {
  if (offset + 8 > bytes.length) throw corrupt("key ends inside a u64");
  return Number(readU64be(bytes, offset));
}

function corrupt(what: string): IndexerError {
  return new IndexerError("INDEXER_CORRUPT", `event index key is malformed: ${what}; rebuild the index`);
}

/** `arena`, when given, holds the result (see arena.ts); the same for the other builders. */
export function txKey(height: number, index: number, arena?: ByteArena): Uint8Array {
  const out = arena === undefined ? new Uint8Array(13) : arena.alloc(13);
  out[0] = TABLE.tx;
  putU64(out, 1, height);
  putU32(out, 9, index);
  return out;
}
export const txHeightPrefix = (height: number): Uint8Array =>
  concatBytes(Uint8Array.of(TABLE.tx), u64be(height));
export function txHashKey(hash: Uint8Array, arena?: ByteArena): Uint8Array {
  const out = arena === undefined ? new Uint8Array(1 + hash.length) : arena.alloc(1 + hash.length);
  out[0] = TABLE.txHash;
  copyBytes(out, 1, hash, 0, hash.length);
  return out;
}
export const blockKey = (height: number): Uint8Array =>
  concatBytes(Uint8Array.of(TABLE.block), u64be(height));

/** (height, index) of a `txKey`. */
export function parseTxKey(key: Uint8Array): { height: number; index: number } {
  if (key.length !== 13) throw corrupt(`tx key has ${key.length} bytes`);
  return { height: readU64(key, 1), index: readU32(key, 9) };
}

export function parseBlockKey(key: Uint8Array): number {
  if (key.length !== 9) throw corrupt(`block key has ${key.length} bytes`);
  return readU64(key, 1);
}

/** The pointer stored under a `txHashKey`. */
export function txPointer(height: number, index: number, arena?: ByteArena): Uint8Array {
  const out = arena === undefined ? new Uint8Array(12) : arena.alloc(12);
  putU64(out, 0, height);
  putU32(out, 8, index);
  return out;
}
export function parseTxPointer(value: Uint8Array): { height: number; index: number } {
  if (value.length !== 12) throw corrupt(`tx pointer has ${value.length} bytes`);
  return { height: readU64(value, 0), index: readU32(value, 8) };
}

/** `table | tag`: every entry of one tag. */
export function tagPrefix(table: number, tag: string): Uint8Array {
  return concatBytes(Uint8Array.of(table), tagBytes(tag));
}

/** `table | tag | value`: the entries of one tag with one exact value. */
export function tagValuePrefix(table: number, tag: string, value: string): Uint8Array {
  return eventKeyHead(table, tag, value, 0)[0];
}

export function txEventKey(tag: string, value: string, height: number): Uint8Array {
  const [key, at] = eventKeyHead(TABLE.txEvent, tag, value, 8);
  putU64(key, at, height);
  return key;
}

/** The value of a tx event key: `flat` is (index, seq) pairs, ascending, in one array. */
export function encodePostings(flat: readonly number[], arena?: ByteArena): Uint8Array {
  const n = flat.length * 4;
  const out = arena === undefined ? new Uint8Array(n) : arena.alloc(n);
  for (let i = 0; i < flat.length; i++) putU32(out, i * 4, flat[i]!);
  return out;
}

/** Calls `visit` with each (index, seq) posting of a tx event key's value. */
export function forEachPosting(value: Uint8Array, visit: (index: number, seq: number) => void): void {
  if (value.length % POSTING_BYTES !== 0) throw corrupt(`posting list has ${value.length} bytes`);
  const view = new DataView(value.buffer, value.byteOffset, value.length);
  for (let at = 0; at < value.length; at += POSTING_BYTES) {
    visit(view.getUint32(at), view.getUint32(at + 4));
  }
}

export function blockEventKey(tag: string, value: string, height: number, seq: number): Uint8Array {
  const [key, at] = eventKeyHead(TABLE.blockEvent, tag, value, 12);
  putU64(key, at, height);
  putU32(key, at + 8, seq);
  return key;
}

/**
 * `table | tag | value` of a scanned attribute (tag = `type.key`) in `arena`, followed by
 * `suffix` bytes the caller fills: the bytes eventKeyHead builds from the decoded strings,
 * copied straight from the encoded event.
 */
function scannedKeyHead(arena: Allocator, table: number, a: IndexedAttribute, suffix: number): Uint8Array {
  const tagLen = a.typeLen + 1 + a.keyLen;
  const at = 1 + 2 + tagLen + 4;
  const out = arena.alloc(at + a.valueLen + suffix);
  out[0] = table;
  out[1] = tagLen >>> 8;
  out[2] = tagLen;
  copyBytes(out, 3, a.src, a.typeAt, a.typeLen);
  out[3 + a.typeLen] = 0x2e; // "."
  copyBytes(out, 4 + a.typeLen, a.src, a.keyAt, a.keyLen);
  putU32(out, at - 4, a.valueLen);
  copyBytes(out, at, a.src, a.valueAt, a.valueLen);
  return out;
}

/**
 * txEventKey of a scanned attribute (its tag must be at most MAX_TAG_BYTES), in `arena`; every
 * byte is written, so a Scratch may hold it.
 */
export function scannedTxEventKey(arena: Allocator, a: IndexedAttribute, height: number): Uint8Array {
  const key = scannedKeyHead(arena, TABLE.txEvent, a, 8);
  putU64(key, key.length - 8, height);
  return key;
}

/** blockEventKey of a scanned attribute (its tag must be at most MAX_TAG_BYTES), in `arena`. */
export function scannedBlockEventKey(arena: ByteArena, a: IndexedAttribute, height: number): Uint8Array {
  const key = scannedKeyHead(arena, TABLE.blockEvent, a, 12);
  const at = key.length - 12;
  putU64(key, at, height);
  putU32(key, at + 8, a.seq);
  return key;
}

export interface ParsedEventKey {
  readonly value: string;
  readonly height: number;
  /** The event's seq within its block (block event keys; 0 for tx event keys). */
  readonly seq: number;
}

/** Bytes after the value of an event key of `table`: u64 height, and u32 seq for block events. */
const suffixBytes = (table: number): number => (table === TABLE.txEvent ? 8 : 12);

/** Reads value, height and (block events) seq of an event key whose tag prefix is `prefixLength` long. */
export function parseEventKey(key: Uint8Array, prefixLength: number, table: number): ParsedEventKey {
  const vlen = readU32(key, prefixLength);
  const vstart = prefixLength + 4;
  const suffix = suffixBytes(table);
  if (key.length !== vstart + vlen + suffix) throw corrupt("event key length does not add up");
  const value = fromUtf8(key.subarray(vstart, vstart + vlen));
  const at = vstart + vlen;
  return { value, height: readU64(key, at), seq: suffix === 12 ? readU32(key, at + 8) : 0 };
}

/** Height and (block events) seq sit at fixed offsets from the end of an event key. */
export function eventKeySuffix(key: Uint8Array, table: number): { height: number; seq: number } {
  const n = key.length;
  const suffix = suffixBytes(table);
  return { height: readU64(key, n - suffix), seq: suffix === 12 ? readU32(key, n - 4) : 0 };
}
