/**
 * Tx hashes whose signature this node has verified. The hash covers the whole signed tx
 * (body, public key, signature), so a hit means exactly these bytes were verified before:
 * CheckTx verifies once, and DeliverTx (and rechecks) of the same tx skip the Ed25519 work.
 */
import { BoundedCache, bytesKey } from "../store/smt/cache.js";

export class VerifiedTxCache {
  private readonly seen: BoundedCache<string, true>;

  constructor(capacity = 100_000) {
    this.seen = new BoundedCache(capacity);
  }

  has(txHash: Uint8Array): boolean {
    return this.seen.get(bytesKey(txHash)) === true;
  }

  add(txHash: Uint8Array): void {
    this.seen.set(bytesKey(txHash), true);
  }

  get size(): number {
    return this.seen.size;
  }
}
