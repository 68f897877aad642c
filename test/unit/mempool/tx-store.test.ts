import { describe, expect, it } from "vitest";
import { TxCache } from "../../../src/mempool/cache.js";
import { encodedTxSize } from "../../../src/mempool/size.js";
import { type NewEntry, type TxOrder, TxStore } from "../../../src/mempool/tx-store.js";
import { decodeHeader, encodeBlock } from "../../../src/types/block.js";

const order = (sender: number, nonce: number): TxOrder => ({
  sender: new Uint8Array(20).fill(sender),
  senderKey: `s${sender}`,
  nonce,
});

let n = 0;
function entry(o: TxOrder | undefined, size = 10): NewEntry {
  n++;
  const tx = new Uint8Array(size).fill(n);
  return { tx, hash: tx, key: `k${n}`, size, gasWanted: 1, order: o, height: 0 };
}

function parked(o: TxOrder, size = 10): NewEntry & { order: TxOrder } {
  return { ...entry(o, size), order: o };
}

describe("TxStore", () => {
  it("orders pending txs by arrival but moves a sender's later nonce after its earlier one", () => {
    const s = new TxStore();
    const a1 = s.addPending(entry(order(1, 1)));
    const b0 = s.addPending(entry(order(2, 0)));
    const a0 = s.addPending(entry(order(1, 0)));
    const free = s.addPending(entry(undefined));
    const a2 = s.addPending(entry(order(1, 2)));
    expect(s.reapOrder()).toEqual([b0, a0, a1, free, a2]);
  });

  it("keeps counts and bytes consistent across pending, parked and removal", () => {
    const s = new TxStore();
    const p = s.addPending(entry(order(1, 0), 10));
    const q = s.addParked(parked(order(1, 2), 7));
    expect([s.count, s.bytes, s.pendingBytes, s.parkedCount]).toEqual([2, 17, 10, 1]);
    expect(s.remove(q.key)).toBe(q);
    expect(s.remove(q.key)).toBeUndefined();
    expect(s.parkedOf("s1")).toEqual([]);
    expect(s.parkedSenders()).toEqual([]);
    expect(s.remove(p.key)).toBe(p);
    expect([s.count, s.bytes]).toEqual([0, 0]);
  });

  it("evicts the highest parked nonce of the sender parking the most", () => {
    const s = new TxStore();
    s.addParked(parked(order(1, 5)));
    s.addParked(parked(order(2, 9)));
    const worst = s.addParked(parked(order(2, 12)));
    s.addParked(parked(order(2, 10)));
    expect(s.parkedOf("s2").map((e) => e.order?.nonce)).toEqual([9, 10, 12]);
    expect(s.evictionCandidate()).toBe(worst);
    expect(s.parkedAt("s2", 10)?.order?.nonce).toBe(10);
  });
});

describe("TxCache", () => {
  it("evicts the least recently pushed hash and refreshes on a repeat push", () => {
    const c = new TxCache(2);
    expect(c.push("a")).toBe(true);
    expect(c.push("b")).toBe(true);
    expect(c.push("a")).toBe(false); // refreshes a
    expect(c.push("c")).toBe(true); // evicts b
    expect([c.has("a"), c.has("b"), c.has("c")]).toEqual([true, false, true]);
    c.remove("a");
    expect(c.push("a")).toBe(true);
  });

  it("remembers nothing at capacity 0", () => {
    const c = new TxCache(0);
    expect(c.push("a")).toBe(true);
    expect(c.push("a")).toBe(true);
    expect(c.size).toBe(0);
  });
});

describe("encodedTxSize", () => {
  it("matches the bytes a tx adds to an encoded block", () => {
    const header = decodeHeader(new Uint8Array(0));
    const empty = encodeBlock({ header, txs: [], evidence: [], lastCommit: null });
    for (const size of [1, 127, 128, 16_384, 70_000]) {
      const withTx = encodeBlock({ header, txs: [new Uint8Array(size)], evidence: [], lastCommit: null });
      expect(withTx.length - empty.length).toBe(encodedTxSize(size));
    }
  });
});
