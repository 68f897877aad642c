/**
 * Per-client token buckets: each key (a client IP) holds up to `burst` tokens, refilled at
 * `ratePerSecond`; a request spends one token per call. Idle full buckets are forgotten so the
 * table stays bounded. Wall-clock based; nothing here feeds consensus.
 */
interface Bucket {
  tokens: number;
  updatedMs: number;
}

export const PRUNE_ABOVE = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Spends `cost` tokens of `key` if it has them; false (nothing spent) otherwise. */
  take(key: string, cost = 1): boolean {
    const now = this.nowMs();
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= PRUNE_ABOVE) this.prune(now);
      b = { tokens: this.burst, updatedMs: now };
      this.buckets.set(key, b);
    } else {
      this.refill(b, now);
    }
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(b: Bucket, now: number): void {
    const elapsed = Math.max(0, now - b.updatedMs);
    b.tokens = Math.min(this.burst, b.tokens + (elapsed * this.ratePerSecond) / 1000);
    b.updatedMs = now;
  }

  /** Forgets full buckets; if still crowded, the oldest half (a hard bound under a flood). */
  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      this.refill(b, now);
      if (b.tokens >= this.burst) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < PRUNE_ABOVE / 2) break;
      this.buckets.delete(key);
    }
  }
}
