/**
 * `@cosmjs/tendermint-rpc`'s Comet38Client, unchanged, against a real node (child process):
 * every call the issue lists over HTTP, tx_search by sender / height range / pages, and
 * websocket subscriptions to NewBlock, NewBlockHeader and Tx that see every block and every
 * matching tx in order while transfers are being committed.
 */
import { rmSync } from "node:fs";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSendTx, DccnClient, type TxOutcome } from "../../src/client/index.js";
import { fromHex, toHex, toHexUpper, utf8 } from "../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../src/crypto/address.js";
import { PrivateKey } from "../../src/crypto/ed25519.js";
import { sha256 } from "../../src/crypto/hash.js";
import { initTestHome, NodeProcess, type TestHome, waitForHeight } from "./harness.js";

const CHAIN_ID = "e2e-rpc-cosmjs";
const key = (i: number) => PrivateKey.fromSeed(new Uint8Array(32).fill(0x60 + i));
const [alice, bob, carol] = [key(0), key(1), key(2)];
const addr = (k: PrivateKey) => toBech32(addressFromPublicKey(k.publicKey));
const ANKR = 10n ** 18n;

let th: TestHome;
let node: NodeProcess;
let client: DccnClient;
let http: Comet38Client;
/** Transfers committed in beforeAll: alice → bob ×3, bob → carol ×2. */
const committed: { from: string; out: TxOutcome }[] = [];

beforeAll(async () => {
  th = await initTestHome("rpc-cosmjs", {
    chainId: CHAIN_ID,
    accounts: [alice, bob, carol].map((k) => ({ address: addr(k), balance: 1000n * ANKR })),
  });
  node = new NodeProcess(th.home, th.rpcPort);
  await node.start();
  await waitForHeight(node.rpcUrl, 1);
  client = new DccnClient(node.rpcUrl);
  for (const [from, to] of [
    [alice, bob],
    [alice, bob],
    [bob, carol],
    [alice, bob],
    [bob, carol],
  ] as const) {
    const out = await client.send({
      key: from,
      to: addr(to),
      amount: 1n * ANKR,
      wait: { pollIntervalMs: 50 },
    });
    expect(out.code).toBe(0);
    committed.push({ from: addr(from), out });
  }
  http = await Comet38Client.connect(node.rpcUrl);
});

afterAll(async () => {
  http?.disconnect();
  await node?.stop();
  if (th) rmSync(th.home, { recursive: true, force: true });
});

describe("Comet38Client over HTTP against a node", () => {
  it("status, abciInfo, abciQuery and numUnconfirmedTxs", async () => {
    const status = await http.status();
    expect(status.nodeInfo.network).toBe(CHAIN_ID);
    expect(status.syncInfo.latestBlockHeight).toBeGreaterThanOrEqual(committed.at(-1)!.out.height);
    expect(status.validatorInfo.votingPower).toBe(10n);

    const info = await http.abciInfo();
    expect(info.lastBlockHeight).toBeGreaterThan(0);
    const q = await http.abciQuery({ path: `/account/${addr(carol)}`, data: new Uint8Array(0) });
    expect(q.code).toBe(0);
    const account = JSON.parse(Buffer.from(q.value).toString("utf8")) as { balance: string };
    expect(account.balance).toBe((1002n * ANKR).toString());
    expect((await http.numUnconfirmedTxs()).total).toBeGreaterThanOrEqual(0);
  });

  it("block, blockResults, blockchain, commit, validators and genesis", async () => {
    const first = committed[0]!.out;
    const block = await http.block(first.height);
    expect(block.block.header.chainId).toBe(CHAIN_ID);
    expect(block.block.txs.map((t) => toHexUpper(sha256(t)))).toContain(first.hash);

    const results = await http.blockResults(first.height);
    const transfer = results.results
      .flatMap((r) => r.events)
      .find((e) => e.type === "transfer" && e.attributes.some((a) => a.value === addr(alice)));
    expect(transfer).toBeDefined();

    const top = (await http.status()).syncInfo.latestBlockHeight;
    const chain = await http.blockchain(Math.max(1, top - 4), top);
    expect(chain.blockMetas.map((m) => m.header.height)).toStrictEqual(
      Array.from({ length: Math.min(5, top) }, (_, i) => top - i),
    );

    const commit = await http.commit(first.height);
    expect(commit.canonical).toBe(true);
    expect(commit.commit.height).toBe(first.height);
    expect(toHex(commit.commit.blockId.hash)).toBe(toHex(block.blockId.hash));
    expect(commit.commit.signatures).toHaveLength(1);

    const vals = await http.validators({});
    expect(vals.total).toBe(1);
    expect(toHex(vals.validators[0]!.address)).toBe(toHex(commit.commit.signatures[0]!.validatorAddress!));

    const genesis = await http.genesis();
    expect(genesis.chainId).toBe(CHAIN_ID);
    expect(genesis.validators).toHaveLength(1);
  });

  it("tx, txSearch by sender, by height range and paged, and blockSearch", async () => {
    const [t0] = committed;
    const found = await http.tx({ hash: fromHex(t0!.out.hash) });
    expect(found.height).toBe(t0!.out.height);
    expect(toHexUpper(sha256(found.tx))).toBe(t0!.out.hash);

    const fromAlice = committed.filter((c) => c.from === addr(alice)).map((c) => c.out.hash);
    const byAlice = await http.txSearch({ query: `transfer.sender='${addr(alice)}'` });
    expect(byAlice.totalCount).toBe(3);
    expect(byAlice.txs.map((t) => toHexUpper(t.hash))).toStrictEqual(fromAlice);

    const lo = committed[1]!.out.height;
    const hi = committed[3]!.out.height;
    const range = await http.txSearch({
      query: `tx.height >= ${lo} AND tx.height <= ${hi}`,
      order_by: "desc",
    });
    expect(range.txs.map((t) => toHexUpper(t.hash))).toStrictEqual(
      committed
        .slice(1, 4)
        .map((c) => c.out.hash)
        .reverse(),
    );

    const page1 = await http.txSearch({ query: `transfer.sender='${addr(alice)}'`, per_page: 2, page: 1 });
    const page2 = await http.txSearch({ query: `transfer.sender='${addr(alice)}'`, per_page: 2, page: 2 });
    expect(page1.totalCount).toBe(3);
    expect([...page1.txs, ...page2.txs].map((t) => toHexUpper(t.hash))).toStrictEqual(fromAlice);

    const blocks = await http.blockSearch({ query: `block.height >= ${lo} AND block.height <= ${hi}` });
    expect(blocks.totalCount).toBe(hi - lo + 1);
    expect(blocks.blocks.map((b) => b.block.header.height)).toStrictEqual(
      Array.from({ length: hi - lo + 1 }, (_, i) => lo + i),
    );
  });

  it("broadcastTxSync, broadcastTxAsync and broadcastTxCommit", async () => {
    const nonce = (await client.getAccount(addr(carol))).nonce;
    const tx = (n: number) =>
      buildSendTx({ key: carol, chainId: CHAIN_ID, nonce: nonce + n, to: addr(alice), amount: 1n }).bytes;
    const sync = await http.broadcastTxSync({ tx: tx(0) });
    expect(sync.code).toBe(0);
    const asyncRes = await http.broadcastTxAsync({ tx: tx(1) });
    expect(toHex(asyncRes.hash)).toBe(toHex(sha256(tx(1))));
    const commit = await http.broadcastTxCommit({ tx: tx(2) });
    expect(commit.checkTx.code).toBe(0);
    expect(commit.txResult?.code).toBe(0);
    expect(commit.height).toBeGreaterThan(0);
    const bad = await http.broadcastTxSync({ tx: utf8("not a tx") });
    expect(bad.code).not.toBe(0);
    // All three landed, in nonce order.
    expect((await client.getAccount(addr(carol))).nonce).toBe(nonce + 3);
  });
});

type Stream<T> = {
  subscribe(l: { next: (v: T) => void; error: (e: unknown) => void; complete: () => void }): {
    unsubscribe(): void;
  };
};

/** Collects a stream's events; `until(test)` resolves once `test(items)` holds. */
function collect<T>(stream: Stream<T>) {
  const items: T[] = [];
  const waiters: { test: (items: T[]) => boolean; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const sub = stream.subscribe({
    next: (v) => {
      items.push(v);
      for (const w of waiters.filter((x) => x.test(items))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    error: (e) => {
      for (const w of waiters.splice(0)) w.reject(e);
    },
    complete: () => {},
  });
  return {
    items,
    until: (test: (items: T[]) => boolean) =>
      new Promise<void>((resolve, reject) => {
        if (test(items)) resolve();
        else waiters.push({ test, resolve, reject });
      }),
    stop: () => sub.unsubscribe(),
  };
}

describe("Comet38Client subscriptions against a node", () => {
  it("receives every NewBlock, NewBlockHeader and Tx in order, and only the txs matching its query", async () => {
    const ws = await Comet38Client.connect(node.rpcUrl.replace(/^http/, "ws"));
    try {
      const blocks = collect(
        ws.subscribeNewBlock() as unknown as Stream<{ header: { height: number }; txs: Uint8Array[] }>,
      );
      const headers = collect(ws.subscribeNewBlockHeader() as unknown as Stream<{ height: number }>);
      const txs = collect(ws.subscribeTx() as unknown as Stream<{ height: number; hash: Uint8Array }>);
      const fromBob = collect(
        ws.subscribeTx(`transfer.sender='${addr(bob)}'`) as unknown as Stream<{ hash: Uint8Array }>,
      );
      // Requests on one connection are handled in order: once this answers, all four are live.
      await ws.abciInfo();

      const sent: TxOutcome[] = [];
      for (let i = 0; i < 6; i++) {
        const from = i % 3 === 1 ? bob : alice;
        const out = await client.send({
          key: from,
          to: addr(carol),
          amount: BigInt(i + 1),
          wait: { pollIntervalMs: 50 },
        });
        sent.push(out);
      }
      const lastHeight = sent.at(-1)!.height;
      const bobHashes = sent.filter((_, i) => i % 3 === 1).map((o) => o.hash);
      await Promise.all([
        blocks.until((b) => b.some((x) => x.header.height >= lastHeight)),
        headers.until((h) => h.some((x) => x.height >= lastHeight)),
        txs.until((t) => t.length >= sent.length),
        fromBob.until((t) => t.length >= bobHashes.length),
      ]);

      // Blocks and headers: consecutive heights, no gaps or repeats, up to the last tx's block.
      const consecutive = (hs: number[]) =>
        expect(hs).toStrictEqual(Array.from({ length: hs.length }, (_, i) => hs[0]! + i));
      consecutive(blocks.items.map((b) => b.header.height));
      consecutive(headers.items.map((h) => h.height));
      expect(blocks.items[0]!.header.height).toBeLessThanOrEqual(sent[0]!.height);
      expect(headers.items[0]!.height).toBeLessThanOrEqual(sent[0]!.height);
      // Each tx came in the block the node says, in the order they were committed.
      expect(txs.items.map((t) => toHexUpper(t.hash))).toStrictEqual(sent.map((o) => o.hash));
      expect(txs.items.map((t) => t.height)).toStrictEqual(sent.map((o) => o.height));
      for (const o of sent) {
        const b = blocks.items.find((x) => x.header.height === o.height)!;
        expect(b.txs.map((t) => toHexUpper(sha256(t)))).toContain(o.hash);
      }
      expect(fromBob.items.map((t) => toHexUpper(t.hash))).toStrictEqual(bobHashes);
      for (const c of [blocks, headers, txs, fromBob]) c.stop();
    } finally {
      ws.disconnect();
    }
  });
});
