/**
 * The event index over two LevelDBs: the tx records (table 01, keys that only ever grow with the
 * height) in one, everything else (postings and hash pointers spread over the whole key space,
 * the small per-block records, metadata) in the other.
 *
 * Why: in one LevelDB every flushed file spans both kinds of key, so each compaction rewrote the
 * records, ~90% of the index's bytes, again and again because of the scattered keys beside them.
 * Alone, records arrive in key order and LevelDB moves their files down the levels without
 * rewriting them. Only one table may live there: with a second (the block records, 04 | h) each
 * flushed file spanned from 01|h to 04|h, overlapped every other file, and compactions rewrote
 * the records again.
 *
 * A batch is written as: record puts, then the rest (which holds the last-indexed height, the
 * commit point), then record deletes. So postings never point at a record not yet written, and
 * a record is deleted only after nothing derives keys from it (`removeHeight` reads a height's
 * records to find its postings). A crash between the steps leaves records ahead of the last
 * indexed height or below the pruned base, never the reverse: `sweepOrphans` drops them on open.
 */
import { bytesKey } from "../codec/bytes.js";
import type { BatchOp, KV, RangeOptions, WriteOptions } from "../store/db.js";
import { TABLE, txKey } from "./keys.js";

const isRecordTable = (table: number | undefined): boolean => table === TABLE.tx;

export class SplitIndexKV implements KV {
  constructor(
    private readonly main: KV,
    private readonly records: KV,
  ) {}

  private of(key: Uint8Array): KV {
    return isRecordTable(key[0]) ? this.records : this.main;
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.of(key).get(key);
  }

  put(key: Uint8Array, value: Uint8Array, opts?: WriteOptions): Promise<void> {
    return this.of(key).put(key, value, opts);
  }

  del(key: Uint8Array, opts?: WriteOptions): Promise<void> {
    return this.of(key).del(key, opts);
  }

  /**
   * Applies `ops` in the three steps above. For a record key put and deleted in one batch, the
   * put wins: the indexer deletes a height's records before writing them again, never after.
   */
  async batch(ops: readonly BatchOp[], opts?: WriteOptions): Promise<void> {
    const rest: BatchOp[] = [];
    const recordPuts: BatchOp[] = [];
    let recordDels: BatchOp[] = [];
    for (const op of ops) {
      if (!isRecordTable(op.key[0])) rest.push(op);
      else if (op.type === "put") recordPuts.push(op);
      else recordDels.push(op);
    }
    if (recordDels.length > 0 && recordPuts.length > 0) {
      const put = new Set(recordPuts.map((o) => bytesKey(o.key)));
      recordDels = recordDels.filter((o) => !put.has(bytesKey(o.key)));
    }
    if (recordPuts.length > 0) await this.records.batch(recordPuts, opts);
    if (rest.length > 0) await this.main.batch(rest, opts);
    if (recordDels.length > 0) await this.records.batch(recordDels, opts);
  }

  /** A range within one table reads one database; a wider one merges both in key order. */
  entries(opts: RangeOptions = {}): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const table = opts.prefix?.[0] ?? opts.gte?.[0];
    const lt = opts.lt;
    const oneTable =
      table !== undefined &&
      (opts.prefix !== undefined ||
        (lt !== undefined && (lt[0] === table || (lt.length === 1 && lt[0] === table + 1))));
    if (oneTable) return (isRecordTable(table) ? this.records : this.main).entries(opts);
    return mergeEntries(this.main.entries(opts), this.records.entries(opts), opts);
  }

  /**
   * Deletes records the other database no longer (or not yet) accounts for: below the pruned
   * `base` height or above the `last` indexed one. Returns how many were deleted.
   */
  async sweepOrphans(base: number, last: number): Promise<number> {
    const ops: BatchOp[] = [];
    const ranges: [Uint8Array, Uint8Array][] = [
      [Uint8Array.of(TABLE.tx), txKey(base, 0)],
      [txKey(last + 1, 0), Uint8Array.of(TABLE.tx + 1)],
    ];
    for (const [gte, lt] of ranges) {
      for await (const [key] of this.records.entries({ gte, lt })) ops.push({ type: "del", key });
    }
    if (ops.length > 0) await this.records.batch(ops, { sync: true });
    return ops.length;
  }
}

async function* mergeEntries(
  a: AsyncGenerator<[Uint8Array, Uint8Array]>,
  b: AsyncGenerator<[Uint8Array, Uint8Array]>,
  opts: RangeOptions,
): AsyncGenerator<[Uint8Array, Uint8Array]> {
  const sign = opts.reverse === true ? -1 : 1;
  let left = opts.limit ?? -1;
  let x = await a.next();
  let y = await b.next();
  try {
    while (left !== 0 && !(x.done && y.done)) {
      const takeA = y.done || (!x.done && sign * Buffer.compare(x.value[0], y.value[0]) <= 0);
      if (takeA) {
        yield x.value as [Uint8Array, Uint8Array];
        x = await a.next();
      } else {
        yield y.value as [Uint8Array, Uint8Array];
        y = await b.next();
      }
      if (left > 0) left--;
    }
  } finally {
    await a.return(undefined);
    await b.return(undefined);
  }
}
