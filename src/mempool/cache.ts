/**
 * LRU set of recently seen tx hashes (hex). It turns away re-gossiped and re-broadcast txs
 * before they cost an app CheckTx. Capacity 0 makes it a no-op.
 *
 * A Map alone iterates in insertion order, but evicting its oldest key with `keys().next()`
 * walks past every key deleted since the table was last rehashed. A full cache evicts on every
 * insert, so that walk grew to thousands of holes per eviction: with 100,000 entries, a
 * validator's CheckTx cost ~20% more per tx after a few minutes of load than at the start.
 * Here the recency order is a queue of (key, generation) pairs beside the Map: a refreshed or
 * removed key leaves a stale pair behind, skipped at eviction and dropped when the queue is
 * compacted. Every operation is O(1) amortised.
 */
export class TxCache {
  /** Each held key with the generation of its newest pair in the queue. */
  private readonly gens = new Map<string, number>();
  private queueKeys: string[] = [];
  private queueGens: number[] = [];
  /** Index of the oldest pair not yet evicted. */
  private head = 0;
  private nextGen = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.gens.size;
  }

  /** Adds `key` (or refreshes it to most recent); false when it was already present. */
  push(key: string): boolean {
    if (this.capacity === 0) return true;
    const seen = this.gens.has(key);
    const gen = this.nextGen++;
    this.gens.set(key, gen);
    this.queueKeys.push(key);
    this.queueGens.push(gen);
    while (this.gens.size > this.capacity) this.evictOldest();
    // Stale pairs and the evicted prefix are dropped once the queue is twice the live size.
    if (this.queueKeys.length > 2 * this.capacity + 1024) this.compact();
    return !seen;
  }

  has(key: string): boolean {
    return this.gens.has(key);
  }

  remove(key: string): void {
    this.gens.delete(key);
  }

  clear(): void {
    this.gens.clear();
    this.queueKeys = [];
    this.queueGens = [];
    this.head = 0;
  }

  private evictOldest(): void {
    while (this.head < this.queueKeys.length) {
      const key = this.queueKeys[this.head]!;
      const gen = this.queueGens[this.head]!;
      this.head++;
      if (this.gens.get(key) === gen) {
        this.gens.delete(key);
        return;
      }
    }
  }

  private compact(): void {
    const keys: string[] = [];
    const gens: number[] = [];
    for (let i = this.head; i < this.queueKeys.length; i++) {
      const key = this.queueKeys[i]!;
      const gen = this.queueGens[i]!;
      if (this.gens.get(key) === gen) {
        keys.push(key);
        gens.push(gen);
      }
    }
    this.queueKeys = keys;
    this.queueGens = gens;
    this.head = 0;
  }
}
