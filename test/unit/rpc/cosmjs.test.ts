/**
 * `@cosmjs/tendermint-rpc`'s Comet38Client, unchanged, against the server (real indexer on a
 * temp LevelDB, real EventBus fed real signed blocks): every call cosmjs wallets make, over
 * HTTP and over the websocket, and subscriptions to NewBlock, NewBlockHeader and Tx that
 * receive every event in order.
 */
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex, utf8 } from "../../../src/codec/bytes.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { headerHash } from "../../../src/types/block.js";
import { CHAIN_ID, makeTx, type TestChain } from "./fixture.js";
import { type IndexedServer, senderOf, startIndexedServer } from "./indexed.js";

let s: IndexedServer;
let chain: TestChain;
let http: Comet38Client;

beforeAll(async () => {
  s = await startIndexedServer();
  chain = s.chain;
  const [a, b] = [chain.keys[0]!, chain.keys[1]!];
  chain.produceBlock([makeTx(a, 0), makeTx(b, 0)]);
  chain.produceBlock([makeTx(a, 1)]);
  chain.produceBlock([]);
  chain.produceBlock([makeTx(b, 1), makeTx(a, 2)]);
  http = await Comet38Client.connect(s.server.url);
});

afterAll(async () => {
  http.disconnect();
  await s.close();
});

const hexOf = (b: Uint8Array) => toHex(b);

describe("Comet38Client over HTTP", () => {
  it("status, abciInfo and abciQuery", async () => {
    const status = await http.status();
    expect(status.nodeInfo.network).toBe(CHAIN_ID);
    expect(status.syncInfo.latestBlockHeight).toBe(4);
    expect(hexOf(status.syncInfo.latestBlockHash)).toBe(
      hexOf(headerHash(chain.blockStore.blocks.get(4)!.header)),
    );
    expect(status.validatorInfo.votingPower).toBe(10n);

    const info = await http.abciInfo();
    expect(info.lastBlockHeight).toBe(4);
    const q = await http.abciQuery({ path: "/echo", data: utf8("hi"), prove: true });
    expect(q.code).toBe(0);
    expect(Buffer.from(q.value).toString()).toBe("echo:hi");
    expect(q.proof?.ops[0]?.type).toBe("test:echo");
  });

  it("block, blockResults, blockchain, commit, validators and genesis", async () => {
    const block = await http.block(1);
    expect(block.block.header.height).toBe(1);
    expect(block.block.txs).toStrictEqual(chain.blockStore.blocks.get(1)!.txs);
    expect(hexOf(block.blockId.hash)).toBe(hexOf(headerHash(chain.blockStore.blocks.get(1)!.header)));
    expect((await http.block()).block.header.height).toBe(4);

    const results = await http.blockResults(2);
    expect(results.height).toBe(2);
    expect(results.results.map((r) => r.code)).toStrictEqual([0]);
    expect(results.results[0]?.events.findLast((e) => e.type === "transfer")?.attributes[0]?.value).toBe(
      senderOf(chain, 0),
    );
    expect(results.validatorUpdates).toHaveLength(1);
    expect(results.finalizeBlockEvents.map((e) => e.type)).toStrictEqual(["begin", "end"]);

    const bc = await http.blockchain(2, 4);
    expect(bc.lastHeight).toBe(4);
    expect(bc.blockMetas.map((m) => m.header.height)).toStrictEqual([4, 3, 2]);

    const commit = await http.commit(3);
    expect(commit.canonical).toBe(true);
    expect(commit.commit.height).toBe(3);
    expect(commit.commit.signatures).toHaveLength(3);

    const vals = await http.validators({});
    expect(vals.total).toBe(3);
    expect(vals.validators.map((v) => hexOf(v.address))).toStrictEqual(
      chain.valset.validators.map((v) => hexOf(v.address)),
    );

    const genesis = await http.genesis();
    expect(genesis.chainId).toBe(CHAIN_ID);
    expect(genesis.validators).toHaveLength(3);
  });

  it("tx, txSearch (by sender, by height range, paged) and blockSearch", async () => {
    const tx = chain.blockStore.blocks.get(4)!.txs[1]!;
    const found = await http.tx({ hash: sha256(tx) });
    expect(found).toMatchObject({ height: 4, index: 1 });
    expect(found.tx).toStrictEqual(tx);

    const alice = senderOf(chain, 0);
    const byAlice = await http.txSearch({ query: `transfer.sender='${alice}'` });
    expect(byAlice.totalCount).toBe(3);
    expect(byAlice.txs.map((t) => [t.height, t.index])).toStrictEqual([
      [1, 0],
      [2, 0],
      [4, 1],
    ]);
    const range = await http.txSearch({ query: "tx.height >= 2 AND tx.height <= 4", order_by: "desc" });
    expect(range.txs.map((t) => [t.height, t.index])).toStrictEqual([
      [4, 1],
      [4, 0],
      [2, 0],
    ]);
    const page2 = await http.txSearch({ query: `transfer.sender='${alice}'`, per_page: 2, page: 2 });
    expect(page2.totalCount).toBe(3);
    expect(page2.txs.map((t) => t.height)).toStrictEqual([4]);
    const all = await http.txSearchAll({ query: "tm.event='Tx'", per_page: 2 });
    expect(all.totalCount).toBe(5);

    const blocks = await http.blockSearch({ query: "block.height >= 2 AND end.height <= 3" });
    expect(blocks.totalCount).toBe(2);
    expect(blocks.blocks.map((b) => b.block.header.height)).toStrictEqual([2, 3]);
  });

  it("broadcastTxSync, broadcastTxAsync, numUnconfirmedTxs and broadcastTxCommit", async () => {
    const sync = await http.broadcastTxSync({ tx: makeTx(chain.keys[2]!, 0) });
    expect(sync.code).toBe(0);
    const async = await http.broadcastTxAsync({ tx: makeTx(chain.keys[2]!, 1) });
    expect(hexOf(async.hash)).toBe(hexOf(sha256(makeTx(chain.keys[2]!, 1))));
    await chain.mempool.checkTx(makeTx(chain.keys[2]!, 5)).catch(() => undefined);
    expect((await http.numUnconfirmedTxs()).total).toBe(chain.mempool.size());
    expect(chain.mempool.size()).toBeGreaterThanOrEqual(2);
    chain.produceBlock(chain.mempool.pending.slice());

    s.autoCommit(true);
    try {
      const tx = makeTx(chain.keys[2]!, 2);
      const committed = await http.broadcastTxCommit({ tx });
      expect(committed.checkTx.code).toBe(0);
      expect(committed.height).toBe(chain.height);
      expect(committed.txResult?.code).toBe(0);
      expect((await http.tx({ hash: sha256(tx) })).height).toBe(committed.height);
    } finally {
      s.autoCommit(false);
    }
    const bad = await http.broadcastTxSync({ tx: utf8("not a tx") });
    expect(bad.code).toBe(2);
  });
});

type Stream<T> =
  ReturnType<Comet38Client["subscribeNewBlock"]> extends infer S
    ? S extends { subscribe: unknown }
      ? {
          subscribe(l: { next: (v: T) => void; error: (e: unknown) => void; complete: () => void }): {
            unsubscribe(): void;
          };
        }
      : never
    : never;

/** Collects a stream's events; `until(n)` resolves once n have arrived. */
function collect<T>(stream: Stream<T>) {
  const items: T[] = [];
  let waiter: { n: number; resolve: () => void } | null = null;
  let failure: unknown = null;
  const sub = stream.subscribe({
    next: (v) => {
      items.push(v);
      if (waiter && items.length >= waiter.n) waiter.resolve();
    },
    error: (e) => {
      failure = e;
      waiter?.resolve();
    },
    complete: () => {},
  });
  return {
    items,
    until: (n: number) =>
      new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure);
        if (items.length >= n) return resolve();
        waiter = { n, resolve: () => (failure ? reject(failure) : resolve()) };
      }),
    stop: () => sub.unsubscribe(),
  };
}

describe("Comet38Client over the websocket", () => {
  it("makes calls and receives every NewBlock, NewBlockHeader and Tx in order", async () => {
    const ws = await Comet38Client.connect(s.server.wsUrl);
    try {
      expect((await ws.status()).syncInfo.latestBlockHeight).toBe(chain.height);
      const bob = senderOf(chain, 1);
      const blocks = collect(
        ws.subscribeNewBlock() as unknown as Stream<{ header: { height: number }; txs: Uint8Array[] }>,
      );
      const headers = collect(ws.subscribeNewBlockHeader() as unknown as Stream<{ height: number }>);
      const txs = collect(ws.subscribeTx() as unknown as Stream<{ height: number; hash: Uint8Array }>);
      const bobs = collect(
        ws.subscribeTx(`transfer.sender='${bob}'`) as unknown as Stream<{ hash: Uint8Array }>,
      );
      // Requests on one connection are handled in order: once this answers, all four are live.
      await ws.abciInfo();

      const start = chain.height;
      const sent: Uint8Array[] = [];
      const bobSent: Uint8Array[] = [];
      for (let i = 0; i < 6; i++) {
        const block = [makeTx(chain.keys[0]!, 100 + i)];
        if (i % 2 === 0) {
          const t = makeTx(chain.keys[1]!, 100 + i);
          block.push(t);
          bobSent.push(t);
        }
        sent.push(...block);
        chain.produceBlock(block);
      }
      await Promise.all([
        blocks.until(6),
        headers.until(6),
        txs.until(sent.length),
        bobs.until(bobSent.length),
      ]);
      const heights = Array.from({ length: 6 }, (_, i) => start + 1 + i);
      expect(blocks.items.map((b) => b.header.height)).toStrictEqual(heights);
      expect(blocks.items[0]?.txs).toStrictEqual(chain.blockStore.blocks.get(start + 1)!.txs);
      expect(headers.items.map((h) => h.height)).toStrictEqual(heights);
      expect(txs.items.map((t) => hexOf(t.hash))).toStrictEqual(sent.map((t) => hexOf(sha256(t))));
      expect(bobs.items.map((t) => hexOf(t.hash))).toStrictEqual(bobSent.map((t) => hexOf(sha256(t))));
      for (const c of [blocks, headers, txs, bobs]) c.stop();
    } finally {
      ws.disconnect();
    }
  });
});
