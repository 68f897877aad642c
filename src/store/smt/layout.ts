/**
 * Key layout of the application database (`<home>/data/application.db`, keys and values as
 * raw bytes). One leading byte names the table:
 *
 *   'n' ‖ nodeHash          → SMT node record (content-addressed, shared between versions)
 *   'r' ‖ u64be(version)    → SMT root hash of that version (32 bytes; all zero = empty tree)
 *   'f' ‖ key               → latest value of `key` (flat table for fast reads; absent = deleted)
 *   'm' ‖ name              → SMT metadata ("latest" → u64be of the newest version)
 *   'a' ‖ name              → reserved for the application's own metadata (see dccn-app)
 *
 * Everything for one version — nodes, root, flat-table changes, metadata and the app's
 * metadata — is written in one atomic batch.
 */
import { concatBytes, u64be, utf8 } from "../../codec/bytes.js";

export const PREFIX_NODE = 0x6e;
export const PREFIX_ROOT = 0x72;
export const PREFIX_FLAT = 0x66;
export const PREFIX_SMT_META = 0x6d;
export const PREFIX_APP_META = 0x61;

const one = (b: number) => Uint8Array.of(b);

export function nodeKey(hash: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + hash.length);
  k[0] = PREFIX_NODE;
  k.set(hash, 1);
  return k;
}
export const rootKey = (version: number): Uint8Array => concatBytes(one(PREFIX_ROOT), u64be(version));
export const flatKey = (key: Uint8Array): Uint8Array => concatBytes(one(PREFIX_FLAT), key);
export const LATEST_VERSION_KEY: Uint8Array = concatBytes(one(PREFIX_SMT_META), utf8("latest"));
export const appMetaKey = (name: string): Uint8Array => concatBytes(one(PREFIX_APP_META), utf8(name));

/** The smallest byte string greater than every string starting with `prefix` (for `lt`). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // Only reachable for a prefix of all 0xff bytes, which our one-byte table tags never are.
  return concatBytes(prefix, Uint8Array.of(0xff));
}
