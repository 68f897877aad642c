import { describe, expect, it } from "vitest";
import { keyFor, TransferFeed } from "../../../bench/node.js";
import { fromBase64 } from "../../../src/codec/bytes.js";
import { decodeTx } from "../../../src/types/tx.js";

const to = new Uint8Array(20).fill(7);

describe("TransferFeed", () => {
  it("gives the same tx for a nonce whether it was presigned (packed) or signed on demand", () => {
    const packed = new TransferFeed(keyFor(1), "feed-test", to);
    const onDemand = new TransferFeed(keyFor(1), "feed-test", to);
    packed.presign(3, 50);
    for (const nonce of [3, 4, 27, 52, 53, 60]) {
      const tx = packed.get(nonce).base64;
      expect(tx).toBe(onDemand.get(nonce).base64);
      expect(decodeTx(fromBase64(tx)).body.nonce).toBe(nonce);
    }
  });

  it("keeps serving nonces beyond the presigned range after dropping it", () => {
    const feed = new TransferFeed(keyFor(2), "feed-test", to);
    const fresh = new TransferFeed(keyFor(2), "feed-test", to);
    feed.presign(0, 10);
    feed.dropBelow(5);
    expect(feed.get(9).base64).toBe(fresh.get(9).base64);
    feed.dropBelow(10);
    expect(feed.get(10).base64).toBe(fresh.get(10).base64);
    // A nonce below what was dropped is still signed on demand, identically.
    expect(feed.get(2).base64).toBe(fresh.get(2).base64);
  });
});
