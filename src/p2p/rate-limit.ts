/** Per-peer token buckets: a flood from one peer is cut off without affecting the others. */
export interface RateLimitOptions {
  /** Sustained events per second. */
  readonly perSecond: number;
  /** Events allowed at once. Default: one second's worth. */
  readonly burst?: number;
  /** Most peers tracked; idle ones are forgotten first. Default 4096. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class PeerRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(opts: RateLimitOptions) {
    this.perMs = opts.perSecond / 1000;
    this.burst = opts.burst ?? Math.max(1, opts.perSecond);
    this.maxKeys = opts.maxKeys ?? 4096;
    this.now = opts.now ?? Date.now;
  }

  /** Takes `cost` tokens from `key`'s bucket; false (and nothing taken) when there are not enough. */
  take(key: string, cost = 1): boolean {
    const now = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evictOldest();
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMs);
      b.at = now;
      // Refresh insertion order so eviction finds the idle keys first.
      this.buckets.delete(key);
      this.buckets.set(key, b);
    }
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  private evictOldest(): void {
    const first = this.buckets.keys().next();
    if (!first.done) this.buckets.delete(first.value);
  }
}
