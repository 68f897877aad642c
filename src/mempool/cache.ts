/**
 * LRU set of recently seen tx hashes (hex). It turns away re-gossiped and re-broadcast txs
 * before they cost an app CheckTx. Capacity 0 makes it a no-op.
 */
export class TxCache {
  // A Map iterates in insertion order, so re-inserting on access keeps the oldest entry first.
  private readonly keys = new Map<string, true>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.keys.size;
  }

  /** Adds `key` (or refreshes it); false when it was already present. */
  push(key: string): boolean {
    if (this.capacity === 0) return true;
    const seen = this.keys.delete(key);
    this.keys.set(key, true);
    if (!seen && this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return !seen;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  remove(key: string): void {
    this.keys.delete(key);
  }

  clear(): void {
    this.keys.clear();
  }
}
