import { describe, expect, it } from "vitest";
import { CODE_OK } from "../../../src/abci/types.js";
import { toHex } from "../../../src/codec/bytes.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import {
  DEFAULT_MEMPOOL_OPTIONS,
  encodedTxSize,
  Mempool,
  type MempoolOptions,
  resolveMempoolOptions,
} from "../../../src/mempool/index.js";
import { txHash } from "../../../src/types/tx.js";
import {
  addressOf,
  CODE_BAD_NONCE,
  CODE_INSUFFICIENT_FUNDS,
  makeTx,
  NonceApp,
  type TxParams,
} from "./nonce-app.js";

const keyOf = (n: number) => PrivateKey.fromSeed(new Uint8Array(32).fill(n));
const A = keyOf(1);
const B = keyOf(2);
const C = keyOf(3);
const D = keyOf(4);

function setup(opts: Partial<MempoolOptions> = {}, funded = [A, B, C, D]) {
  const app = new NonceApp();
  for (const k of funded) app.fund(addressOf(k), 1_000_000n);
  const mp = new Mempool(opts, { app });
  return { app, mp };
}

const tx = (key: PrivateKey, nonce: number, p: Omit<TxParams, "nonce"> = {}) => makeTx(key, { nonce, ...p });
const hashOf = (t: Uint8Array) => txHash(t);
const checkCalls = (app: NonceApp, key: PrivateKey) =>
  app.calls.filter((c) => c.sender === toHex(addressOf(key)) && c.mode !== "deliver");

/** Executes `txs` as the next block, commits the app, then updates the mempool. */
async function commitBlock(app: NonceApp, mp: Mempool, height: number, txs: Uint8Array[]) {
  const results = await app.executeBlock(txs);
  await mp.commitAndUpdate(() => app.commit(), height, txs, results);
  return results;
}

describe("mempool options", () => {
  it("fills defaults and refuses nonsense with a typed error naming the option", () => {
    expect(resolveMempoolOptions({ maxTxs: 7 })).toEqual({ ...DEFAULT_MEMPOOL_OPTIONS, maxTxs: 7 });
    expect(() => resolveMempoolOptions({ maxTxs: 0 })).toThrow(
      expect.objectContaining({ code: "MEMPOOL_BAD_OPTIONS", meta: { option: "maxTxs" } }),
    );
    expect(() => resolveMempoolOptions({ cacheSize: 1.5 })).toThrow(/cacheSize/);
  });
});

describe("mempool admission", () => {
  it("runs the app's preCheckTx ahead of the queue and still admits in call order", async () => {
    const { app, mp } = setup();
    // preCheckTx calls are held and released last-first: admission must not follow them.
    const held: { tx: Uint8Array; release: () => void }[] = [];
    Object.assign(app, {
      preCheckTx: (t: Uint8Array) =>
        new Promise<void>((release) => {
          held.push({ tx: t, release });
        }),
    });
    const txs = [0, 1, 2, 3].map((n) => tx(A, n));
    const results = txs.map((t) => mp.checkTx(t));
    // Every tx's stateless checks started before the first was admitted.
    expect(held.map((h) => h.tx)).toEqual(txs);
    for (const h of [...held].reverse()) h.release();
    expect((await Promise.all(results)).map((r) => r.status)).toEqual([
      "pending",
      "pending",
      "pending",
      "pending",
    ]);
    expect(checkCalls(app, A).map((c) => c.nonce)).toEqual([0, 1, 2, 3]);
    expect(mp.parkedSize()).toBe(0);
  });

  it("admits a valid tx and keeps it for reaping", async () => {
    const { mp } = setup();
    const t = tx(A, 0);
    const res = await mp.checkTx(t);
    expect(res).toMatchObject({ code: CODE_OK, status: "pending", gasWanted: 1000 });
    expect(res.hash).toEqual(hashOf(t));
    expect(mp.size()).toBe(1);
    expect(mp.sizeBytes()).toBe(t.length);
    expect(mp.has(hashOf(t))).toBe(true);
    expect(mp.reap(-1, -1)).toEqual([t]);
    expect(mp.counters.admitted).toBe(1);
  });

  it("hands out its own copy of a held tx (pending or parked) for equal bytes, and nothing once it is gone", async () => {
    const { app, mp } = setup();
    const pending = tx(A, 0);
    const parked = tx(B, 1);
    await mp.checkTx(pending);
    expect((await mp.checkTx(parked)).status).toBe("parked");
    for (const held of [pending, parked]) {
      const copy = held.slice();
      expect(mp.heldCopy(copy)).toBe(held);
    }
    expect(mp.heldCopy(tx(C, 0))).toBeUndefined();
    await commitBlock(app, mp, 1, [pending]);
    expect(mp.heldCopy(pending.slice())).toBeUndefined();
    expect(mp.heldCopy(parked.slice())).toBe(parked);
  });

  it("refuses oversized and empty txs before asking the app", async () => {
    const { app, mp } = setup({ maxTxBytes: 100 });
    const big = tx(A, 0, { memo: "x".repeat(200) });
    await expect(mp.checkTx(big)).rejects.toMatchObject({ code: "MEMPOOL_TX_TOO_LARGE" });
    await expect(mp.checkTx(new Uint8Array(0))).rejects.toMatchObject({ code: "MEMPOOL_TX_EMPTY" });
    expect(app.calls).toHaveLength(0);
    expect(mp.size()).toBe(0);
    expect(mp.counters.rejected).toEqual({ MEMPOOL_TX_TOO_LARGE: 1, MEMPOOL_TX_EMPTY: 1 });
  });

  it("turns away duplicates from the cache, even one sent while the first is being checked", async () => {
    const { app, mp } = setup();
    const t = tx(A, 0);
    const first = mp.checkTx(t);
    const second = mp.checkTx(t);
    await expect(second).rejects.toMatchObject({ code: "MEMPOOL_TX_IN_CACHE" });
    await expect(second).rejects.toThrow(/already in the mempool\/cache/);
    expect((await first).status).toBe("pending");
    await expect(mp.checkTx(t)).rejects.toMatchObject({ code: "MEMPOOL_TX_IN_CACHE" });
    expect(app.calls).toHaveLength(1);
    expect(mp.size()).toBe(1);
  });

  it("forgets app-rejected txs so the same bytes can be resubmitted once valid", async () => {
    const { app, mp } = setup({}, []);
    const t = tx(A, 0);
    const res = await mp.checkTx(t);
    expect(res).toMatchObject({ code: CODE_INSUFFICIENT_FUNDS, status: "rejected" });
    expect(mp.size()).toBe(0);
    expect(mp.counters.rejected[`app:${CODE_INSUFFICIENT_FUNDS}`]).toBe(1);
    app.fund(addressOf(A), 10_000n);
    expect((await mp.checkTx(t)).status).toBe("pending");
  });

  it("enforces the tx-count limit without asking the app, and frees room after a block", async () => {
    const { app, mp } = setup({ maxTxs: 2 });
    const [a0, b0, c0] = [tx(A, 0), tx(B, 0), tx(C, 0)];
    await mp.checkTx(a0);
    await mp.checkTx(b0);
    const calls = app.calls.length;
    await expect(mp.checkTx(c0)).rejects.toMatchObject({ code: "MEMPOOL_FULL" });
    expect(app.calls.length).toBe(calls);
    expect(mp.size()).toBe(2);
    await commitBlock(app, mp, 1, [a0]);
    expect((await mp.checkTx(c0)).status).toBe("pending");
    expect(mp.size()).toBe(2);
  });

  it("enforces the total-bytes limit", async () => {
    const [a0, b0, c0] = [tx(A, 0), tx(B, 0), tx(C, 0)];
    const { mp } = setup({ maxTxsBytes: a0.length + b0.length + c0.length - 1 });
    await mp.checkTx(a0);
    await mp.checkTx(b0);
    await expect(mp.checkTx(c0)).rejects.toThrow(/mempool is full/);
    expect(mp.sizeBytes()).toBe(a0.length + b0.length);
    expect(mp.has(hashOf(c0))).toBe(false);
  });

  it("reports an app failure as MEMPOOL_APP_ERROR and lets the tx be retried", async () => {
    const { app, mp } = setup();
    const t = tx(A, 0);
    app.failNext = new Error("disk unavailable");
    await expect(mp.checkTx(t)).rejects.toMatchObject({ code: "MEMPOOL_APP_ERROR" });
    expect(mp.size()).toBe(0);
    expect((await mp.checkTx(t)).status).toBe("pending");
  });

  it("refuses callers beyond the check queue bound with MEMPOOL_BUSY", async () => {
    const { app, mp } = setup({ maxQueuedChecks: 1 });
    const pause = app.pauseNext("new");
    const first = mp.checkTx(tx(A, 0));
    await pause.reached;
    const b0 = tx(B, 0);
    await expect(mp.checkTx(b0)).rejects.toMatchObject({ code: "MEMPOOL_BUSY" });
    pause.release();
    expect((await first).status).toBe("pending");
    // The refused tx was not left in the cache.
    expect((await mp.checkTx(b0)).status).toBe("pending");
  });
});

describe("mempool parking of future nonces", () => {
  it("parks future nonces and promotes them in nonce order when the gap fills", async () => {
    const { app, mp } = setup();
    const [a0, a1, a2] = [tx(A, 0), tx(A, 1), tx(A, 2)];
    const r2 = await mp.checkTx(a2);
    const r1 = await mp.checkTx(a1);
    expect(r2).toMatchObject({ code: CODE_OK, status: "parked" });
    expect(r1.status).toBe("parked");
    expect(r1.log).toMatch(/parked/);
    expect([mp.size(), mp.parkedSize(), mp.pendingSize()]).toEqual([2, 2, 0]);
    expect(mp.reap(-1, -1)).toEqual([]);
    await expect(mp.checkTx(a1)).rejects.toMatchObject({ code: "MEMPOOL_TX_IN_CACHE" });

    expect((await mp.checkTx(a0)).status).toBe("pending");
    expect([mp.size(), mp.parkedSize(), mp.pendingSize()]).toEqual([3, 0, 3]);
    expect(mp.reap(-1, -1)).toEqual([a0, a1, a2]);
    expect(checkCalls(app, A).map((c) => c.nonce)).toEqual([2, 1, 0, 1, 2]);
    expect(app.account(addressOf(A), "check").nonce).toBe(3);
    expect(mp.counters).toMatchObject({ admitted: 1, parked: 2, promoted: 2 });
  });

  it("bounds parking per sender and refuses a second tx for an already parked nonce", async () => {
    const { mp } = setup({ maxParkedPerSender: 2 });
    await mp.checkTx(tx(A, 1));
    await mp.checkTx(tx(A, 2));
    const a3 = tx(A, 3);
    await expect(mp.checkTx(a3)).rejects.toMatchObject({ code: "MEMPOOL_SENDER_PARKED_FULL" });
    await expect(mp.checkTx(tx(A, 1, { memo: "again" }))).rejects.toMatchObject({
      code: "MEMPOOL_NONCE_PARKED",
    });
    expect(mp.parkedSize()).toBe(2);
    // Once the gap is filled the refused tx is welcome (it was not left in the cache).
    await mp.checkTx(tx(A, 0));
    expect((await mp.checkTx(a3)).status).toBe("pending");
    expect(mp.pendingSize()).toBe(4);
  });

  it("does not park when parking is disabled: the app's refusal comes back", async () => {
    const { mp } = setup({ maxParkedPerSender: 0 });
    const res = await mp.checkTx(tx(A, 1));
    expect(res).toMatchObject({ code: CODE_BAD_NONCE, status: "rejected", nonceAhead: true });
    expect(mp.size()).toBe(0);
  });

  it("counts parked txs against the global limit and evicts them for executable txs", async () => {
    const { mp } = setup({ maxTxs: 3 });
    const [a1, a2] = [tx(A, 1), tx(A, 2)];
    await mp.checkTx(a1);
    await mp.checkTx(a2);
    await mp.checkTx(tx(B, 0));
    expect(mp.size()).toBe(3);
    // A future-nonce tx cannot push anything out.
    await expect(mp.checkTx(tx(D, 1))).rejects.toMatchObject({ code: "MEMPOOL_FULL" });
    // An executable one evicts the highest parked nonce of the sender parking the most.
    expect((await mp.checkTx(tx(C, 0))).status).toBe("pending");
    expect(mp.size()).toBe(3);
    expect(mp.has(hashOf(a2))).toBe(false);
    expect(mp.has(hashOf(a1))).toBe(true);
    expect(mp.counters.evicted).toBe(1);
  });
});

describe("mempool reaping", () => {
  it("reaps in arrival order across senders and stops at the gas and byte limits", async () => {
    const { mp } = setup();
    const a0 = tx(A, 0, { gasLimit: 1000 });
    const b0 = tx(B, 0, { gasLimit: 3000 });
    const a1 = tx(A, 1, { gasLimit: 1000 });
    const b1 = tx(B, 1, { gasLimit: 1000 });
    for (const t of [a0, b0, a1, b1]) await mp.checkTx(t);
    expect(mp.reap(-1, -1)).toEqual([a0, b0, a1, b1]);
    expect(mp.reap(-1, 4000)).toEqual([a0, b0]);
    // Stops at b0 rather than skipping ahead to a1, which would still fit.
    expect(mp.reap(-1, 3999)).toEqual([a0]);
    const twoBytes = encodedTxSize(a0.length) + encodedTxSize(b0.length);
    expect(mp.reap(twoBytes, -1)).toEqual([a0, b0]);
    expect(mp.reap(twoBytes - 1, -1)).toEqual([a0]);
    expect(mp.reap(0, -1)).toEqual([]);
    expect(mp.size()).toBe(4);
    expect(() => mp.reap(-2, -1)).toThrow(expect.objectContaining({ code: "MEMPOOL_BAD_ARGUMENT" }));
  });

  it("reaps a promoted parked tx after its sender's earlier nonce, not at its arrival slot", async () => {
    const { mp } = setup();
    const [a0, a1, b0] = [tx(A, 0), tx(A, 1), tx(B, 0)];
    await mp.checkTx(a1);
    await mp.checkTx(b0);
    await mp.checkTx(a0);
    expect(mp.reap(-1, -1)).toEqual([b0, a0, a1]);
    expect(mp.reap(-1, 2000)).toEqual([b0, a0]);
  });

  it("passes over a tx that can never fit, with its sender's later nonces", async () => {
    const { mp } = setup();
    const a0 = tx(A, 0, { gasLimit: 5000 });
    const a1 = tx(A, 1, { gasLimit: 10 });
    const b0 = tx(B, 0, { gasLimit: 10 });
    for (const t of [a0, a1, b0]) await mp.checkTx(t);
    expect(mp.reap(-1, 1000)).toEqual([b0]);
  });

  it("lists unconfirmed txs: pending in reap order, then parked", async () => {
    const { mp } = setup();
    const [a0, b2, c0] = [tx(A, 0), tx(B, 2), tx(C, 0)];
    for (const t of [a0, b2, c0]) await mp.checkTx(t);
    expect(mp.unconfirmedTxs()).toEqual([a0, c0, b2]);
    expect(mp.unconfirmedTxs(2)).toEqual([a0, c0]);
  });
});

describe("mempool update after a block", () => {
  it("removes committed txs, keeps their hashes cached and rechecks the rest", async () => {
    const { app, mp } = setup();
    const [a0, a1, b0] = [tx(A, 0), tx(A, 1), tx(B, 0)];
    for (const t of [a0, a1, b0]) await mp.checkTx(t);
    await commitBlock(app, mp, 1, [a0, b0]);
    expect(mp.height).toBe(1);
    expect(mp.size()).toBe(1);
    expect(mp.has(hashOf(a0))).toBe(false);
    expect(mp.reap(-1, -1)).toEqual([a1]);
    expect(mp.counters.committed).toBe(2);
    expect(app.calls.filter((c) => c.mode === "recheck").map((c) => c.nonce)).toEqual([1]);
    const before = app.calls.length;
    await expect(mp.checkTx(a0)).rejects.toMatchObject({ code: "MEMPOOL_TX_IN_CACHE" });
    expect(app.calls.length).toBe(before);
  });

  it("drops txs the committed block invalidated", async () => {
    const { app, mp } = setup({}, []);
    app.fund(addressOf(A), 2000n); // fees for exactly two txs
    const [a0, a1] = [tx(A, 0), tx(A, 1)];
    await mp.checkTx(a0);
    await mp.checkTx(a1);
    // Another node's block spent nonce 0 on a different tx that also moves 500.
    const other = tx(A, 0, { amount: 500n });
    const [res] = await commitBlock(app, mp, 1, [other]);
    expect(res?.code).toBe(CODE_OK);
    expect(mp.size()).toBe(0);
    expect(mp.counters.recheckDropped).toBe(2);
    expect(checkCalls(app, A).filter((c) => c.mode === "recheck")).toHaveLength(2);
    // Dropped txs left the cache: resubmitting reaches the app again (and fails there).
    expect((await mp.checkTx(a1)).code).toBe(CODE_INSUFFICIENT_FUNDS);
  });

  it("parks the successors of a tx dropped on recheck and promotes them when it is resent", async () => {
    const { app, mp } = setup();
    const [a0, a1, a2] = [tx(A, 0), tx(A, 1), tx(A, 2)];
    for (const t of [a0, a1, a2]) await mp.checkTx(t);
    app.failNext = new Error("transient"); // a0's recheck fails
    await commitBlock(app, mp, 1, []);
    expect([mp.pendingSize(), mp.parkedSize()]).toEqual([0, 2]);
    expect(mp.has(hashOf(a0))).toBe(false);
    expect((await mp.checkTx(a0)).status).toBe("pending");
    expect(mp.reap(-1, -1)).toEqual([a0, a1, a2]);
  });

  it("without recheck only removes committed txs", async () => {
    const { app, mp } = setup({ recheck: false });
    const [a0, a1, b0] = [tx(A, 0), tx(A, 1), tx(B, 0)];
    for (const t of [a0, a1, b0]) await mp.checkTx(t);
    await commitBlock(app, mp, 1, [a0]);
    expect(app.calls.some((c) => c.mode === "recheck")).toBe(false);
    expect(mp.reap(-1, -1)).toEqual([a1, b0]);
  });

  it("retries parked txs whose gap a committed block filled", async () => {
    const { app, mp } = setup();
    const seen: number[] = [];
    mp.onTxsAvailable((h) => seen.push(h));
    const a1 = tx(A, 1);
    expect((await mp.checkTx(a1)).status).toBe("parked");
    await commitBlock(app, mp, 1, [tx(A, 0)]);
    expect(mp.reap(-1, -1)).toEqual([a1]);
    expect(mp.parkedSize()).toBe(0);
    expect(seen).toEqual([2]);
  });

  it("refuses misaligned update arguments without touching the pool", async () => {
    const { mp } = setup();
    await mp.checkTx(tx(A, 0));
    await expect(mp.update(1, [tx(A, 0)], [])).rejects.toMatchObject({ code: "MEMPOOL_BAD_ARGUMENT" });
    expect(mp.size()).toBe(1);
  });

  it("runs a checkTx that arrives during an update's recheck only after it", async () => {
    const { app, mp } = setup();
    const [a0, a1, a2] = [tx(A, 0), tx(A, 1), tx(A, 2)];
    await mp.checkTx(a0);
    await mp.checkTx(a1);
    // An empty block: the app's check state is reset to nonce 0, so a2 only passes after
    // the recheck has replayed a0 and a1.
    const results = await app.executeBlock([]);
    await app.commit();
    const pause = app.pauseNext("recheck");
    const updating = mp.update(1, [], results);
    await pause.reached;
    const late = mp.checkTx(a2);
    pause.release();
    await updating;
    expect((await late).status).toBe("pending");
    expect(checkCalls(app, A).map((c) => `${c.mode}:${c.nonce}`)).toEqual([
      "new:0",
      "new:1",
      "recheck:0",
      "recheck:1",
      "new:2",
    ]);
    expect(app.maxInFlight).toBe(1);
  });

  it("lets no checkTx in between the app's commit and the mempool update", async () => {
    const { app, mp } = setup();
    const [a0, a1, b0] = [tx(A, 0), tx(A, 1), tx(B, 0)];
    await mp.checkTx(a0);
    await mp.checkTx(b0);
    const results = await app.executeBlock([a0]);
    let late: Promise<unknown> | undefined;
    await mp.commitAndUpdate(
      async () => {
        late = mp.checkTx(a1);
        return app.commit();
      },
      1,
      [a0],
      results,
    );
    expect(await late).toMatchObject({ status: "pending" });
    const order = app.calls.filter((c) => c.mode !== "deliver").map((c) => `${c.mode}:${c.commits}`);
    expect(order).toEqual(["new:0", "new:0", "recheck:1", "new:1"]);
  });
});

describe("mempool notifications and flush", () => {
  it("signals available txs once per height", async () => {
    const { app, mp } = setup();
    const seen: number[] = [];
    const off = mp.onTxsAvailable((h) => seen.push(h));
    const [a0, b0] = [tx(A, 0), tx(B, 0)];
    await mp.checkTx(a0);
    await mp.checkTx(b0);
    expect(seen).toEqual([1]);
    await commitBlock(app, mp, 1, [a0]);
    expect(seen).toEqual([1, 2]);
    await commitBlock(app, mp, 2, [b0]);
    expect(seen).toEqual([1, 2]);
    off();
    await mp.checkTx(tx(A, 1));
    expect(seen).toEqual([1, 2]);
  });

  it("wakes a waiting proposer on the first executable tx, not on a parked one", async () => {
    const { mp } = setup();
    let woke = false;
    const waiting = mp.waitForTxs().then(() => {
      woke = true;
    });
    await mp.checkTx(tx(A, 1));
    expect(woke).toBe(false);
    await mp.checkTx(tx(A, 0));
    await waiting;
    expect(woke).toBe(true);
    await expect(mp.waitForTxs()).resolves.toBeUndefined();
  });

  it("rejects a wait when its signal aborts", async () => {
    const { mp } = setup();
    const ctl = new AbortController();
    const waiting = mp.waitForTxs(ctl.signal);
    ctl.abort();
    await expect(waiting).rejects.toMatchObject({ code: "MEMPOOL_WAIT_ABORTED" });
  });

  it("flush drops every tx and forgets the cache", async () => {
    const { mp } = setup();
    const a0 = tx(A, 0);
    await mp.checkTx(a0);
    await mp.checkTx(tx(B, 3));
    await mp.flush();
    expect([mp.size(), mp.sizeBytes(), mp.parkedSize()]).toEqual([0, 0, 0]);
    // Not a cache hit any more: the app sees it (and refuses the used nonce).
    expect(await mp.checkTx(a0)).toMatchObject({ status: "rejected", code: CODE_BAD_NONCE });
  });
});
