/**
 * The event indexer on its own worker thread. Indexing a block of thousands of txs (records,
 * keys, one LevelDB batch) costs the main thread ~8% plus the garbage it makes; here the main
 * thread only packs the block's txs, hashes and encoded ABCI responses into one buffer and
 * transfers it (worker-protocol.ts). The worker runs the same EventIndexer, so answers are
 * exactly the in-process indexer's.
 *
 * Ordering: every request travels over the worker's one message channel, and the worker makes
 * each read wait for the writes received before it, so a `tx` or `tx_search` issued after a
 * NewBlock was published sees that block. `idle()` resolves when every block handed over so
 * far is written.
 *
 * Failure: indexing is not consensus-critical. If the worker fails to start or stops, the
 * error is logged once, queued and later requests reject with INDEXER_UNAVAILABLE, and the
 * node keeps running. Errors of the worker's indexer arrive as IndexerErrors with their code
 * and message; anything malformed the worker sends is rejected as INDEXER_BAD_MESSAGE.
 */
import { Worker } from "node:worker_threads";
import { errorMessage, isDccnError } from "../errors.js";
import type { EventBus, NewBlockEvent } from "../events/bus.js";
import { type Logger, type LogLevel, silentLogger } from "../log.js";
import { encodeAbciResponses } from "../state/abci-responses.js";
import { decodeIndexedTx, type IndexedTx } from "./codec.js";
import { IndexerError, type IndexerErrorCode } from "./errors.js";
import type { EventIndexReader, IndexableBlock, IndexerOptions, IndexSource } from "./indexer.js";
import { parseQuery, type Query } from "./query.js";
import type { TxRef } from "./search.js";
import {
  badMessage,
  HASH_BYTES,
  isHeight,
  isRecord,
  packBlock,
  type RequestBody,
  unpackHeights,
  unpackRefs,
} from "./worker-protocol.js";

export interface ThreadedIndexerOptions extends IndexerOptions {
  /**
   * The worker's entry module. Default: worker-main.js next to this module (the build);
   * tests running the TypeScript sources pass the built `dist/src/indexer/worker-main.js`.
   */
  readonly workerUrl?: URL;
}

/** A block to index; `encodedResponses` (from the NewBlock event) spares encoding them again. */
export type ThreadedIndexable = IndexableBlock & { readonly encodedResponses?: Uint8Array };

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** Blocks of a catch-up handed to the worker and not yet written, at most. */
const CATCH_UP_WINDOW = 8;

/** Every IndexerErrorCode, so a code the worker sends is checked against the union. */
const INDEXER_CODES: Record<IndexerErrorCode, true> = {
  INDEXER_CORRUPT: true,
  INDEXER_BAD_OPTIONS: true,
  INDEXER_CLOSED: true,
  INDEXER_UNAVAILABLE: true,
  INDEXER_BAD_MESSAGE: true,
  INDEXER_FAILED: true,
};
const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(["debug", "info", "warn", "error"]);

const noop = (): void => {};

function cancelled(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("search cancelled");
}

/** An error the worker sent, as the caller's IndexerError. */
function workerError(e: unknown): IndexerError {
  if (!isRecord(e) || typeof e.code !== "string" || typeof e.message !== "string") {
    return badMessage("the indexer worker sent an error without a code and message");
  }
  return Object.hasOwn(INDEXER_CODES, e.code)
    ? new IndexerError(e.code as IndexerErrorCode, e.message)
    : new IndexerError("INDEXER_FAILED", e.message, { workerCode: e.code });
}

function recordOf(v: unknown): IndexedTx | undefined {
  if (v === null) return undefined;
  if (!(v instanceof Uint8Array)) throw badMessage("the indexer worker sent a tx record that is not bytes");
  try {
    return decodeIndexedTx(v);
  } catch (err) {
    throw badMessage(`the indexer worker sent a tx record that does not decode: ${errorMessage(err)}`);
  }
}

export class ThreadedIndexer implements EventIndexReader {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Settles when every write handed over so far has (idle()). */
  private tail: Promise<void> = Promise.resolve();
  private bus: EventBus | null = null;
  private state: "open" | "failed" | "closing" | "closed" = "open";
  /** Why the worker is unavailable (state "failed"). */
  private failure = "";
  /** The last uncaught error of the worker, reported with its exit. */
  private workerError = "";
  private closing: Promise<void> | null = null;
  private readonly onNewBlock = (e: NewBlockEvent): void => {
    // The worker's indexer logs its own failures; nobody awaits a bus-driven write.
    this.indexBlock(e).catch(noop);
  };

  private constructor(
    private readonly worker: Worker | null,
    private readonly retain: number,
    private readonly log: Logger,
  ) {
    if (worker === null) return;
    // Only outstanding requests keep the process alive (see send()).
    worker.unref();
    worker.on("message", (m: unknown) => this.onMessage(m));
    worker.on("messageerror", (err) =>
      this.log.error("event indexer: a message from the worker does not deserialize", {
        err: errorMessage(err),
      }),
    );
    worker.on("error", (err) => {
      this.workerError = errorMessage(err);
    });
    worker.on("exit", (code) => this.onExit(code));
  }

  /**
   * Starts the worker and opens (creating) the index database at `path` in it. Bad options
   * reject with INDEXER_BAD_OPTIONS; a worker that cannot start or open the database is
   * logged and leaves an indexer whose reads reject with INDEXER_UNAVAILABLE.
   */
  static async open(path: string, opts: ThreadedIndexerOptions = {}): Promise<ThreadedIndexer> {
    const log = opts.logger ?? silentLogger;
    const url = opts.workerUrl ?? new URL("./worker-main.js", import.meta.url);
    let worker: Worker | null = null;
    let startError = "";
    try {
      // The parent's flags (Node drops those a worker cannot take, such as V8 heap sizes), except
      // under `node --input-type=module -e …`: --input-type would make the worker refuse its file.
      const evalFlags = process.execArgv.some((a) => a.startsWith("--input-type"));
      worker = new Worker(url, evalFlags ? { execArgv: [] } : {});
    } catch (err) {
      startError = errorMessage(err);
    }
    const ix = new ThreadedIndexer(worker, opts.retainHeights ?? 0, log);
    if (worker === null) {
      ix.fail(`its worker thread did not start (${url.href}): ${startError}`);
      return ix;
    }
    try {
      await ix.call({
        op: "open",
        path,
        ...(opts.retainHeights === undefined ? {} : { retainHeights: opts.retainHeights }),
        ...(opts.pruneBatchHeights === undefined ? {} : { pruneBatchHeights: opts.pruneBatchHeights }),
        ...(opts.sync === undefined ? {} : { sync: opts.sync }),
      });
    } catch (err) {
      if (isDccnError(err, "INDEXER_BAD_OPTIONS")) {
        ix.state = "closed";
        await worker.terminate();
        throw err;
      }
      if (ix.state === "open") ix.fail(`it could not open ${path}: ${errorMessage(err)}`);
    }
    return ix;
  }

  /** Indexes every NewBlock published on `bus` from now on. */
  start(bus: EventBus): void {
    if (this.bus !== null) return;
    this.bus = bus;
    bus.on("NewBlock", this.onNewBlock);
  }

  /** Stops listening; blocks already handed over are still written. */
  stop(): void {
    this.bus?.off("NewBlock", this.onNewBlock);
    this.bus = null;
  }

  /**
   * Hands one block to the worker (written after the earlier ones; re-indexing a height
   * replaces it). Resolves when it is written.
   */
  indexBlock(b: ThreadedIndexable): Promise<void> {
    if (this.state !== "open") return Promise.reject(this.unavailable());
    const responses =
      b.encodedResponses ??
      encodeAbciResponses({
        beginBlock: b.beginBlock,
        txResults: b.txResults,
        endBlock: b.endBlock,
        byzantineValidators: [],
      });
    // A buffer of our own (the event's bytes are shared), transferred, not cloned.
    const block = packBlock(b.block.header.height, b.block.txs, b.txHashes, responses);
    const written = this.call({ op: "index", block }, [block]).then(noop);
    this.track(written);
    return written;
  }

  /**
   * Indexes the heights after the last indexed one up to `toHeight`, reading them from
   * `source` here and handing them to the worker. Returns how many were indexed.
   */
  catchUp(source: IndexSource, toHeight: number): Promise<number> {
    const run = (async () => {
      const last = await this.lastIndexedHeight();
      const from = Math.max(last + 1, this.retain > 0 ? toHeight - this.retain + 1 : 1, 1);
      const inFlight: Promise<void>[] = [];
      let done = 0;
      for (let h = from; h <= toHeight; h++) {
        const [block, responses] = await Promise.all([source.loadBlock(h), source.loadAbciResponses(h)]);
        if (!block || !responses) {
          this.log.warn("event indexer: cannot catch up, block or results missing", { height: h });
          break;
        }
        const written = this.indexBlock({ block, ...responses });
        written.catch(noop); // awaited below; a failure must not go unhandled meanwhile
        inFlight.push(written);
        if (inFlight.length >= CATCH_UP_WINDOW) {
          await inFlight.shift();
          done++;
        }
      }
      for (const written of inFlight) {
        await written;
        done++;
      }
      return done;
    })();
    this.track(run);
    return run;
  }

  idle(): Promise<void> {
    return this.tail;
  }

  async getTx(hash: Uint8Array): Promise<IndexedTx | undefined> {
    // Not a tx hash: nothing is stored under it (and it need not cross to the worker).
    if (hash.length !== HASH_BYTES) {
      this.assertUsable();
      return undefined;
    }
    return recordOf(await this.call({ op: "getTx", hash: hash.slice() }));
  }

  async loadTx(ref: TxRef): Promise<IndexedTx | undefined> {
    return recordOf(await this.call({ op: "loadTx", height: ref.height, index: ref.index }));
  }

  async searchTxs(query: Query | string, signal?: AbortSignal): Promise<TxRef[]> {
    return unpackRefs(await this.search("searchTxs", query, signal));
  }

  async searchBlocks(query: Query | string, signal?: AbortSignal): Promise<number[]> {
    return unpackHeights(await this.search("searchBlocks", query, signal));
  }

  /** Highest height indexed so far (0 when none). */
  lastIndexedHeight(): Promise<number> {
    return this.height("lastIndexedHeight");
  }

  /** Lowest height still indexed (0 when none). */
  baseHeight(): Promise<number> {
    return this.height("baseHeight");
  }

  /** Stops listening, lets the worker finish the blocks handed over, then stops the worker. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** Test hook: stops the worker thread as a crash would. */
  async killWorker(): Promise<void> {
    await this.worker?.terminate();
  }

  private async shutDown(): Promise<void> {
    this.stop();
    if (this.state === "open") {
      const closed = this.call({ op: "close" });
      this.state = "closing";
      try {
        await closed;
      } catch (err) {
        this.log.warn("event indexer: closing the index failed", { err: errorMessage(err) });
      }
    }
    this.state = "closed";
    // The database is closed (or the worker already stopped): nothing is lost by terminating.
    await this.worker?.terminate();
  }

  private async height(op: "lastIndexedHeight" | "baseHeight"): Promise<number> {
    const v = await this.call({ op });
    if (!isHeight(v)) throw badMessage(`the indexer worker sent a bad ${op}: ${String(v)}`);
    return v;
  }

  private search(
    op: "searchTxs" | "searchBlocks",
    query: Query | string,
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    // Parsed here, so a bad query fails as the QueryError the RPC maps.
    const q = typeof query === "string" ? parseQuery(query) : query;
    const { id, reply } = this.send({ op, query: q });
    if (signal === undefined) return reply;
    return new Promise((resolve, reject) => {
      // The caller stops waiting at once; the worker is asked to stop the search too.
      const onAbort = () => {
        reject(cancelled(signal));
        if (this.state === "open") this.send({ op: "cancel", target: id }).reply.catch(noop);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      reply.then(
        (v) => {
          signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        (err: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }

  private call(body: RequestBody, transfer?: ArrayBuffer[]): Promise<unknown> {
    return this.send(body, transfer).reply;
  }

  /** Posts one request; its reply (or the worker's exit) settles `reply`. */
  private send(body: RequestBody, transfer?: ArrayBuffer[]): { id: number; reply: Promise<unknown> } {
    const id = this.nextId++;
    const worker = this.worker;
    if (worker === null || this.state === "failed" || this.state === "closed" || this.state === "closing") {
      return { id, reply: Promise.reject(this.unavailable()) };
    }
    const reply = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    if (this.pending.size === 1) worker.ref();
    try {
      worker.postMessage({ ...body, id }, transfer ?? []);
    } catch (err) {
      this.settle(id)?.reject(
        badMessage(`a request to the indexer worker does not clone: ${errorMessage(err)}`),
      );
    }
    return { id, reply };
  }

  /** Takes request `id` out of the pending ones (letting the process exit when none is left). */
  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    return p;
  }

  private onMessage(m: unknown): void {
    if (isRecord(m) && typeof m.log === "string") {
      if (LOG_LEVELS.has(m.log) && typeof m.msg === "string") {
        this.log[m.log as LogLevel](m.msg, isRecord(m.fields) ? m.fields : undefined);
      }
      return;
    }
    if (!isRecord(m) || typeof m.id !== "number" || typeof m.ok !== "boolean") {
      this.log.warn("event indexer: ignored a malformed message from the worker");
      return;
    }
    const p = this.settle(m.id);
    if (p === undefined) {
      this.log.warn("event indexer: ignored a reply to no request", { id: m.id });
      return;
    }
    if (m.ok) p.resolve(m.value ?? null);
    else p.reject(workerError(m.error));
  }

  private onExit(code: number): void {
    if (this.state === "open") {
      const why = this.workerError === "" ? `exit code ${code}` : this.workerError;
      this.fail(`its worker thread stopped (${why})`);
      return;
    }
    // Closing: whatever was still outstanding will not be answered.
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject(this.unavailable());
    }
  }

  /** The worker is gone for good: say so once, and fail every outstanding request. */
  private fail(reason: string): void {
    if (this.state !== "open") return;
    this.state = "failed";
    this.failure = reason;
    this.stop();
    this.log.error("event indexer unavailable; tx, tx_search and block_search will fail until restart", {
      reason,
    });
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(this.unavailable());
    this.worker?.terminate().catch(noop);
  }

  private unavailable(): IndexerError {
    if (this.state === "failed") {
      return new IndexerError(
        "INDEXER_UNAVAILABLE",
        `the event indexer is unavailable: ${this.failure}; restart the node to index again (it catches up on start)`,
      );
    }
    return new IndexerError("INDEXER_CLOSED", "the event indexer is closed");
  }

  private assertUsable(): void {
    if (this.state !== "open") throw this.unavailable();
  }

  /** Counts `p` in what idle() waits for. */
  private track(p: Promise<unknown>): void {
    const before = this.tail;
    this.tail = p.then(noop, noop).then(() => before);
  }
}
