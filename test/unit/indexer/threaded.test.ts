/**
 * The event indexer on its worker thread (the built dist/src/indexer/worker-main.js: run
 * `npx tsc -p tsconfig.json` first), on a real LevelDB in a temp dir, fed real signed blocks
 * through the real EventBus: its answers equal the in-process EventIndexer's; a read right
 * after a publish sees the block; catch-up; worker errors keep their code; close() finishes
 * queued blocks; a crashed, missing or misbehaving worker leaves typed errors, not a crash.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex, toHexUpper } from "../../../src/codec/bytes.js";
import { ProtoWriter } from "../../../src/codec/proto.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { isDccnError } from "../../../src/errors.js";
import { IndexerError } from "../../../src/indexer/errors.js";
import { EventIndexer } from "../../../src/indexer/indexer.js";
import { ThreadedIndexer } from "../../../src/indexer/threaded.js";
import { packBlock } from "../../../src/indexer/worker-protocol.js";
import { createLogger, type Logger } from "../../../src/log.js";
import { encodeAbciResponses } from "../../../src/state/abci-responses.js";
import { makeTx, TestChain } from "../rpc/fixture.js";
import { attr, removeTempDbs, richResult, tempDb } from "./fixture.js";

const WORKER_URL = new URL("../../../dist/src/indexer/worker-main.js", import.meta.url);

afterAll(removeTempDbs);

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger("test", { level: "debug", write: (l) => lines.push(l) }), lines };
}

const openThreaded = (path: string, opts: { retainHeights?: number; logger?: Logger } = {}) =>
  ThreadedIndexer.open(path, { ...opts, workerUrl: WORKER_URL });

const hasCode = (code: string) => (e: unknown) => isDccnError(e, code);

function richChain(): TestChain {
  const chain = new TestChain();
  chain.resultFor = richResult;
  chain.endEventsFor = (h) => [
    { type: "reward", attributes: [attr("amount", String(h * 100)), attr("note", "n", false)] },
  ];
  return chain;
}

/** A chain of `n` blocks of two txs each, produced while nobody indexes. */
function chainWith(n: number): { chain: TestChain; blocks: Uint8Array[][] } {
  const chain = richChain();
  const blocks: Uint8Array[][] = [];
  for (let h = 1; h <= n; h++) {
    const block = [makeTx(chain.keys[0]!, h), makeTx(chain.keys[1]!, h)];
    blocks.push(block);
    chain.produceBlock(block);
  }
  return { chain, blocks };
}

const sourceOf = (chain: TestChain) => ({
  loadBlock: (h: number) => chain.blockStore.loadBlock(h),
  loadAbciResponses: (h: number) => chain.stateStore.loadAbciResponses(h),
});

describe("ThreadedIndexer answers as the in-process EventIndexer", () => {
  const chain = richChain();
  let local: EventIndexer;
  let threaded: ThreadedIndexer;
  const txs: Uint8Array[][] = [];

  beforeAll(async () => {
    local = await EventIndexer.open(tempDb());
    threaded = await openThreaded(tempDb());
    local.start(chain.eventBus);
    threaded.start(chain.eventBus);
    const [a, b] = [chain.keys[0]!, chain.keys[1]!];
    const plan = [
      [makeTx(a, 0), makeTx(b, 0)],
      [],
      [makeTx(a, 1), makeTx(b, 1), makeTx(a, 2)],
      [makeTx(b, 2)],
      [makeTx(a, 3)],
    ];
    for (const block of plan) {
      txs.push(block);
      chain.produceBlock(block);
    }
    // Height 6 the way the executor publishes it: with tx hashes and pre-encoded responses.
    const sixth = [makeTx(a, 4), makeTx(b, 3)];
    txs.push(sixth);
    threaded.stop();
    local.stop();
    chain.produceBlock(sixth);
    const block = (await chain.blockStore.loadBlock(6))!;
    const responses = (await chain.stateStore.loadAbciResponses(6))!;
    const encodedResponses = encodeAbciResponses({ ...responses, byzantineValidators: [] });
    await local.indexBlock({ block, ...responses });
    await threaded.indexBlock({
      block,
      ...responses,
      txHashes: sixth.map((t) => sha256(t)),
      encodedResponses,
    });
    await Promise.all([local.idle(), threaded.idle()]);
  });

  afterAll(async () => {
    await Promise.all([local.close(), threaded.close()]);
  });

  it("returns the same tx records by hash and by (height, index)", async () => {
    for (const block of txs) {
      for (const tx of block) {
        const want = await local.getTx(sha256(tx));
        expect(want).toBeDefined();
        expect(await threaded.getTx(sha256(tx))).toStrictEqual(want);
        expect(await threaded.loadTx(want!)).toStrictEqual(await local.loadTx(want!));
      }
    }
    expect(await threaded.getTx(sha256(new Uint8Array([1])))).toBeUndefined();
    expect(await threaded.getTx(new Uint8Array([1, 2]))).toBeUndefined();
    expect(await threaded.loadTx({ height: 2, index: 0 })).toBeUndefined();
    expect(await threaded.lastIndexedHeight()).toBe(6);
    expect(await threaded.baseHeight()).toBe(await local.baseHeight());
  });

  it("finds the same txs and blocks for every kind of query", async () => {
    const alice = toHex(addressFromPublicKey(chain.keys[0]!.publicKey));
    const hash = toHexUpper(sha256(txs[0]![1]!));
    const txQueries = [
      `transfer.sender = '${alice}'`,
      `transfer.sender = '${alice}' AND tx.height >= 2 AND tx.height < 5`,
      "transfer.amount > 30 AND transfer.amount <= 40",
      "transfer.sender = 'other' AND transfer.amount > 500",
      "task.id CONTAINS '-3-'",
      "task.id EXISTS",
      "transfer.memo EXISTS",
      `tx.hash = '${hash}'`,
      "tx.height > 2.5 AND tx.height <= 6",
      "tm.event = 'Tx'",
    ];
    for (const q of txQueries) {
      const want = await local.searchTxs(q);
      expect(await threaded.searchTxs(q), q).toStrictEqual(want);
    }
    expect(await threaded.searchTxs("task.id EXISTS")).toHaveLength(9);
    const blockQueries = [
      "block.height >= 2 AND block.height <= 4",
      "reward.amount > 250",
      "end.height = '2'",
      "tm.event = 'NewBlock'",
    ];
    for (const q of blockQueries) {
      expect(await threaded.searchBlocks(q), q).toStrictEqual(await local.searchBlocks(q));
    }
    expect(await threaded.searchBlocks("tm.event = 'NewBlock'")).toStrictEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rejects a bad query on the calling thread as the QueryError the RPC expects", async () => {
    await expect(threaded.searchTxs("transfer.sender = ")).rejects.toSatisfy(hasCode("QUERY_SYNTAX"));
  });

  it("stops waiting when the caller's signal aborts, and keeps serving", async () => {
    const aborted = new AbortController();
    aborted.abort(new Error("deadline passed"));
    await expect(threaded.searchTxs("task.id EXISTS", aborted.signal)).rejects.toThrow("deadline passed");
    const later = new AbortController();
    const pending = threaded.searchBlocks("reward.amount > 0", later.signal);
    later.abort(new Error("client went away"));
    await expect(pending).rejects.toThrow("client went away");
    expect(await threaded.searchBlocks("reward.amount > 0")).toStrictEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("ThreadedIndexer ordering, catch-up, errors and close", () => {
  it("answers a read issued right after a publish with that block", async () => {
    const chain = richChain();
    const idx = await openThreaded(tempDb());
    idx.start(chain.eventBus);
    for (let h = 1; h <= 4; h++) {
      const tx = makeTx(chain.keys[0]!, h);
      chain.produceBlock([tx]);
      // No idle(): the read travels behind the block on the same channel.
      expect((await idx.getTx(sha256(tx)))?.height).toBe(h);
      expect(await idx.searchBlocks(`block.height = ${h}`)).toStrictEqual([h]);
    }
    await idx.close();
  });

  it("catches up on the heights it missed, within the retained window", async () => {
    const { chain, blocks } = chainWith(5);
    const path = tempDb();
    const idx = await openThreaded(path);
    expect(await idx.catchUp(sourceOf(chain), 3)).toBe(3);
    expect(await idx.catchUp(sourceOf(chain), 5)).toBe(2);
    expect(await idx.catchUp(sourceOf(chain), 5)).toBe(0);
    expect(await idx.searchBlocks("block.height > 0")).toStrictEqual([1, 2, 3, 4, 5]);
    expect((await idx.getTx(sha256(blocks[4]![1]!)))?.index).toBe(1);
    await idx.close();

    const pruned = await openThreaded(tempDb(), { retainHeights: 2 });
    expect(await pruned.catchUp(sourceOf(chain), 5)).toBe(2);
    expect(await pruned.searchBlocks("block.height > 0")).toStrictEqual([4, 5]);
    await pruned.close();
  });

  it("passes the worker's indexer errors on with their code and message", async () => {
    const { chain } = chainWith(1);
    const { logger, lines } = capturingLogger();
    const idx = await openThreaded(tempDb(), { logger });
    const block = (await chain.blockStore.loadBlock(1))!;
    const responses = (await chain.stateStore.loadAbciResponses(1))!;
    const err = await idx
      .indexBlock({ block, ...responses, txResults: responses.txResults.slice(1) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexerError);
    expect(err).toMatchObject({ code: "INDEXER_CORRUPT", message: "block 1 has 2 txs but 1 results" });
    // The worker's own log line reached the node's logger.
    expect(lines.some((l) => l.includes("ERROR") && l.includes("indexing failed"))).toBe(true);
    // The next block is indexed as usual.
    await idx.indexBlock({ block, ...responses });
    expect(await idx.searchBlocks("block.height = 1")).toStrictEqual([1]);
    await idx.close();

    await expect(openThreaded(tempDb(), { retainHeights: -1 })).rejects.toSatisfy(
      hasCode("INDEXER_BAD_OPTIONS"),
    );
  });

  it("close() writes every block handed over before it, and reads fail after it", async () => {
    const { chain } = chainWith(12);
    const path = tempDb();
    const idx = await openThreaded(path);
    const written: Promise<void>[] = [];
    for (let h = 1; h <= 12; h++) {
      const block = (await chain.blockStore.loadBlock(h))!;
      written.push(idx.indexBlock({ block, ...(await chain.stateStore.loadAbciResponses(h))! }));
    }
    await idx.close();
    await Promise.all(written);
    await expect(idx.getTx(new Uint8Array(32))).rejects.toSatisfy(hasCode("INDEXER_CLOSED"));
    await expect(
      idx.indexBlock({
        block: (await chain.blockStore.loadBlock(1))!,
        ...(await chain.stateStore.loadAbciResponses(1))!,
      }),
    ).rejects.toSatisfy(hasCode("INDEXER_CLOSED"));

    const reopened = await EventIndexer.open(path);
    expect(await reopened.lastIndexedHeight()).toBe(12);
    expect(await reopened.searchBlocks("block.height > 0")).toHaveLength(12);
    expect(await reopened.searchTxs("task.id EXISTS")).toHaveLength(24);
    await reopened.close();
  });

  it("lets the process exit once closed", () => {
    const moduleUrl = new URL("../../../dist/src/indexer/threaded.js", import.meta.url).href;
    const script = `
      import { ThreadedIndexer } from ${JSON.stringify(moduleUrl)};
      const idx = await ThreadedIndexer.open(${JSON.stringify(tempDb())});
      console.log("height", await idx.lastIndexedHeight());
      await idx.close();
    `;
    // A worker left running would keep the child alive until the timeout kills it.
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(out.trim()).toBe("height 0");
  });
});

describe("ThreadedIndexer when the worker fails", () => {
  it("rejects reads with INDEXER_UNAVAILABLE after the worker dies, and the node goes on", async () => {
    const { chain, blocks } = chainWith(2);
    const { logger, lines } = capturingLogger();
    const idx = await openThreaded(tempDb(), { logger });
    idx.start(chain.eventBus);
    await idx.catchUp(sourceOf(chain), 2);
    expect((await idx.getTx(sha256(blocks[0]![0]!)))?.height).toBe(1);

    await idx.killWorker();
    await expect(idx.getTx(sha256(blocks[0]![0]!))).rejects.toSatisfy(hasCode("INDEXER_UNAVAILABLE"));
    const err = await idx.searchTxs("task.id EXISTS").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexerError);
    expect((err as IndexerError).message).toMatch(/worker thread stopped.*restart the node/);
    await expect(idx.lastIndexedHeight()).rejects.toSatisfy(hasCode("INDEXER_UNAVAILABLE"));
    // Publishing goes on; idle() does not hang on blocks that cannot be written.
    chain.produceBlock([makeTx(chain.keys[0]!, 3)]);
    await idx.idle();
    expect(lines.filter((l) => l.includes("ERROR") && l.includes("event indexer unavailable"))).toHaveLength(
      1,
    );
    await idx.close();
  });

  it("starts degraded, with an error logged, when the worker cannot start", async () => {
    const { logger, lines } = capturingLogger();
    const missing = new URL("./no-such-worker.js", WORKER_URL);
    const idx = await ThreadedIndexer.open(tempDb(), { logger, workerUrl: missing });
    await expect(idx.getTx(new Uint8Array(32))).rejects.toSatisfy(hasCode("INDEXER_UNAVAILABLE"));
    await expect(idx.searchBlocks("block.height > 0")).rejects.toSatisfy(hasCode("INDEXER_UNAVAILABLE"));
    expect(lines.some((l) => l.includes("ERROR") && l.includes("event indexer unavailable"))).toBe(true);
    await idx.close();
  });

  it("rejects what a misbehaving worker sends back instead of trusting it", async () => {
    // A stand-in worker: accepts open, then answers nonsense (and some noise between).
    const dir = dirname(tempDb());
    const script = join(dir, "bad-worker.mjs");
    writeFileSync(
      script,
      `import { parentPort } from "node:worker_threads";
      parentPort.on("message", (m) => {
        parentPort.postMessage("noise");
        parentPort.postMessage({ id: 99999, ok: true, value: 1 });
        if (m.op === "open") parentPort.postMessage({ id: m.id, ok: true, value: null });
        else if (m.op === "baseHeight") parentPort.postMessage({ id: m.id, ok: false, error: { code: "STORE_IO", message: "disk on fire" } });
        else if (m.op === "loadTx") parentPort.postMessage({ id: m.id, ok: false, error: "??" });
        else if (m.op === "getTx") parentPort.postMessage({ id: m.id, ok: true, value: new Uint8Array([255, 255, 255]) });
        else parentPort.postMessage({ id: m.id, ok: true, value: m.op === "searchTxs" ? new Float64Array([1.5]) : -7 });
      });`,
    );
    const idx = await ThreadedIndexer.open(tempDb(), { workerUrl: new URL(`file://${script}`) });
    await expect(idx.lastIndexedHeight()).rejects.toSatisfy(hasCode("INDEXER_BAD_MESSAGE"));
    await expect(idx.searchTxs("a.b EXISTS")).rejects.toSatisfy(hasCode("INDEXER_BAD_MESSAGE"));
    await expect(idx.searchBlocks("a.b EXISTS")).rejects.toSatisfy(hasCode("INDEXER_BAD_MESSAGE"));
    await expect(idx.getTx(new Uint8Array(32))).rejects.toSatisfy(hasCode("INDEXER_BAD_MESSAGE"));
    await expect(idx.loadTx({ height: 1, index: 0 })).rejects.toSatisfy(hasCode("INDEXER_BAD_MESSAGE"));
    const other = await idx.baseHeight().catch((e: unknown) => e);
    expect(other).toMatchObject({
      code: "INDEXER_FAILED",
      message: "disk on fire",
      meta: { workerCode: "STORE_IO" },
    });
    await idx.close();
  });

  it("the worker answers malformed requests with INDEXER_BAD_MESSAGE and keeps serving", async () => {
    const worker = new Worker(WORKER_URL);
    const replies = new Map<number, { ok: boolean; value?: unknown; error?: { code: string } }>();
    const waiters = new Map<number, () => void>();
    worker.on("message", (m: { id?: number; ok: boolean }) => {
      if (typeof m.id !== "number") return;
      replies.set(m.id, m);
      waiters.get(m.id)?.();
    });
    const ask = (msg: Record<string, unknown> & { id: number }, transfer: ArrayBuffer[] = []) =>
      new Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>((resolve) => {
        waiters.set(msg.id, () => resolve(replies.get(msg.id)!));
        worker.postMessage(msg, transfer);
      });
    expect((await ask({ id: 1, op: "open", path: tempDb() })).ok).toBe(true);
    const short = new ArrayBuffer(3);
    expect((await ask({ id: 2, op: "index", block: short }, [short])).error?.code).toBe(
      "INDEXER_BAD_MESSAGE",
    );
    // A header claiming more txs than the buffer holds.
    const lying = new ArrayBuffer(20);
    new DataView(lying).setFloat64(0, 1, true);
    new DataView(lying).setUint32(8, 1000, true);
    expect((await ask({ id: 3, op: "index", block: lying }, [lying])).error?.code).toBe(
      "INDEXER_BAD_MESSAGE",
    );
    // A well-formed package whose tx result does not decode (an unknown field): nothing is written.
    const garbage = packBlock(
      1,
      [Uint8Array.of(1)],
      undefined,
      new ProtoWriter().bytes(2, Uint8Array.of(0x48, 1)).finish(),
    );
    expect((await ask({ id: 10, op: "index", block: garbage }, [garbage])).error?.code).toBe(
      "INDEXER_BAD_MESSAGE",
    );
    expect((await ask({ id: 4, op: "getTx", hash: "zz" })).error?.code).toBe("INDEXER_BAD_MESSAGE");
    expect((await ask({ id: 5, op: "searchTxs", query: { text: 1 } })).error?.code).toBe(
      "INDEXER_BAD_MESSAGE",
    );
    expect((await ask({ id: 6, op: "explode" })).error?.code).toBe("INDEXER_BAD_MESSAGE");
    expect((await ask({ id: 7, op: "open", path: tempDb() })).error?.code).toBe("INDEXER_BAD_MESSAGE");
    worker.postMessage("not a request");
    worker.postMessage({ op: "getTx" });
    expect(await ask({ id: 8, op: "lastIndexedHeight" })).toMatchObject({ ok: true, value: 0 });
    expect((await ask({ id: 9, op: "close" })).ok).toBe(true);
    await worker.terminate();
  });
});
