/**
 * The SMT's bounded in-memory node cache, built to stay out of the garbage collector's way.
 *
 * A tree node is three hashes plus a kind, so entries live in one preallocated arena
 * (97 bytes each: kind ‖ hash ‖ a ‖ b — a/b = left/right for inner nodes, keyHash/valueHash
 * for leaves), indexed by an open-addressing hash table of slot numbers. Nothing is allocated
 * per cached node, so a cache of a million nodes costs ~105 MB of flat memory and no GC time
 * (a Map of objects and Uint8Arrays measured ~900 bytes/node and a third of CPU in GC).
 * Eviction is CLOCK (second chance): hits set a reference bit the sweeping hand clears.
 */
import { HASH_BYTES } from "./hashing.js";

export const KIND_LEAF = 0;
export const KIND_INNER = 1;
export type NodeKind = typeof KIND_LEAF | typeof KIND_INNER;

/** A cached node; `a`/`b` are fresh copies the caller may keep. */
export interface CachedNode {
  readonly kind: NodeKind;
  readonly a: Uint8Array;
  readonly b: Uint8Array;
}

const ENTRY = 1 + 3 * HASH_BYTES;
const OFF_HASH = 1;
const OFF_A = 1 + HASH_BYTES;
const OFF_B = 1 + 2 * HASH_BYTES;

export class NodeCache {
  readonly capacity: number;
  // Storage starts small and doubles up to `capacity`, so a small state costs little memory.
  private slots: number;
  private arena: Uint8Array;
  /** slot + 1, or 0 for an empty bucket. */
  private table: Int32Array;
  private mask: number;
  private referenced: Uint8Array;
  private used = 0;
  private hand = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(16, Math.floor(capacity));
    this.slots = Math.min(this.capacity, 4096);
    this.arena = new Uint8Array(this.slots * ENTRY);
    this.referenced = new Uint8Array(this.slots);
    this.table = new Int32Array(0);
    this.mask = 0;
    this.rehash();
  }

  get size(): number {
    return this.used;
  }

  get(hash: Uint8Array): CachedNode | undefined {
    const bucket = this.find(hash);
    if (bucket < 0) return undefined;
    const slot = this.table[bucket]! - 1;
    this.referenced[slot] = 1;
    const base = slot * ENTRY;
    return {
      kind: this.arena[base] as NodeKind,
      a: this.arena.slice(base + OFF_A, base + OFF_A + HASH_BYTES),
      b: this.arena.slice(base + OFF_B, base + OFF_B + HASH_BYTES),
    };
  }

  set(hash: Uint8Array, kind: NodeKind, a: Uint8Array, b: Uint8Array): void {
    if (this.find(hash) >= 0) return; // content-addressed: same hash, same node
    if (this.used === this.slots && this.slots < this.capacity) this.grow();
    const slot = this.used < this.slots ? this.used++ : this.evict();
    const base = slot * ENTRY;
    this.arena[base] = kind;
    this.arena.set(hash, base + OFF_HASH);
    this.arena.set(a, base + OFF_A);
    this.arena.set(b, base + OFF_B);
    this.referenced[slot] = 0;
    let i = this.home(hash);
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
  }

  private grow(): void {
    this.slots = Math.min(this.capacity, this.slots * 2);
    const arena = new Uint8Array(this.slots * ENTRY);
    arena.set(this.arena);
    this.arena = arena;
    const referenced = new Uint8Array(this.slots);
    referenced.set(this.referenced);
    this.referenced = referenced;
    this.rehash();
  }

  /** Rebuilds the bucket table (twice the slots, a power of two) from the arena. */
  private rehash(): void {
    let buckets = 1;
    while (buckets < this.slots * 2) buckets <<= 1;
    this.table = new Int32Array(buckets);
    this.mask = buckets - 1;
    for (let slot = 0; slot < this.used; slot++) {
      const off = slot * ENTRY + OFF_HASH;
      let i = this.home(this.arena.subarray(off, off + 4));
      while (this.table[i] !== 0) i = (i + 1) & this.mask;
      this.table[i] = slot + 1;
    }
  }

  private home(hash: Uint8Array): number {
    // Node hashes are uniformly distributed, so their first bytes make a fine bucket index.
    return (((hash[0]! << 24) | (hash[1]! << 16) | (hash[2]! << 8) | hash[3]!) >>> 0) & this.mask;
  }

  /** The bucket holding `hash`, or -1. */
  private find(hash: Uint8Array): number {
    for (let i = this.home(hash); ; i = (i + 1) & this.mask) {
      const s = this.table[i]!;
      if (s === 0) return -1;
      if (this.hashAt(s - 1, hash)) return i;
    }
  }

  private hashAt(slot: number, hash: Uint8Array): boolean {
    const off = slot * ENTRY + OFF_HASH;
    for (let j = 0; j < HASH_BYTES; j++) if (this.arena[off + j] !== hash[j]) return false;
    return true;
  }

  /** Frees a slot chosen by the CLOCK hand and returns it. */
  private evict(): number {
    for (;;) {
      const slot = this.hand;
      this.hand = (this.hand + 1) % this.slots;
      if (this.referenced[slot] === 1) {
        this.referenced[slot] = 0;
        continue;
      }
      const off = slot * ENTRY + OFF_HASH;
      this.removeBucket(this.find(this.arena.subarray(off, off + HASH_BYTES)));
      return slot;
    }
  }

  /** Backward-shift deletion keeps linear probing correct without tombstones. */
  private removeBucket(bucket: number): void {
    if (bucket < 0) return;
    let hole = bucket;
    for (let j = (hole + 1) & this.mask; this.table[j] !== 0; j = (j + 1) & this.mask) {
      const s = this.table[j]! - 1;
      const off = s * ENTRY + OFF_HASH;
      const home = this.home(this.arena.subarray(off, off + 4));
      // Move the entry into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        this.table[hole] = this.table[j]!;
        hole = j;
      }
    }
    this.table[hole] = 0;
  }
}
