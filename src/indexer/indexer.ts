/**
 * The event indexer: keeps `tx_index.db` in step with committed blocks so the RPC can answer
 * `tx`, `tx_search` and `block_search`.
 *
 * It listens to the EventBus's NewBlock (which carries the block, BeginBlock/EndBlock
 * responses and every tx result) and writes each block in ONE LevelDB batch: the tx records,
 * the hash pointers, every attribute whose `index` flag is set, and a block record listing
 * what was written. A crash therefore leaves a height either fully indexed or not at all, and
 * indexing a height again first removes what the earlier run wrote (idempotent). Blocks are
 * indexed one at a time in arrival order; `idle()` waits for the queue, so a search issued
 * after a block was published sees it.
 *
 * Pruning (`retainHeights` = N > 0) keeps the last N indexed heights, removing older ones a
 * bounded number per block.
 */
import { u64be } from "../codec/bytes.js";
import { errorMessage } from "../errors.js";
import type { EventBus, NewBlockEvent } from "../events/bus.js";
import { type Logger, silentLogger } from "../log.js";
import { type BatchOp, Database, type KV } from "../store/db.js";
import { txHash } from "../types/tx.js";
import {
  decodeBlockRecord,
  decodeIndexedTx,
  encodeBlockRecord,
  encodeIndexedTx,
  type IndexedTx,
} from "./codec.js";
import { IndexerError } from "./errors.js";
import {
  blockEventKey,
  blockKey,
  MAX_TAG_BYTES,
  META_BASE_HEIGHT,
  META_LAST_HEIGHT,
  parseBlockKey,
  parseTxPointer,
  TABLE,
  txEventKey,
  txHashKey,
  txKey,
  txPointer,
} from "./keys.js";
import { parseQuery, type Query } from "./query.js";
import { searchBlocks, searchTxs, type TxRef } from "./search.js";

/** The parts of a NewBlock event the indexer reads (of the block: its height and txs). */
export type IndexableBlock = Pick<NewBlockEvent, "beginBlock" | "endBlock" | "txResults"> & {
  readonly block: {
    readonly header: Pick<NewBlockEvent["block"]["header"], "height">;
    readonly txs: NewBlockEvent["block"]["txs"];
  };
  /** The txs' hashes when the caller has them (index-aligned with block.txs). */
  readonly txHashes?: readonly Uint8Array[];
};

/** Where `catchUp` reads blocks the indexer missed (the node's block and state stores). */
export interface IndexSource {
  loadBlock(
    height: number,
  ): Promise<IndexableBlock["block"] | null | undefined> | IndexableBlock["block"] | null | undefined;
  loadAbciResponses(
    height: number,
  ):
    | Promise<Pick<IndexableBlock, "beginBlock" | "endBlock" | "txResults"> | null | undefined>
    | Pick<IndexableBlock, "beginBlock" | "endBlock" | "txResults">
    | null
    | undefined;
}

export interface IndexerOptions {
  /** Keep only the last N indexed heights; 0 keeps everything (default). */
  readonly retainHeights?: number;
  /** Most heights pruned in one block's batch (default 100), so pruning never stalls indexing. */
  readonly pruneBatchHeights?: number;
  /** fsync each batch (default false: a batch is atomic either way; the index can be rebuilt). */
  readonly sync?: boolean;
  readonly logger?: Logger;
}

/** Read side used by the RPC (`RpcEnv.indexer`). */
export interface EventIndexReader {
  /** Resolves when every block handed to the indexer so far is written. */
  idle(): Promise<void>;
  getTx(hash: Uint8Array): Promise<IndexedTx | undefined>;
  loadTx(ref: TxRef): Promise<IndexedTx | undefined>;
  /** Matching txs in (height, index) order. `query` is a parsed query or its text. */
  searchTxs(query: Query | string, signal?: AbortSignal): Promise<TxRef[]>;
  /** Matching block heights, ascending. */
  searchBlocks(query: Query | string, signal?: AbortSignal): Promise<number[]>;
}

const RESERVED_TX_TAGS = new Set(["tx.hash", "tx.height"]);
/** The value of every event key (the key is the whole entry). */
const EMPTY = new Uint8Array(0);
const RESERVED_BLOCK_TAGS = new Set(["block.height"]);

export class EventIndexer implements EventIndexReader {
  private queue: Promise<void> = Promise.resolve();
  private bus: EventBus | null = null;
  private closed = false;
  private readonly retain: number;
  private readonly pruneBatch: number;
  private readonly sync: boolean;
  private readonly log: Logger;
  private readonly onNewBlock = (e: NewBlockEvent) => {
    this.enqueue(e.block.header.height, () => this.write(e));
  };

  /** Uses an open database; `close()` closes it only when `ownsDb`. */
  constructor(
    private readonly db: KV,
    opts: IndexerOptions = {},
    private readonly ownsDb = false,
  ) {
    const retain = opts.retainHeights ?? 0;
    const batch = opts.pruneBatchHeights ?? 100;
    if (!Number.isSafeInteger(retain) || retain < 0) {
      throw new IndexerError("INDEXER_BAD_OPTIONS", `retainHeights must be an integer >= 0, got ${retain}`);
    }
    if (!Number.isSafeInteger(batch) || batch < 1) {
      throw new IndexerError(
        "INDEXER_BAD_OPTIONS",
        `pruneBatchHeights must be an integer >= 1, got ${batch}`,
      );
    }
    this.retain = retain;
    this.pruneBatch = batch;
    this.sync = opts.sync ?? false;
    this.log = opts.logger ?? silentLogger;
  }

  /** Opens (creating) the index database at `path` (e.g. `<home>/data/tx_index.db`). */
  static async open(path: string, opts: IndexerOptions = {}): Promise<EventIndexer> {
    const db = await Database.open(path);
    try {
      return new EventIndexer(db, opts, true);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  /** Indexes every NewBlock published on `bus` from now on. */
  start(bus: EventBus): void {
    if (this.bus !== null) return;
    this.bus = bus;
    bus.on("NewBlock", this.onNewBlock);
  }

  /** Stops listening; blocks already queued are still written. */
  stop(): void {
    this.bus?.off("NewBlock", this.onNewBlock);
    this.bus = null;
  }

  /** Indexes one block now (queued behind earlier ones). Re-indexing a height replaces it. */
  indexBlock(b: IndexableBlock): Promise<void> {
    return this.enqueue(b.block.header.height, () => this.write(b));
  }

  idle(): Promise<void> {
    return this.queue;
  }

  /** Highest height indexed so far (0 when none). */
  async lastIndexedHeight(): Promise<number> {
    return this.readMeta(META_LAST_HEIGHT);
  }

  /** Lowest height still indexed (0 when none). */
  async baseHeight(): Promise<number> {
    const base = await this.readMeta(META_BASE_HEIGHT);
    if (base > 0) return base;
    for await (const [key] of this.db.entries({ prefix: Uint8Array.of(TABLE.block), limit: 1 })) {
      return parseBlockKey(key);
    }
    return 0;
  }

  /**
   * Indexes the heights after the last indexed one up to `toHeight` from `source` (after a
   * restart, the blocks committed while the indexer was not listening). Returns how many.
   */
  catchUp(source: IndexSource, toHeight: number): Promise<number> {
    let done = 0;
    const task = async () => {
      const last = await this.lastIndexedHeight();
      const from = Math.max(last + 1, this.retain > 0 ? toHeight - this.retain + 1 : 1, 1);
      for (let h = from; h <= toHeight; h++) {
        const [block, responses] = await Promise.all([source.loadBlock(h), source.loadAbciResponses(h)]);
        if (!block || !responses) {
          this.log.warn("event indexer: cannot catch up, block or results missing", { height: h });
          break;
        }
        await this.write({ block, ...responses });
        done++;
      }
    };
    return this.enqueue(toHeight, task).then(() => done);
  }

  async getTx(hash: Uint8Array): Promise<IndexedTx | undefined> {
    this.assertOpen();
    const ptr = await this.db.get(txHashKey(hash));
    return ptr === undefined ? undefined : this.loadTx(parseTxPointer(ptr));
  }

  async loadTx(ref: TxRef): Promise<IndexedTx | undefined> {
    this.assertOpen();
    const rec = await this.db.get(txKey(ref.height, ref.index));
    return rec === undefined ? undefined : decodeIndexedTx(rec);
  }

  async searchTxs(query: Query | string, signal?: AbortSignal): Promise<TxRef[]> {
    this.assertOpen();
    return searchTxs(this.db, typeof query === "string" ? parseQuery(query) : query, signal);
  }

  async searchBlocks(query: Query | string, signal?: AbortSignal): Promise<number[]> {
    this.assertOpen();
    return searchBlocks(this.db, typeof query === "string" ? parseQuery(query) : query, signal);
  }

  /** Stops listening, finishes queued blocks, and closes the database if it owns it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stop();
    await this.queue;
    this.closed = true;
    if (this.ownsDb && this.db instanceof Database) await this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new IndexerError("INDEXER_CLOSED", "the event indexer is closed");
  }

  /** Runs `task` after the queued ones; a failure is logged and does not stop later blocks. */
  private enqueue(height: number, task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (err) {
        this.log.error("event indexer: indexing failed", { height, err: errorMessage(err) });
        throw err;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private async readMeta(key: Uint8Array): Promise<number> {
    const v = await this.db.get(key);
    return v === undefined || v.length !== 8
      ? 0
      : Number(new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0));
  }

  private async write(b: IndexableBlock): Promise<void> {
    const height = b.block.header.height;
    const last = await this.lastIndexedHeight();
    if (this.retain > 0 && height <= last - this.retain) return; // would be pruned at once
    const ops: BatchOp[] = [];
    const newLast = Math.max(last, height);
    // Pruning first: a later put (a tx seen again at this height) must win over its deletes.
    await this.prune(newLast, height, ops);
    await this.removeHeight(height, ops);

    const txHashes: Uint8Array[] = [];
    // Only block event keys are listed in the block record: tx event keys are re-derived from
    // the tx records when a height is removed (rare), instead of being stored twice.
    const blockEventKeys: Uint8Array[] = [];
    for (const [index, tx] of b.block.txs.entries()) {
      const result = b.txResults[index];
      if (result === undefined) {
        throw new IndexerError(
          "INDEXER_CORRUPT",
          `block ${height} has ${b.block.txs.length} txs but ${b.txResults.length} results`,
        );
      }
      const hash = b.txHashes?.[index] ?? txHash(tx);
      txHashes.push(hash);
      ops.push({
        type: "put",
        key: txKey(height, index),
        value: encodeIndexedTx({ height, index, hash, tx, result }),
      });
      // A successful tx always points here; only a failed one needs a lookup (no await per tx).
      if (result.code === 0 || (await this.mayPoint(hash, height, result.code))) {
        ops.push({ type: "put", key: txHashKey(hash), value: txPointer(height, index) });
      }
      forEachIndexed(
        result.events,
        RESERVED_TX_TAGS,
        (tag, value, seq) => {
          ops.push({ type: "put", key: txEventKey(tag, value, height, index, seq), value: EMPTY });
        },
        this.log,
      );
    }
    const blockEvents = [...b.beginBlock.events, ...b.endBlock.events];
    forEachIndexed(
      blockEvents,
      RESERVED_BLOCK_TAGS,
      (tag, value, seq) => {
        const key = blockEventKey(tag, value, height, seq);
        blockEventKeys.push(key);
        ops.push({ type: "put", key, value: EMPTY });
      },
      this.log,
    );
    ops.push({
      type: "put",
      key: blockKey(height),
      value: encodeBlockRecord({ txHashes, eventKeys: blockEventKeys }),
    });

    ops.push({ type: "put", key: META_LAST_HEIGHT, value: u64be(newLast) });
    await this.db.batch(ops, { sync: this.sync });
  }

  /**
   * A hash already pointing at another height keeps pointing there when that tx succeeded and
   * this one failed (CometBFT: the successful execution is the one users want to find).
   */
  private async mayPoint(hash: Uint8Array, height: number, code: number): Promise<boolean> {
    if (code === 0) return true;
    const ptr = await this.db.get(txHashKey(hash));
    if (ptr === undefined) return true;
    const at = parseTxPointer(ptr);
    if (at.height === height) return true;
    const prev = await this.loadTx(at);
    return prev === undefined || prev.result.code !== 0;
  }

  /** Adds deletes for everything indexed at `height` (nothing if it was never indexed). */
  private async removeHeight(height: number, ops: BatchOp[]): Promise<void> {
    const raw = await this.db.get(blockKey(height));
    if (raw === undefined) return;
    const rec = decodeBlockRecord(raw);
    // Block event keys (and, in records written by older versions, tx event keys too).
    for (const key of rec.eventKeys) ops.push({ type: "del", key });
    for (const [index, hash] of rec.txHashes.entries()) {
      const key = txKey(height, index);
      const stored = await this.db.get(key);
      if (stored !== undefined) {
        // The tx's event keys, derived from its stored result exactly as write() derived them.
        forEachIndexed(
          decodeIndexedTx(stored).result.events,
          RESERVED_TX_TAGS,
          (tag, value, seq) => ops.push({ type: "del", key: txEventKey(tag, value, height, index, seq) }),
          silentLogger,
        );
      }
      ops.push({ type: "del", key });
      const ptr = await this.db.get(txHashKey(hash));
      if (ptr !== undefined) {
        const at = parseTxPointer(ptr);
        if (at.height === height && at.index === index) ops.push({ type: "del", key: txHashKey(hash) });
      }
    }
    ops.push({ type: "del", key: blockKey(height) });
  }

  private async prune(last: number, current: number, ops: BatchOp[]): Promise<void> {
    if (this.retain === 0) return;
    const keepFrom = last - this.retain + 1;
    let base = await this.baseHeight();
    if (base === 0) base = current;
    const until = Math.min(keepFrom - 1, base + this.pruneBatch - 1);
    for (let h = base; h <= until; h++) {
      if (h !== current) await this.removeHeight(h, ops);
    }
    const newBase = Math.max(base, Math.min(keepFrom, until + 1));
    ops.push({ type: "put", key: META_BASE_HEIGHT, value: u64be(newBase) });
  }
}

/** Calls `emit` for each indexable attribute with its event's sequence number. */
function forEachIndexed(
  events: IndexableBlock["txResults"][number]["events"],
  reserved: ReadonlySet<string>,
  emit: (tag: string, value: string, seq: number) => void,
  log: Logger,
): void {
  for (const [seq, e] of events.entries()) {
    if (e.type === "") continue;
    for (const a of e.attributes) {
      if (!a.index || a.key === "") continue;
      const tag = `${e.type}.${a.key}`;
      if (reserved.has(tag) || Buffer.byteLength(tag) > MAX_TAG_BYTES) {
        log.warn("event indexer: attribute not indexed (reserved or too long tag)", {
          tag: tag.slice(0, 80),
        });
        continue;
      }
      emit(tag, a.value, seq);
    }
  }
}
