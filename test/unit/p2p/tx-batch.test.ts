import { describe, expect, it } from "vitest";
import { concatBytes, utf8 } from "../../../src/codec/bytes.js";
import { MempoolError } from "../../../src/mempool/errors.js";
import { checkTxBatch } from "../../../src/node/network.js";
import { topicLimit } from "../../../src/p2p/gossip/topics.js";
import {
  DEFAULT_GOSSIP_LIMITS,
  decodeTxBatch,
  encodeTxBatch,
  MAX_TX_BATCH_TXS,
  TxBatcher,
  type TxBatcherOptions,
  txBatchEntrySize,
} from "../../../src/p2p/index.js";

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? "no code";
  }
  return "no error";
};

describe("TxBatch codec", () => {
  it("round-trips txs in order and encodes exactly the proto3 bytes of `repeated bytes txs = 1`", () => {
    const big = new Uint8Array(300).map((_, i) => i & 0xff);
    const txs = [utf8("a"), Uint8Array.of(0, 0xff, 0x0a), big];
    const bytes = encodeTxBatch(txs);
    expect(bytes.subarray(0, 3)).toEqual(Uint8Array.of(0x0a, 0x01, 0x61));
    // A 300-byte tx has a two-byte length prefix (0xac 0x02).
    expect(bytes.subarray(8, 11)).toEqual(Uint8Array.of(0x0a, 0xac, 0x02));
    expect(bytes.length).toBe(txs.reduce((n, t) => n + txBatchEntrySize(t.length), 0));
    expect(decodeTxBatch(bytes)).toEqual(txs);
  });

  it("hands out copies: the decoded txs do not alias the message", () => {
    const bytes = encodeTxBatch([utf8("abc")]);
    const [tx] = decodeTxBatch(bytes);
    bytes.fill(0);
    expect(tx).toEqual(utf8("abc"));
  });

  it("rejects malformed, non-canonical, empty and oversize batches with typed errors", () => {
    const ok = encodeTxBatch([utf8("x")]);
    expect(codeOf(() => decodeTxBatch(new Uint8Array(0)))).toBe("CODEC_BAD_VALUE");
    expect(codeOf(() => decodeTxBatch(Uint8Array.of(0x0a, 0x00)))).toBe("CODEC_BAD_VALUE");
    expect(codeOf(() => decodeTxBatch(concatBytes(ok, Uint8Array.of(0x0a, 0x00))))).toBe("CODEC_BAD_VALUE");
    expect(codeOf(() => decodeTxBatch(Uint8Array.of(0x0a, 0x05, 0x01)))).toBe("CODEC_TRUNCATED");
    expect(codeOf(() => decodeTxBatch(concatBytes(ok, Uint8Array.of(0x12, 0x01, 0x00))))).toBe(
      "CODEC_UNKNOWN_FIELD",
    );
    expect(codeOf(() => decodeTxBatch(Uint8Array.of(0x08, 0x01)))).toBe("CODEC_WIRE_TYPE");
    // The same tx with a two-byte length prefix for 1: decodes, but is not the canonical form.
    expect(codeOf(() => decodeTxBatch(Uint8Array.of(0x0a, 0x81, 0x00, 0x78)))).toBe("CODEC_NON_CANONICAL");
    // The same tx with an over-long tag.
    expect(codeOf(() => decodeTxBatch(Uint8Array.of(0x8a, 0x00, 0x01, 0x78)))).toBe("CODEC_NON_CANONICAL");

    const many = Array.from({ length: MAX_TX_BATCH_TXS + 1 }, () => utf8("t"));
    const tooMany = concatBytes(...many.map((t) => concatBytes(Uint8Array.of(0x0a, 0x01), t)));
    expect(codeOf(() => decodeTxBatch(tooMany))).toBe("CODEC_TOO_LARGE");
    expect(decodeTxBatch(tooMany.subarray(3))).toHaveLength(MAX_TX_BATCH_TXS);
    // The encoder refuses what receivers would reject.
    expect(codeOf(() => encodeTxBatch(many))).toBe("CODEC_TOO_LARGE");
    expect(codeOf(() => encodeTxBatch([]))).toBe("CODEC_BAD_VALUE");
    expect(codeOf(() => encodeTxBatch([utf8("a"), new Uint8Array(0)]))).toBe("CODEC_BAD_VALUE");
  });

  it("lets the tx topic carry a lone tx of the largest allowed size", () => {
    const limits = { ...DEFAULT_GOSSIP_LIMITS, maxTxBytes: 70_000 };
    const lone = encodeTxBatch([new Uint8Array(limits.maxTxBytes).fill(7)]);
    expect(lone.length).toBe(topicLimit(limits, "tx"));
  });
});

/** A publish sink that records batches and lets a test await the next one. */
class Sink {
  readonly batches: string[][] = [];
  private waiters: (() => void)[] = [];

  readonly publish = async (txs: Uint8Array[]): Promise<void> => {
    this.batches.push(txs.map((t) => new TextDecoder().decode(t)));
    for (const w of this.waiters.splice(0)) w();
  };

  /** Resolves once `n` batches were published in all. */
  untilBatches(n: number): Promise<void> {
    if (this.batches.length >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const retry = () => (this.batches.length >= n ? resolve() : this.waiters.push(retry));
      this.waiters.push(retry);
    });
  }
}

const HOUR = 3_600_000;
const batcher = (opts: TxBatcherOptions, sink: Sink) => new TxBatcher(opts, sink.publish);

describe("TxBatcher", () => {
  it("publishes a batch as soon as it holds maxTxs txs", async () => {
    const sink = new Sink();
    const b = batcher({ maxTxs: 3, delayMs: HOUR }, sink);
    for (const t of ["a", "b", "c", "d"]) b.add(utf8(t));
    await sink.untilBatches(1);
    expect(sink.batches).toEqual([["a", "b", "c"]]);
    expect(b.pending).toBe(1);
    b.stop();
  });

  it("closes a batch before it would exceed maxBytes; a larger tx goes alone", async () => {
    const sink = new Sink();
    const entry = txBatchEntrySize(40);
    const b = batcher({ maxBytes: 2 * entry + 10, delayMs: HOUR }, sink);
    const tx = (c: string, n = 40) => utf8(c.repeat(n));
    b.add(tx("a"));
    b.add(tx("b"));
    expect(sink.batches).toEqual([]);
    b.add(tx("c")); // would make 3 entries > maxBytes: a+b leave first
    await sink.untilBatches(1);
    expect(sink.batches[0]).toEqual(["a".repeat(40), "b".repeat(40)]);
    b.add(tx("d", 500)); // bigger than maxBytes on its own: c leaves, then d alone
    await sink.untilBatches(3);
    expect(sink.batches.slice(1)).toEqual([["c".repeat(40)], ["d".repeat(500)]]);
    expect(b.pending).toBe(0);
    b.stop();
  });

  it("publishes a partial batch after delayMs", async () => {
    const sink = new Sink();
    const b = batcher({ maxTxs: 100, delayMs: 5 }, sink);
    b.add(utf8("x"));
    b.add(utf8("y"));
    await sink.untilBatches(1);
    expect(sink.batches).toEqual([["x", "y"]]);
    b.add(utf8("z"));
    await sink.untilBatches(2);
    expect(sink.batches[1]).toEqual(["z"]);
    b.stop();
  });

  it("keeps the order of txs across batches and publishes one batch at a time", async () => {
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const b = new TxBatcher({ maxTxs: 7, delayMs: HOUR }, async (txs) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // A publish that takes a few turns of the event loop.
      await new Promise((r) => setImmediate(r));
      for (const t of txs) seen.push(new TextDecoder().decode(t));
      inFlight--;
    });
    const sent = Array.from({ length: 200 }, (_, i) => `tx-${i}`);
    for (const t of sent) b.add(utf8(t));
    await b.flush();
    expect(seen).toEqual(sent);
    expect(maxInFlight).toBe(1);
    b.stop();
  });

  it("keeps publishing after a failed publish", async () => {
    const errors: unknown[] = [];
    const sink = new Sink();
    let first = true;
    const b = new TxBatcher(
      { maxTxs: 1, delayMs: HOUR },
      (txs) => {
        if (first) {
          first = false;
          return Promise.reject(new Error("socket gone"));
        }
        return sink.publish(txs);
      },
      (err) => errors.push(err),
    );
    b.add(utf8("lost"));
    b.add(utf8("kept"));
    await sink.untilBatches(1);
    expect(sink.batches).toEqual([["kept"]]);
    expect(errors).toHaveLength(1);
    b.stop();
  });

  it("publishes nothing after stop, not even a batch queued behind a slow publish", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    let started: () => void = () => {};
    const firstStarted = new Promise<void>((r) => (started = r));
    const published: string[] = [];
    const b = new TxBatcher({ maxTxs: 1, delayMs: HOUR }, async (txs) => {
      published.push(new TextDecoder().decode(txs[0]));
      started();
      await held;
    });
    b.add(utf8("first"));
    await firstStarted; // being published, held open
    b.add(utf8("second")); // queued behind it
    const drained = b.flush();
    b.stop();
    b.add(utf8("after-stop"));
    release();
    await drained;
    expect(published).toEqual(["first"]);
    expect(b.pending).toBe(0);
  });

  it("cancels the delay timer on stop", async () => {
    const stopped = new Sink();
    const b = batcher({ delayMs: 1 }, stopped);
    b.add(utf8("pending"));
    b.stop();
    // Timers fire in order of expiry: once this later, longer one fired, the first one would have.
    const probe = new Sink();
    const p = batcher({ delayMs: 5 }, probe);
    p.add(utf8("probe"));
    await probe.untilBatches(1);
    await b.flush();
    expect(stopped.batches).toEqual([]);
    p.stop();
  });

  it("refuses nonsense options with a typed error", () => {
    const sink = new Sink();
    for (const opts of [{ maxTxs: 0 }, { maxTxs: MAX_TX_BATCH_TXS + 1 }, { maxBytes: 0 }, { delayMs: -1 }]) {
      expect(() => batcher(opts, sink)).toThrow(expect.objectContaining({ code: "TX_BATCHER_BAD_OPTIONS" }));
    }
  });
});

/** A mempool whose checks resolve only when the test says so, recording the calls made. */
class HeldMempool {
  readonly calls: string[] = [];
  private readonly settle: (() => void)[] = [];

  constructor(private readonly outcome: (tx: string) => { code: number } | Error) {}

  checkTx(tx: Uint8Array): Promise<{ readonly code: number }> {
    const t = new TextDecoder().decode(tx);
    this.calls.push(t);
    return new Promise((resolve, reject) => {
      this.settle.push(() => {
        const o = this.outcome(t);
        if (o instanceof Error) reject(o);
        else resolve(o);
      });
    });
  }

  releaseAll(): void {
    for (const s of this.settle.splice(0)) s();
  }
}

describe("checkTxBatch (the node's verdict on a received batch)", () => {
  const BAD_SIGNATURE = 5;
  const BAD_NONCE = 7;
  const batch = (...t: string[]) => t.map(utf8);

  it("issues every check in order before awaiting any, and accepts an honest batch", async () => {
    const mp = new HeldMempool((t) => (t === "stale" ? { code: BAD_NONCE } : { code: 0 }));
    const verdict = checkTxBatch(mp, batch("a", "b", "stale", "c"));
    // Nothing has resolved yet, yet all four checks are under way.
    expect(mp.calls).toEqual(["a", "b", "stale", "c"]);
    mp.releaseAll();
    expect(await verdict).toBe("accept");
  });

  it("accepts a batch of duplicates and a full mempool: not the relayer's fault", async () => {
    const mp = new HeldMempool((t) =>
      t === "dup"
        ? new MempoolError("MEMPOOL_TX_IN_CACHE", "seen")
        : new MempoolError("MEMPOOL_FULL", "full"),
    );
    const verdict = checkTxBatch(mp, batch("dup", "other"));
    mp.releaseAll();
    expect(await verdict).toBe("accept");
  });

  it("rejects a batch with one forged or oversize tx, after checking every tx", async () => {
    const forged = new HeldMempool((t) => (t === "forged" ? { code: BAD_SIGNATURE } : { code: 0 }));
    const v1 = checkTxBatch(forged, batch("a", "forged", "b"));
    expect(forged.calls).toEqual(["a", "forged", "b"]);
    forged.releaseAll();
    expect(await v1).toBe("reject");

    const big = new HeldMempool((t) =>
      t === "big" ? new MempoolError("MEMPOOL_TX_TOO_LARGE", "too large") : { code: 0 },
    );
    const v2 = checkTxBatch(big, batch("a", "big"));
    big.releaseAll();
    expect(await v2).toBe("reject");
  });

  it("throws our own failures (the gossip layer then ignores the batch)", async () => {
    const mp = new HeldMempool((t) => (t === "boom" ? new Error("disk on fire") : { code: 0 }));
    const verdict = checkTxBatch(mp, batch("a", "boom"));
    mp.releaseAll();
    await expect(verdict).rejects.toThrow("disk on fire");
  });
});
