/**
 * Entry of the event indexer's worker thread (started by ThreadedIndexer). It owns
 * `tx_index.db` through the one EventIndexer implementation and answers the parent's requests
 * (worker-protocol.ts) in the order they arrive: a write is queued on receipt, and a read first
 * waits for the writes received before it, so a read sent after a block sees that block.
 * Every request gets exactly one reply; a malformed one gets an INDEXER_BAD_MESSAGE reply.
 */
import { parentPort } from "node:worker_threads";
import type { Logger, LogLevel } from "../log.js";
import { encodeIndexedTx } from "./codec.js";
import { IndexerError } from "./errors.js";
import { EventIndexer } from "./indexer.js";
import type { Query } from "./query.js";
import {
  badMessage,
  HASH_BYTES,
  isHeight,
  isRecord,
  packRefs,
  serializeError,
  unpackBlock,
  type WorkerLog,
  type WorkerReply,
} from "./worker-protocol.js";

const port = parentPort;
if (port === null) throw new Error("worker-main.js runs only as a worker thread (see ThreadedIndexer)");

interface Answer {
  readonly value: unknown;
  readonly transfer?: ArrayBuffer[];
}
const NONE: Answer = { value: null };

function forward(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  const line: WorkerLog = fields === undefined ? { log: level, msg } : { log: level, msg, fields };
  try {
    port?.postMessage(line);
  } catch {
    // Fields that do not clone (a function, a symbol…) still leave a readable line.
    port?.postMessage({ log: level, msg, fields: { detail: String(JSON.stringify(fields) ?? "") } });
  }
}

const logger: Logger = {
  debug: (m, f) => forward("debug", m, f),
  info: (m, f) => forward("info", m, f),
  warn: (m, f) => forward("warn", m, f),
  error: (m, f) => forward("error", m, f),
  child: () => logger,
};

let indexer: EventIndexer | null = null;
let state: "new" | "opening" | "open" | "closed" = "new";
/** Searches in progress by request id, so the parent can stop one whose caller gave up. */
const searches = new Map<number, AbortController>();

function current(): EventIndexer {
  if (state === "closed") throw new IndexerError("INDEXER_CLOSED", "the event indexer is closed");
  if (indexer === null) throw new IndexerError("INDEXER_UNAVAILABLE", "the event indexer is not open yet");
  return indexer;
}

const optionalNumber = (v: unknown): v is number | undefined => v === undefined || typeof v === "number";

async function open(m: Record<string, unknown>): Promise<Answer> {
  const { path, retainHeights, pruneBatchHeights, sync } = m;
  if (state !== "new") throw badMessage("open: the indexer is already open");
  if (typeof path !== "string" || path === "") throw badMessage("open: path must be a non-empty string");
  if (!optionalNumber(retainHeights) || !optionalNumber(pruneBatchHeights)) {
    throw badMessage("open: retainHeights and pruneBatchHeights must be numbers");
  }
  if (sync !== undefined && typeof sync !== "boolean") throw badMessage("open: sync must be a boolean");
  state = "opening";
  try {
    indexer = await EventIndexer.open(path, {
      logger,
      ...(retainHeights === undefined ? {} : { retainHeights }),
      ...(pruneBatchHeights === undefined ? {} : { pruneBatchHeights }),
      ...(sync === undefined ? {} : { sync }),
    });
  } catch (err) {
    state = "new";
    throw err;
  }
  state = "open";
  return NONE;
}

function queryOf(v: unknown): Query {
  if (!isRecord(v) || typeof v.text !== "string" || !Array.isArray(v.conditions)) {
    throw badMessage("search: query must be a parsed query");
  }
  for (const c of v.conditions) {
    if (!isRecord(c) || typeof c.tag !== "string" || typeof c.op !== "string") {
      throw badMessage("search: every query condition needs a tag and an operator");
    }
  }
  return v as unknown as Query;
}

async function search(
  id: number,
  idx: EventIndexer,
  op: "searchTxs" | "searchBlocks",
  q: Query,
): Promise<Answer> {
  const ready = idx.idle();
  const controller = new AbortController();
  searches.set(id, controller);
  try {
    await ready;
    if (op === "searchTxs") {
      const refs = packRefs(await idx.searchTxs(q, controller.signal));
      return { value: refs, transfer: [refs.buffer as ArrayBuffer] };
    }
    const heights = Float64Array.from(await idx.searchBlocks(q, controller.signal));
    return { value: heights, transfer: [heights.buffer as ArrayBuffer] };
  } finally {
    searches.delete(id);
  }
}

/** Runs one request. Everything before the first `await` is synchronous: that keeps the order. */
async function handle(id: number, m: Record<string, unknown>): Promise<Answer> {
  const op = m.op;
  if (op === "open") return open(m);
  if (op === "cancel") {
    searches.get(Number(m.target))?.abort(new Error("search cancelled by the caller"));
    return NONE;
  }
  const idx = current();
  switch (op) {
    case "index": {
      if (!(m.block instanceof ArrayBuffer)) throw badMessage("index: block must be an ArrayBuffer");
      await idx.indexEncoded(unpackBlock(m.block));
      return NONE;
    }
    case "getTx": {
      const hash = m.hash;
      if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) {
        throw badMessage(`getTx: hash must be ${HASH_BYTES} bytes`);
      }
      await idx.idle();
      const t = await idx.getTx(hash);
      return t === undefined ? NONE : recordAnswer(encodeIndexedTx(t));
    }
    case "loadTx": {
      const { height, index } = m;
      if (!isHeight(height) || !isHeight(index))
        throw badMessage("loadTx: height and index must be integers >= 0");
      await idx.idle();
      const t = await idx.loadTx({ height, index });
      return t === undefined ? NONE : recordAnswer(encodeIndexedTx(t));
    }
    case "searchTxs":
    case "searchBlocks":
      return search(id, idx, op, queryOf(m.query));
    case "lastIndexedHeight":
    case "baseHeight": {
      await idx.idle();
      return { value: op === "baseHeight" ? await idx.baseHeight() : await idx.lastIndexedHeight() };
    }
    case "idle":
      await idx.idle();
      return NONE;
    case "close":
      state = "closed";
      for (const c of searches.values())
        c.abort(new IndexerError("INDEXER_CLOSED", "the event indexer is closing"));
      // Finishes the writes queued before it, then closes the database.
      await idx.close();
      return NONE;
    default:
      throw badMessage(`unknown request ${JSON.stringify(op)}`);
  }
}

/** A tx record's bytes in a buffer of their own, transferred rather than copied. */
function recordAnswer(bytes: Uint8Array): Answer {
  return { value: bytes, transfer: [bytes.buffer as ArrayBuffer] };
}

function send(reply: WorkerReply, transfer?: ArrayBuffer[]): void {
  try {
    port?.postMessage(reply, transfer ?? []);
  } catch (err) {
    port?.postMessage({
      id: reply.id,
      ok: false,
      error: serializeError(badMessage(`reply does not clone: ${err}`)),
    });
  }
}

port.on("message", (m: unknown) => {
  if (!isRecord(m) || !isHeight(m.id) || typeof m.op !== "string") {
    // Nothing to answer to: the parent only learns of it through the log.
    logger.warn("event indexer worker: malformed request ignored", {
      id: isRecord(m) ? String(m.id) : typeof m,
    });
    return;
  }
  const id = m.id;
  handle(id, m).then(
    (a) => send({ id, ok: true, value: a.value }, a.transfer),
    (err: unknown) => send({ id, ok: false, error: serializeError(err) }),
  );
});
