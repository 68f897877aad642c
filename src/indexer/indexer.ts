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
 * Tx results and block events are indexed from their encoding (EncodedBlock: how the worker
 * receives them; decoded input is encoded first): each result is copied into its tx record as
 * it is and its events are walked in place (event-scan.ts), with every key and record of the
 * batch in one arena (arena.ts). Decoding ~4,000 results per block into objects only to encode
 * them again was most of the indexer's CPU and garbage.
 *
 * Pruning (`retainHeights` = N > 0) keeps the last N indexed heights, removing older ones a
 * bounded number per block.
 */
import { rm } from "node:fs/promises";
import { fromUtf8, u64be, utf8 } from "../codec/bytes.js";
import { errorMessage } from "../errors.js";
import type { EventBus, NewBlockEvent } from "../events/bus.js";
import { type Logger, silentLogger } from "../log.js";
import { encodeEvent, encodeTxResult, splitAbciResponses } from "../state/abci-responses.js";
import { type BatchOp, Database, type KV } from "../store/db.js";
import { txHash } from "../types/tx.js";
import { ByteArena } from "./arena.js";
import {
  decodeBlockRecord,
  decodeIndexedTx,
  encodeBlockRecord,
  type IndexedTx,
  indexedTxHashAndResult,
  indexedTxRecord,
} from "./codec.js";
import { IndexerError, type IndexerErrorCode } from "./errors.js";
import { type AttributeVisitor, EventScanner, type IndexedAttribute } from "./event-scan.js";
import {
  blockKey,
  MAX_TAG_BYTES,
  META_BASE_HEIGHT,
  META_LAST_HEIGHT,
  META_SCHEMA,
  parseBlockKey,
  parseTxPointer,
  SCHEMA_VERSION,
  scannedBlockEventKey,
  TABLE,
  txHashKey,
  txKey,
  txPointer,
  u32be,
} from "./keys.js";
import { TxEventGroups } from "./postings.js";
import { parseQuery, type Query } from "./query.js";
import { searchBlocks, searchTxs, type TxRef } from "./search.js";
import { SplitIndexKV } from "./split-kv.js";

/** The parts of a NewBlock event the indexer reads (of the block: its height and txs). */
export type IndexableBlock = Pick<NewBlockEvent, "beginBlock" | "endBlock" | "txResults"> & {
  readonly block: {
    readonly header: Pick<NewBlockEvent["block"]["header"], "height">;
    readonly txs: NewBlockEvent["block"]["txs"];
  };
  /** The txs' hashes when the caller has them (index-aligned with block.txs). */
  readonly txHashes?: readonly Uint8Array[];
};

/**
 * A block whose tx results and block events are still encoded (how the worker receives it):
 * indexed without decoding them, the results copied into the tx records as they are.
 */
export interface EncodedBlock {
  readonly height: number;
  readonly txs: readonly Uint8Array[];
  /** The txs' hashes when the caller has them (index-aligned with txs). */
  readonly txHashes?: readonly Uint8Array[] | undefined;
  /** Each tx's result as `encodeTxResult` bytes (index-aligned with txs). */
  readonly txResults: readonly Uint8Array[];
  /** BeginBlock's events then EndBlock's, each as `encodeEvent` bytes. */
  readonly blockEvents: readonly Uint8Array[];
}

/** A decoded block as an EncodedBlock; `encodedResponses` (a NewBlock's) spares encoding. */
export function encodeIndexable(
  b: IndexableBlock & { readonly encodedResponses?: Uint8Array },
): EncodedBlock {
  const base = { height: b.block.header.height, txs: b.block.txs, txHashes: b.txHashes };
  if (b.encodedResponses !== undefined) return { ...base, ...splitAbciResponses(b.encodedResponses) };
  return {
    ...base,
    txResults: b.txResults.map(encodeTxResult),
    blockEvents: [...b.beginBlock.events, ...b.endBlock.events].map(encodeEvent),
  };
}

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

/** Tags the indexer answers itself, so attributes using them are not indexed. */
const RESERVED_TX_TAGS = ["tx.hash", "tx.height"].map(utf8);
const RESERVED_BLOCK_TAGS = ["block.height"].map(utf8);
/** The value of every event key (the key is the whole entry). */
const EMPTY = new Uint8Array(0);

export class EventIndexer implements EventIndexReader {
  private queue: Promise<void> = Promise.resolve();
  private bus: EventBus | null = null;
  private closed = false;
  private readonly retain: number;
  private readonly pruneBatch: number;
  private readonly sync: boolean;
  private readonly log: Logger;
  private readonly scanner = new EventScanner();
  private readonly onNewBlock = (e: NewBlockEvent) => {
    this.enqueue(e.block.header.height, async () => this.write(encodeIndexable(e)));
  };

  /** Uses an open database; `close()` closes the `owned` ones. */
  constructor(
    private readonly db: KV,
    opts: IndexerOptions = {},
    private readonly owned: readonly Database[] = [],
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

  /**
   * Opens (creating) the index at `path` (e.g. `<home>/data/tx_index.db`) and its records beside
   * it (`recordsPath`, see split-kv.ts). An index of another layout version is deleted: `catchUp`
   * then rebuilds it from the block store.
   */
  static async open(path: string, opts: IndexerOptions = {}): Promise<EventIndexer> {
    const log = opts.logger ?? silentLogger;
    const paths = [path, recordsPath(path)];
    let dbs = await openAll(paths);
    try {
      const found = await schemaVersion(dbs[0]!);
      if (found !== SCHEMA_VERSION) {
        if (found !== null || !(await isEmpty(dbs[1]!))) {
          log.warn("event index has another layout: rebuilding it", {
            path,
            version: found,
            want: SCHEMA_VERSION,
          });
          await closeAll(dbs);
          for (const p of paths) await rm(p, { recursive: true, force: true });
          dbs = await openAll(paths);
        }
        await dbs[0]!.put(META_SCHEMA, u32be(SCHEMA_VERSION), { sync: true });
      }
      const kv = new SplitIndexKV(dbs[0]!, dbs[1]!);
      const indexer = new EventIndexer(kv, opts, dbs);
      const swept = await kv.sweepOrphans(
        await indexer.readMeta(META_BASE_HEIGHT),
        await indexer.lastIndexedHeight(),
      );
      if (swept > 0)
        log.info("event index: dropped records an interrupted write left behind", { records: swept });
      return indexer;
    } catch (err) {
      await closeAll(dbs);
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
    return this.enqueue(b.block.header.height, async () => this.write(encodeIndexable(b)));
  }

  /** indexBlock for a block whose results are still encoded (the worker's path). */
  indexEncoded(b: EncodedBlock): Promise<void> {
    return this.enqueue(b.height, () => this.write(b));
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
        await this.write(encodeIndexable({ block, ...responses }));
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
    await closeAll(this.owned);
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

  private async write(b: EncodedBlock): Promise<void> {
    const height = b.height;
    const last = await this.lastIndexedHeight();
    if (this.retain > 0 && height <= last - this.retain) return; // would be pruned at once
    const ops: BatchOp[] = [];
    const newLast = Math.max(last, height);
    // Every key and record of this batch lives in the arena (see arena.ts).
    const arena = new ByteArena();
    // Pruning first: a later put (a tx seen again at this height) must win over its deletes.
    await this.prune(newLast, height, ops, arena);
    await this.removeHeight(height, ops, arena);

    const n = b.txs.length;
    if (b.txResults.length < n) {
      throw new IndexerError(
        "INDEXER_CORRUPT",
        `block ${height} has ${n} txs but ${b.txResults.length} results`,
      );
    }
    const txEvents = new TxEventGroups(arena, height);
    let index = 0;
    const putTxEvent: AttributeVisitor = (a) => {
      if (indexable(a, RESERVED_TX_TAGS, this.log)) txEvents.add(a, index);
    };
    for (; index < n; index++) {
      const tx = b.txs[index]!;
      const result = b.txResults[index]!;
      const hash = b.txHashes?.[index] ?? txHash(tx);
      ops.push({
        type: "put",
        key: txKey(height, index, arena),
        value: indexedTxRecord(arena, height, index, hash, tx, result),
      });
      const code = this.scan(result, putTxEvent, "INDEXER_BAD_MESSAGE", `tx ${index} of block ${height}`);
      // A successful tx always points here; only a failed one needs a lookup (no await per tx).
      if (code === 0 || (await this.mayPoint(hash, height, code))) {
        ops.push({ type: "put", key: txHashKey(hash, arena), value: txPointer(height, index, arena) });
      }
    }
    for (const [key, value] of txEvents.entries()) ops.push({ type: "put", key, value });
    // Only block event keys are listed in the block record: tx event keys are re-derived from
    // the tx records when a height is removed (rare), instead of being stored twice.
    const blockEventKeys: Uint8Array[] = [];
    const putBlockEvent: AttributeVisitor = (a) => {
      if (!indexable(a, RESERVED_BLOCK_TAGS, this.log)) return;
      const key = scannedBlockEventKey(arena, a, height);
      blockEventKeys.push(key);
      ops.push({ type: "put", key, value: EMPTY });
    };
    for (const [seq, event] of b.blockEvents.entries()) {
      try {
        this.scanner.scanEvent(event, seq, putBlockEvent);
      } catch (err) {
        throw undecodable("INDEXER_BAD_MESSAGE", `block event ${seq} of block ${height}`, err);
      }
    }
    ops.push({
      type: "put",
      key: blockKey(height),
      value: encodeBlockRecord({ txCount: n, eventKeys: blockEventKeys }),
    });

    ops.push({ type: "put", key: META_LAST_HEIGHT, value: u64be(newLast) });
    await this.db.batch(ops, { sync: this.sync });
  }

  /** Visits the indexed attributes of an encoded tx result; returns its code. */
  private scan(result: Uint8Array, visit: AttributeVisitor, code: IndexerErrorCode, what: string): number {
    try {
      return this.scanner.scanTxResult(result, visit);
    } catch (err) {
      throw undecodable(code, `the result of ${what}`, err);
    }
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
  private async removeHeight(height: number, ops: BatchOp[], arena: ByteArena): Promise<void> {
    const raw = await this.db.get(blockKey(height));
    if (raw === undefined) return;
    const rec = decodeBlockRecord(raw);
    // Block event keys are listed in the record; tx event keys are not (below).
    for (const key of rec.eventKeys) ops.push({ type: "del", key });
    // The tx event keys and hash pointers, derived from the stored records exactly as write()
    // derived them.
    const txEvents = new TxEventGroups(arena, height);
    for (let index = 0; index < rec.txCount; index++) {
      const key = txKey(height, index);
      const stored = await this.db.get(key);
      if (stored === undefined) continue;
      const { hash, result } = indexedTxHashAndResult(stored);
      this.scan(
        result,
        (a) => {
          if (indexable(a, RESERVED_TX_TAGS, silentLogger)) txEvents.add(a, index);
        },
        "INDEXER_CORRUPT",
        `stored tx (${height}, ${index})`,
      );
      ops.push({ type: "del", key });
      const ptr = await this.db.get(txHashKey(hash));
      if (ptr !== undefined) {
        const at = parseTxPointer(ptr);
        if (at.height === height && at.index === index) ops.push({ type: "del", key: txHashKey(hash) });
      }
    }
    for (const key of txEvents.keys()) ops.push({ type: "del", key });
    ops.push({ type: "del", key: blockKey(height) });
  }

  private async prune(last: number, current: number, ops: BatchOp[], arena: ByteArena): Promise<void> {
    if (this.retain === 0) return;
    const keepFrom = last - this.retain + 1;
    let base = await this.baseHeight();
    if (base === 0) base = current;
    const until = Math.min(keepFrom - 1, base + this.pruneBatch - 1);
    for (let h = base; h <= until; h++) {
      if (h !== current) await this.removeHeight(h, ops, arena);
    }
    const newBase = Math.max(base, Math.min(keepFrom, until + 1));
    ops.push({ type: "put", key: META_BASE_HEIGHT, value: u64be(newBase) });
  }
}

/** Where the index at `path` keeps its records (`tx_index.db` → `tx_index.records.db`). */
export function recordsPath(path: string): string {
  return path.endsWith(".db") ? `${path.slice(0, -3)}.records.db` : `${path}.records`;
}

async function openAll(paths: readonly string[]): Promise<Database[]> {
  const out: Database[] = [];
  try {
    for (const p of paths) out.push(await Database.open(p));
  } catch (err) {
    await closeAll(out);
    throw err;
  }
  return out;
}

async function closeAll(dbs: readonly Database[]): Promise<void> {
  for (const db of dbs) if (db.isOpen) await db.close();
}

async function isEmpty(db: KV): Promise<boolean> {
  for await (const _ of db.entries({ limit: 1 })) return false;
  return true;
}

/**
 * The layout version an index was written with: null for an empty database, 1 for one written
 * before versions were recorded.
 */
async function schemaVersion(db: KV): Promise<number | null> {
  const v = await db.get(META_SCHEMA);
  if (v !== undefined) {
    if (v.length !== 4) return 0;
    return new DataView(v.buffer, v.byteOffset, 4).getUint32(0);
  }
  for await (const _ of db.entries({ limit: 1 })) return 1;
  return null;
}

function undecodable(code: IndexerErrorCode, what: string, err: unknown): IndexerError {
  const hint = code === "INDEXER_CORRUPT" ? "; rebuild the index" : "";
  return new IndexerError(code, `${what} does not decode (${errorMessage(err)})${hint}`, {}, { cause: err });
}

function tagIs(a: IndexedAttribute, tag: Uint8Array): boolean {
  if (a.typeLen + 1 + a.keyLen !== tag.length) return false;
  const src = a.src;
  for (let i = 0; i < a.typeLen; i++) if (src[a.typeAt + i] !== tag[i]) return false;
  if (tag[a.typeLen] !== 0x2e) return false;
  for (let i = 0; i < a.keyLen; i++) if (src[a.keyAt + i] !== tag[a.typeLen + 1 + i]) return false;
  return true;
}

/** Whether an attribute gets a key: not under a reserved tag, and a tag short enough to store. */
function indexable(a: IndexedAttribute, reserved: readonly Uint8Array[], log: Logger): boolean {
  const tagLen = a.typeLen + 1 + a.keyLen;
  let ok = tagLen <= MAX_TAG_BYTES;
  for (let i = 0; ok && i < reserved.length; i++) if (tagIs(a, reserved[i]!)) ok = false;
  if (!ok) {
    const tag = `${fromUtf8(a.src.subarray(a.typeAt, a.typeAt + a.typeLen))}.${fromUtf8(a.src.subarray(a.keyAt, a.keyAt + a.keyLen))}`;
    log.warn("event indexer: attribute not indexed (reserved or too long tag)", { tag: tag.slice(0, 80) });
  }
  return ok;
}
