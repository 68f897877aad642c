// The contract's own key-value storage (keys up to 256 bytes, values up to 64 KiB). Writes are
// priced per byte of key + value.

import { concat, fromUtf8, hasPrefix, readResult, utf8 } from "./bytes";
import { storage_get, storage_has, storage_next, storage_remove, storage_set } from "./dccn";
import { U128 } from "./u128";

export function storageRead(key: Uint8Array): Uint8Array | null {
  const len = storage_get(key.dataStart, key.length);
  if (len < 0) return null;
  return readResult();
}

export function storageWrite(key: Uint8Array, value: Uint8Array): void {
  storage_set(key.dataStart, key.length, value.dataStart, value.length);
}

export function storageHas(key: Uint8Array): bool {
  return storage_has(key.dataStart, key.length) != 0;
}

export function storageDelete(key: Uint8Array): void {
  storage_remove(key.dataStart, key.length);
}

export class StorageEntry {
  constructor(
    public key: Uint8Array,
    public value: Uint8Array,
  ) {}
}

/** The first entry under `prefix` whose key sorts after `after` (empty: from the start). */
export function storageNext(prefix: Uint8Array, after: Uint8Array): StorageEntry | null {
  const keyLen = storage_next(prefix.dataStart, prefix.length, after.dataStart, after.length);
  if (keyLen < 0) return null;
  const both = readResult();
  return new StorageEntry(both.subarray(0, keyLen), both.subarray(keyLen));
}

// ---- typed values --------------------------------------------------------------------------

/** Encodes a value for storage: strings as UTF-8, integers as 8 bytes LE, bool as 1 byte, U128 as 16 bytes LE. */
export function encodeValue<V>(value: V): Uint8Array {
  if (isString<V>()) {
    return utf8(changetype<string>(value));
  } else if (isBoolean<V>()) {
    const out = new Uint8Array(1);
    out[0] = value ? 1 : 0;
    return out;
  } else if (isInteger<V>()) {
    const out = new Uint8Array(8);
    store<u64>(out.dataStart, <u64>value);
    return out;
  } else if (value instanceof U128) {
    return changetype<U128>(value).toBytes();
  } else {
    ERROR("storage values must be string, bool, an integer or U128");
    return new Uint8Array(0);
  }
}

export function decodeValue<V>(bytes: Uint8Array): V {
  if (isString<V>()) {
    return changetype<V>(fromUtf8(bytes));
  } else if (isBoolean<V>()) {
    return <V>(bytes.length > 0 && bytes[0] != 0);
  } else if (isInteger<V>()) {
    if (bytes.length != 8) throw new Error("stored integer is not 8 bytes");
    return <V>load<u64>(bytes.dataStart);
  } else if (idof<V>() == idof<U128>()) {
    return changetype<V>(U128.fromBytes(bytes));
  } else {
    ERROR("storage values must be string, bool, an integer or U128");
    return changetype<V>(0);
  }
}

/** A single typed value under a fixed key. */
export class PersistentValue<V> {
  private key: Uint8Array;
  constructor(key: string) {
    this.key = utf8(key);
  }

  get(fallback: V): V {
    const raw = storageRead(this.key);
    return raw == null ? fallback : decodeValue<V>(raw);
  }

  set(value: V): void {
    storageWrite(this.key, encodeValue<V>(value));
  }

  exists(): bool {
    return storageHas(this.key);
  }
}

/**
 * A typed map stored under `prefix` (string keys, stored as prefix ‖ UTF-8 key). Give each map
 * a distinct prefix that is not a prefix of another, e.g. "bal/" and "allow/".
 */
export class PersistentMap<V> {
  private prefix: Uint8Array;
  constructor(prefix: string) {
    this.prefix = utf8(prefix);
  }

  private storageKey(key: string): Uint8Array {
    return concat(this.prefix, utf8(key));
  }

  get(key: string, fallback: V): V {
    const raw = storageRead(this.storageKey(key));
    return raw == null ? fallback : decodeValue<V>(raw);
  }

  set(key: string, value: V): void {
    storageWrite(this.storageKey(key), encodeValue<V>(value));
  }

  has(key: string): bool {
    return storageHas(this.storageKey(key));
  }

  delete(key: string): void {
    storageDelete(this.storageKey(key));
  }

  /** Up to `limit` keys in byte order, starting after `after` ("" = from the first). */
  keys(after: string, limit: i32): string[] {
    const out: string[] = [];
    let cursor = after.length == 0 ? new Uint8Array(0) : this.storageKey(after);
    while (out.length < limit) {
      const entry = storageNext(this.prefix, cursor);
      if (entry == null || !hasPrefix(entry.key, this.prefix)) break;
      out.push(fromUtf8(entry.key.subarray(this.prefix.length)));
      cursor = entry.key;
    }
    return out;
  }
}
