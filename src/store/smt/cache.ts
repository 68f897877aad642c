/**
 * A bounded cache with approximate LRU eviction: two generations of at most `capacity / 2`
 * entries each; a hit in the old generation is promoted, and when the young one fills up the
 * old one is dropped wholesale. O(1), no per-hit reordering, never more than `capacity` entries.
 */
export class BoundedCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;

  constructor(capacity: number) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.put(key, o);
    }
    return o;
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  set(key: K, value: V): void {
    this.old.delete(key);
    this.put(key, value);
  }

  delete(key: K): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  private put(key: K, value: V): void {
    if (!this.young.has(key) && this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
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
