/**
 * The block store: blocks, their metadata and commits, in one LevelDB
 * (`<home>/data/blockstore.db`). Each block is written in ONE atomic batch together with the
 * new height pointer, so after a crash the store holds either all of a block or none of it.
 *
 * Tables (one-byte prefix; heights as 8-byte big-endian so iteration is ordered):
 *   0x01 height        -> Block
 *   0x02 block hash    -> height
 *   0x03 height        -> BlockMeta {blockHash, blockSize, header, numTxs}
 *   0x04 height        -> seen commit (the +2/3 precommits this node saw for the block)
 *   0x05               -> retired (was tx hash -> location; the event index finds txs by hash)
 *   0x06 height        -> canonical commit (the next block's lastCommit)
 *   0xff "state"       -> {base, height} (0x00 before; moved on open)
 */
import { equalBytes, readU64be, toHexUpper, u64be, utf8 } from "../codec/bytes.js";
import { DccnError } from "../errors.js";
import {
  type Block,
  type Commit,
  decodeBlock,
  decodeCommit,
  encodeBlock,
  encodeCommit,
  headerHash,
} from "../types/block.js";
import { type BatchOp, Database, type KV, StoreError } from "./db.js";
import { heightKey, tableKey } from "./keys.js";
import {
  type BlockMeta,
  type BlockStoreRange,
  decodeBlockMeta,
  decodeBlockStoreRange,
  encodeBlockMeta,
  encodeBlockStoreRange,
} from "./records.js";
import { dropTable, moveTable } from "./tables.js";

export type BlockStoreErrorCode =
  | "BLOCKSTORE_NON_CONTIGUOUS"
  | "BLOCKSTORE_COMMIT_MISMATCH"
  | "BLOCKSTORE_CONFLICT"
  | "BLOCKSTORE_PRUNE_RANGE";

export class BlockStoreError extends DccnError<BlockStoreErrorCode> {
  constructor(code: BlockStoreErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "BlockStoreError";
  }
}

/**
 * The range pointer is rewritten with every block. It sorts last so that a flushed file of
 * this database spans from its lowest block to the small tables, not from the very first key:
 * at 0x00 every file overlapped every stored block, and compactions kept rewriting them all.
 */
const T_STATE = 0xff;
/** Where the range pointer was kept before; moved to T_STATE on open. */
const T_LEGACY_STATE = 0x00;
const T_BLOCK = 0x01;
const T_HASH = 0x02;
const T_META = 0x03;
const T_SEEN_COMMIT = 0x04;
/**
 * Retired: tx hash -> (height, index), one key per tx. The event indexer answers /tx by hash;
 * here the scattered keys made every flushed file span all tables, so compactions kept
 * rewriting the blocks beside them. Stores written before are swept on open.
 */
const T_RETIRED_TX = 0x05;
const T_COMMIT = 0x06;

const STATE_KEY = tableKey(T_STATE, utf8("state"));
/** Heights pruned per atomic batch (bounds memory; each batch also moves `base`). */
const PRUNE_CHUNK = 500;

export class BlockStore {
  private range: BlockStoreRange;
  /** Serialises writers: saveBlock and pruneBlocks both move the range pointer. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: KV,
    range: BlockStoreRange,
    private readonly owned: Database | undefined,
  ) {
    this.range = range;
  }

  /** Opens (or creates) the block store database at `path` and owns it. */
  static async open(path: string): Promise<BlockStore> {
    const db = await Database.open(path, { sync: true });
    try {
      return new BlockStore(db, await readRange(db), db);
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
  }

  /** A block store over a KV the caller owns (and closes). */
  static async fromKV(db: KV): Promise<BlockStore> {
    return new BlockStore(db, await readRange(db), undefined);
  }

  /** Lowest stored height (0 when empty). */
  base(): number {
    return this.range.base;
  }

  /** Highest stored height (0 when empty). */
  height(): number {
    return this.range.height;
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Saves `block` (the next height, or any height when the store is empty) with the commit
   * this node saw for it. Saving the same block again is a no-op; a different block at a
   * stored height is BLOCKSTORE_CONFLICT.
   */
  saveBlock(block: Block, seenCommit: Commit): Promise<void> {
    return this.serialize(() => this.doSaveBlock(block, seenCommit));
  }

  private async doSaveBlock(block: Block, seenCommit: Commit): Promise<void> {
    const height = block.header.height;
    const hash = headerHash(block.header);
    if (!Number.isSafeInteger(height) || height < 1) {
      throw new BlockStoreError("BLOCKSTORE_NON_CONTIGUOUS", `cannot save a block at height ${height}`);
    }
    if (this.range.height !== 0 && height <= this.range.height && height >= this.range.base) {
      const existing = await this.loadBlockMeta(height);
      if (existing !== null && equalBytes(existing.blockHash, hash)) return;
      throw new BlockStoreError(
        "BLOCKSTORE_CONFLICT",
        `a different block is already stored at height ${height} (stored ${toHexUpper(existing?.blockHash ?? new Uint8Array(0))}, new ${toHexUpper(hash)})`,
        { height },
      );
    }
    if (this.range.height !== 0 && height !== this.range.height + 1) {
      throw new BlockStoreError(
        "BLOCKSTORE_NON_CONTIGUOUS",
        `can only save height ${this.range.height + 1} next, got ${height}`,
        { height, expected: this.range.height + 1 },
      );
    }
    if (seenCommit.height !== height || !equalBytes(seenCommit.blockHash, hash)) {
      throw new BlockStoreError(
        "BLOCKSTORE_COMMIT_MISMATCH",
        `the seen commit is for height ${seenCommit.height} block ${toHexUpper(seenCommit.blockHash)}, not for height ${height} block ${toHexUpper(hash)}`,
        { height },
      );
    }
    if (block.lastCommit !== null && block.lastCommit.height !== height - 1) {
      throw new BlockStoreError(
        "BLOCKSTORE_COMMIT_MISMATCH",
        `block ${height} carries a last commit for height ${block.lastCommit.height}`,
        { height },
      );
    }

    const encoded = encodeBlock(block);
    const meta: BlockMeta = {
      blockHash: hash,
      blockSize: encoded.length,
      header: block.header,
      numTxs: block.txs.length,
    };
    const ops: BatchOp[] = [
      { type: "put", key: heightKey(T_BLOCK, height), value: encoded },
      { type: "put", key: tableKey(T_HASH, hash), value: u64be(height) },
      { type: "put", key: heightKey(T_META, height), value: encodeBlockMeta(meta) },
      { type: "put", key: heightKey(T_SEEN_COMMIT, height), value: encodeCommit(seenCommit) },
    ];
    if (block.lastCommit !== null && height > 1) {
      ops.push({ type: "put", key: heightKey(T_COMMIT, height - 1), value: encodeCommit(block.lastCommit) });
    }
    const next: BlockStoreRange = { base: this.range.height === 0 ? height : this.range.base, height };
    ops.push({ type: "put", key: STATE_KEY, value: encodeBlockStoreRange(next) });
    await this.db.batch(ops);
    this.range = next;
  }

  private inRange(height: number): boolean {
    return this.range.height !== 0 && height >= this.range.base && height <= this.range.height;
  }

  async loadBlock(height: number): Promise<Block | null> {
    if (!this.inRange(height)) return null;
    const bytes = await this.db.get(heightKey(T_BLOCK, height));
    return bytes === undefined ? null : decodeBlock(bytes);
  }

  /** The height of the stored block with this hash, or null. */
  async loadHeightByHash(hash: Uint8Array): Promise<number | null> {
    const bytes = await this.db.get(tableKey(T_HASH, hash));
    if (bytes === undefined) return null;
    if (bytes.length !== 8) throw new StoreError("STORE_CORRUPT", "block hash index entry is not 8 bytes");
    const height = Number(readU64be(bytes));
    return this.inRange(height) ? height : null;
  }

  async loadBlockByHash(hash: Uint8Array): Promise<Block | null> {
    const height = await this.loadHeightByHash(hash);
    return height === null ? null : this.loadBlock(height);
  }

  async loadBlockMeta(height: number): Promise<BlockMeta | null> {
    if (!this.inRange(height)) return null;
    const bytes = await this.db.get(heightKey(T_META, height));
    return bytes === undefined ? null : decodeBlockMeta(bytes);
  }

  async loadBlockMetaByHash(hash: Uint8Array): Promise<BlockMeta | null> {
    const height = await this.loadHeightByHash(hash);
    return height === null ? null : this.loadBlockMeta(height);
  }

  /**
   * The commit for `height`: the canonical one (block height+1's lastCommit) when that block is
   * stored, else the commit this node saw (only the latest height normally lacks a canonical one).
   */
  async loadCommit(height: number): Promise<Commit | null> {
    if (!this.inRange(height)) return null;
    const bytes = await this.db.get(heightKey(T_COMMIT, height));
    if (bytes !== undefined) return decodeCommit(bytes);
    return this.loadSeenCommit(height);
  }

  /** The +2/3 precommits this node itself saw when it committed `height`. */
  async loadSeenCommit(height: number): Promise<Commit | null> {
    if (!this.inRange(height)) return null;
    const bytes = await this.db.get(heightKey(T_SEEN_COMMIT, height));
    return bytes === undefined ? null : decodeCommit(bytes);
  }

  /**
   * Deletes blocks below `retainHeight` (and their commits and hash entries), moving the
   * base up. Returns how many blocks were removed. Each chunk is one atomic batch.
   */
  pruneBlocks(retainHeight: number): Promise<number> {
    return this.serialize(() => this.doPrune(retainHeight));
  }

  private async doPrune(retainHeight: number): Promise<number> {
    if (this.range.height === 0 || retainHeight <= this.range.base) return 0;
    if (retainHeight > this.range.height) {
      throw new BlockStoreError(
        "BLOCKSTORE_PRUNE_RANGE",
        `cannot prune up to ${retainHeight}: the latest stored height is ${this.range.height}`,
        { retainHeight, height: this.range.height },
      );
    }
    let pruned = 0;
    while (this.range.base < retainHeight) {
      const from = this.range.base;
      const to = Math.min(retainHeight, from + PRUNE_CHUNK);
      const ops: BatchOp[] = [];
      for (let h = from; h < to; h++) {
        // The meta holds the block's hash: no need to decode the whole block for it.
        const meta = await this.db.get(heightKey(T_META, h));
        if (meta !== undefined)
          ops.push({ type: "del", key: tableKey(T_HASH, decodeBlockMeta(meta).blockHash) });
        ops.push({ type: "del", key: heightKey(T_BLOCK, h) });
        ops.push({ type: "del", key: heightKey(T_META, h) });
        ops.push({ type: "del", key: heightKey(T_SEEN_COMMIT, h) });
        ops.push({ type: "del", key: heightKey(T_COMMIT, h) });
      }
      const next: BlockStoreRange = { base: to, height: this.range.height };
      ops.push({ type: "put", key: STATE_KEY, value: encodeBlockStoreRange(next) });
      await this.db.batch(ops);
      this.range = next;
      pruned += to - from;
    }
    return pruned;
  }

  /** Closes the database if this store opened it. */
  async close(): Promise<void> {
    await this.queue;
    await this.owned?.close();
  }
}

/** Reads the range pointer, first bringing a store of an older layout up to date. */
async function readRange(db: KV): Promise<BlockStoreRange> {
  await dropTable(db, T_RETIRED_TX);
  await moveTable(db, T_LEGACY_STATE, T_STATE);
  const bytes = await db.get(STATE_KEY);
  return bytes === undefined ? { base: 0, height: 0 } : decodeBlockStoreRange(bytes);
}
