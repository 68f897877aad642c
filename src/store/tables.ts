/**
 * Whole-table moves and drops for layout changes of the one-byte-prefix stores (block store,
 * state store). Each chunk is one atomic batch, so an interrupted run leaves every key either
 * moved or not, and the next open finishes the job.
 */
import { concatBytes } from "../codec/bytes.js";
import type { BatchOp, KV } from "./db.js";

/** Keys handled per batch. */
const CHUNK = 10_000;

/** Moves every key of table `from` to table `to` (same suffix, same value). Returns how many. */
export async function moveTable(db: KV, from: number, to: number): Promise<number> {
  const prefix = Uint8Array.of(from);
  let moved = 0;
  for (;;) {
    const ops: BatchOp[] = [];
    for await (const [key, value] of db.entries({ prefix, limit: CHUNK })) {
      ops.push({ type: "put", key: concatBytes(Uint8Array.of(to), key.subarray(1)), value });
      ops.push({ type: "del", key });
    }
    if (ops.length === 0) return moved;
    await db.batch(ops);
    moved += ops.length / 2;
  }
}

/** Deletes every key of table `table`. Returns how many. */
export async function dropTable(db: KV, table: number): Promise<number> {
  const prefix = Uint8Array.of(table);
  let dropped = 0;
  for (;;) {
    const ops: BatchOp[] = [];
    for await (const [key] of db.entries({ prefix, limit: CHUNK })) ops.push({ type: "del", key });
    if (ops.length === 0) return dropped;
    await db.batch(ops);
    dropped += ops.length;
  }
}
