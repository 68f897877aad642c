import { afterEach, describe, expect, it } from "vitest";
import { PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { autoWorkerCount, VerifyPool } from "../../../src/crypto/verify-pool.js";

const key = (n: number) => PrivateKey.fromSeed(new Uint8Array(32).fill(n));
const pools: VerifyPool[] = [];
const pool = (workers: number, maxBatch?: number) => {
  const p = new VerifyPool({ workers, ...(maxBatch === undefined ? {} : { maxBatch }) });
  pools.push(p);
  return p;
};
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

/** Valid, tampered-message, wrong-key, bit-flipped-signature and malformed cases, in a mix. */
function cases(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const k = key(1 + (i % 5));
    const message = new TextEncoder().encode(`message ${i} ${"x".repeat(i % 40)}`);
    const signature = k.sign(message);
    switch (i % 6) {
      case 1:
        return { publicKey: k.publicKey, message: Uint8Array.of(...message, 1), signature };
      case 2:
        return { publicKey: key(9).publicKey, message, signature };
      case 3: {
        const bad = signature.slice();
        bad[10]! ^= 1;
        return { publicKey: k.publicKey, message, signature: bad };
      }
      case 4:
        return { publicKey: k.publicKey.subarray(0, 31), message, signature };
      default:
        return { publicKey: k.publicKey, message, signature };
    }
  });
}

describe("signature verify pool", () => {
  it("answers exactly as verifySignature, across several workers and batches", async () => {
    const p = pool(2, 7);
    expect(p.workers).toBe(2);
    const all = cases(120);
    const got = await Promise.all(all.map((c) => p.verify(c.publicKey, c.message, c.signature)));
    const want = all.map((c) => verifySignature(c.publicKey, c.message, c.signature));
    expect(got).toEqual(want);
    expect(want.filter(Boolean).length).toBe(40);
  });

  it("queues what arrives while a batch is out and answers it in order once the worker replies", async () => {
    const p = pool(1, 1000);
    const all = cases(60);
    const got: Promise<boolean>[] = [];
    // One request per event-loop turn: the first goes out alone, the rest wait for its answer.
    for (const c of all) {
      got.push(p.verify(c.publicKey, c.message, c.signature));
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(got)).toEqual(
      all.map((c) => verifySignature(c.publicKey, c.message, c.signature)),
    );
  });

  it("verifies what is still queued when closed while a batch is out", async () => {
    const p = pool(1);
    const all = cases(30);
    const first = p.verify(all[0]!.publicKey, all[0]!.message, all[0]!.signature);
    await new Promise((r) => setImmediate(r)); // the first batch is now with the worker
    const rest = all.slice(1).map((c) => p.verify(c.publicKey, c.message, c.signature));
    await p.close();
    expect(await Promise.all([first, ...rest])).toEqual(
      all.map((c) => verifySignature(c.publicKey, c.message, c.signature)),
    );
  });

  it("verifies on the calling thread without workers and after close", async () => {
    const inline = pool(0);
    const k = key(3);
    const msg = Uint8Array.of(1, 2, 3);
    expect(await inline.verify(k.publicKey, msg, k.sign(msg))).toBe(true);
    const p = pool(1);
    const pending = p.verify(k.publicKey, msg, k.sign(msg));
    await p.close();
    // Asked before close: answered anyway; asked after: verified inline.
    expect(await pending).toBe(true);
    expect(await p.verify(k.publicKey, msg, k.sign(Uint8Array.of(9)))).toBe(false);
  });

  it("uses the cores the main thread leaves, at least one and at most four", () => {
    expect(autoWorkerCount(1)).toBe(1);
    expect(autoWorkerCount(2)).toBe(1);
    expect(autoWorkerCount(4)).toBe(3);
    expect(autoWorkerCount(32)).toBe(4);
  });
});
