/**
 * Whole-table moves and drops for layout changes of the one-byte-prefix stores (block store,
 * state store). Each chunk is one atomic batch, so an interrupted run leaves every key either
 * moved or not, and the next open finishes the job.
 */
import { concatBytes } from "../codec/bytes.js";
import type { BatchOp, KV } from "./db.js";

/** Keys handled per batch. */
const CHUNK = 10_000;

/** Deletes every key of `table`, after writing what `replace` makes of it. Returns how many. */
async function rewriteTable(
  db: KV,
  table: number,
  replace: (key: Uint8Array, value: Uint8Array) => BatchOp | null,
): Promise<number> {
  const prefix = Uint8Array.of(table);
  let done = 0;
  for (;;) {
    const ops: BatchOp[] = [];
    let n = 0;
    for await (const [key, value] of db.entries({ prefix, limit: CHUNK })) {
      const put = replace(key, value);
      if (put !== null) ops.push(put);
      ops.push({ type: "del", key });
      n++;
    }
    if (n === 0) return done;
    await db.batch(ops);
    done += n;
  }
}

/** Moves every key of table `from` to table `to` (same suffix, same value). Returns how many. */
export function moveTable(db: KV, from: number, to: number): Promise<number> {
  return rewriteTable(db, from, (key, value) => ({
    type: "put",
    key: concatBytes(Uint8Array.of(to), key.subarray(1)),
    value,
  }));
}

/** Deletes every key of `table`. Returns how many. */
export function dropTable(db: KV, table: number): Promise<number> {
  return rewriteTable(db, table, () => null);
}
