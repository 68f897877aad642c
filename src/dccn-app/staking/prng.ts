/**
 * A deterministic random stream for the election: SHA-256 in counter mode,
 * block_i = SHA-256(seed ‖ u64be(i)), consumed byte by byte. Every node that starts from the
 * same seed draws the same numbers; nothing here touches clocks or Math.random.
 */
import { u64be } from "../../codec/bytes.js";
import { sha256 } from "../../crypto/hash.js";

export class Sha256Prng {
  private counter = 0n;
  private block: Uint8Array = new Uint8Array(0);
  private pos = 0;

  constructor(private readonly seed: Uint8Array) {}

  private nextByte(): number {
    if (this.pos >= this.block.length) {
      this.block = sha256(this.seed, u64be(this.counter));
      this.counter += 1n;
      this.pos = 0;
    }
    return this.block[this.pos++]!;
  }

  /** A uniform integer in [0, bound), by rejection sampling (no modulo bias). bound ≥ 1. */
  below(bound: bigint): bigint {
    if (bound <= 1n) return 0n;
    const bits = (bound - 1n).toString(2).length;
    const bytes = Math.ceil(bits / 8);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      let x = 0n;
      for (let i = 0; i < bytes; i++) x = (x << 8n) | BigInt(this.nextByte());
      x &= mask;
      // Accepts with probability > 1/2, so the loop ends after two tries on average.
      if (x < bound) return x;
    }
  }
}
