/**
 * Key layout of the event index (one LevelDB, `<home>/data/tx_index.db`). Integers are
 * fixed-width big-endian so keys sort by height; strings are length-prefixed so a tag or value
 * may hold any character.
 *
 *   00 01                                   -> u64 last indexed height
 *   00 02                                   -> u64 lowest retained height (after pruning)
 *   01 | u64 h | u32 i                      -> TxRecord (hash, tx, result)
 *   02 | hash                               -> u64 h | u32 i (where the tx with this hash is)
 *   03 | tag | value | u64 h | u32 i | u32 seq   -> ""   (an indexed tx event attribute)
 *   04 | u64 h                              -> BlockRecord (tx hashes, event keys written)
 *   05 | tag | value | u64 h | u32 seq           -> ""   (an indexed block event attribute)
 *
 * `tag` is `u16 length | utf8` and `value` is `u32 length | utf8`; `seq` numbers the events of
 * one tx (or one block) so conditions on the same event type can be matched within one event.
 */
import { concatBytes, fromUtf8, readU64be, u64be, utf8 } from "../codec/bytes.js";
import { IndexerError } from "./errors.js";

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

/** Longest tag that can be indexed (its length is a u16). */
export const MAX_TAG_BYTES = 0xffff;

export function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
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

export const txKey = (height: number, index: number): Uint8Array =>
  concatBytes(Uint8Array.of(TABLE.tx), u64be(height), u32be(index));
export const txHeightPrefix = (height: number): Uint8Array =>
  concatBytes(Uint8Array.of(TABLE.tx), u64be(height));
export const txHashKey = (hash: Uint8Array): Uint8Array => concatBytes(Uint8Array.of(TABLE.txHash), hash);
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
export const txPointer = (height: number, index: number): Uint8Array =>
  concatBytes(u64be(height), u32be(index));
export function parseTxPointer(value: Uint8Array): { height: number; index: number } {
  if (value.length !== 12) throw corrupt(`tx pointer has ${value.length} bytes`);
  return { height: readU64(value, 0), index: readU32(value, 8) };
}

/** `table | tag`: every entry of one tag. */
export function tagPrefix(table: number, tag: string): Uint8Array {
  const t = utf8(tag);
  const len = new Uint8Array(2);
  new DataView(len.buffer).setUint16(0, t.length);
  return concatBytes(Uint8Array.of(table), len, t);
}

/** `table | tag | value`: the entries of one tag with one exact value. */
export function tagValuePrefix(table: number, tag: string, value: string): Uint8Array {
  const v = utf8(value);
  return concatBytes(tagPrefix(table, tag), u32be(v.length), v);
}

export const txEventKey = (tag: string, value: string, height: number, index: number, seq: number) =>
  concatBytes(tagValuePrefix(TABLE.txEvent, tag, value), u64be(height), u32be(index), u32be(seq));

export const blockEventKey = (tag: string, value: string, height: number, seq: number) =>
  concatBytes(tagValuePrefix(TABLE.blockEvent, tag, value), u64be(height), u32be(seq));

export interface ParsedEventKey {
  readonly value: string;
  readonly height: number;
  /** Tx index within the block (0 for block events). */
  readonly index: number;
  readonly seq: number;
}

/** Reads value, height, (index) and seq of an event key whose tag prefix is `prefixLength` long. */
export function parseEventKey(key: Uint8Array, prefixLength: number, withIndex: boolean): ParsedEventKey {
  const vlen = readU32(key, prefixLength);
  const vstart = prefixLength + 4;
  const suffix = withIndex ? 16 : 12;
  if (key.length !== vstart + vlen + suffix) throw corrupt("event key length does not add up");
  const value = fromUtf8(key.subarray(vstart, vstart + vlen));
  const at = vstart + vlen;
  const height = readU64(key, at);
  return withIndex
    ? { value, height, index: readU32(key, at + 8), seq: readU32(key, at + 12) }
    : { value, height, index: 0, seq: readU32(key, at + 8) };
}

/** Height and seq sit at fixed offsets from the end of an event key. */
export function eventKeySuffix(
  key: Uint8Array,
  withIndex: boolean,
): { height: number; index: number; seq: number } {
  const n = key.length;
  return withIndex
    ? { height: readU64(key, n - 16), index: readU32(key, n - 8), seq: readU32(key, n - 4) }
    : { height: readU64(key, n - 12), index: 0, seq: readU32(key, n - 4) };
}
