/** The machine's single-core Ed25519 verify rate: the limit every tx-throughput target refers to. */
import { PrivateKey, verifySignature } from "../src/crypto/ed25519.js";

export function measureVerifyRate(durationMs = 1500): number {
  const keys = Array.from({ length: 64 }, (_, i) => PrivateKey.fromSeed(new Uint8Array(32).fill(i + 1)));
  const msgs = keys.map((_, i) => new TextEncoder().encode(`bench message ${i} ${"x".repeat(100)}`));
  const sigs = keys.map((k, i) => k.sign(msgs[i]!));
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    for (let i = 0; i < keys.length; i++) {
      if (!verifySignature(keys[i]!.publicKey, msgs[i]!, sigs[i]!)) throw new Error("verify failed");
    }
    n += keys.length;
  }
  return (n * 1000) / (performance.now() - start);
}
