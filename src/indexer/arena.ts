/**
 * Byte arena for one index batch: every key and record of a block is a view into a few large
 * chunks instead of an ArrayBuffer of its own. A block of ~4,000 transfers writes ~45,000
 * keys; one backing store each made them the indexer's largest allocation and GC cost.
 *
 * An arena is never reused: the views stay valid for as long as anyone holds them.
 */
const CHUNK_BYTES = 1 << 20;

/** Where key builders get the bytes they fill (a ByteArena, or a codec/bytes Scratch for a probe). */
export interface Allocator {
  alloc(n: number): Uint8Array;
}

export class ByteArena implements Allocator {
  private chunk = new Uint8Array(0);
  private pos = 0;

  /** `n` fresh zeroed bytes, as a view the caller fills. */
  alloc(n: number): Uint8Array {
    if (this.pos + n > this.chunk.length) {
      // The tail of the old chunk is wasted; records are small next to a chunk.
      this.chunk = new Uint8Array(Math.max(CHUNK_BYTES, n));
      this.pos = 0;
    }
    const start = this.pos;
    this.pos += n;
    return this.chunk.subarray(start, this.pos);
  }
}

/** Copies `len` bytes of `src` from `from` into `dst` at `at` (a loop: most are short strings). */
export function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, len: number): void {
  if (len > 64) {
    dst.set(src.subarray(from, from + len), at);
    return;
  }
  for (let i = 0; i < len; i++) dst[at + i] = src[from + i]!;
}

/** Big-endian u32 at `at`. */
export function putU32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = n >>> 16;
  out[at + 2] = n >>> 8;
  out[at + 3] = n;
}

/** A safe integer as 8 big-endian bytes at `at`. */
export function putU64(out: Uint8Array, at: number, n: number): void {
  putU32(out, at, Math.floor(n / 4294967296));
  putU32(out, at + 4, n >>> 0);
}
