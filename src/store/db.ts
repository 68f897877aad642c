/**
 * LevelDB handle (classic-level) with binary keys and values, typed errors and a bounded close.
 *
 * `KV` is the small storage interface the rest of the node programs against; `Database`
 * implements it over one LevelDB directory. Keys are raw bytes, so callers build ordered keys
 * with fixed-width big-endian integers (see keys.ts).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { ClassicLevel } from "classic-level";
import { asBytes } from "../codec/bytes.js";
import { DccnError } from "../errors.js";

export type StoreErrorCode =
  | "STORE_OPEN_FAILED"
  | "STORE_CLOSED"
  | "STORE_CLOSE_TIMEOUT"
  | "STORE_IO"
  | "STORE_CORRUPT";

export class StoreError extends DccnError<StoreErrorCode> {
  constructor(
    code: StoreErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "StoreError";
  }
}

export type BatchOp =
  | { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "del"; readonly key: Uint8Array };

export interface WriteOptions {
  /** fsync before resolving (survives an OS crash, not only a process crash). */
  readonly sync?: boolean;
}

export interface RangeOptions {
  /** Only keys starting with these bytes. Combines with gte/lt (the narrower bound wins). */
  readonly prefix?: Uint8Array;
  readonly gte?: Uint8Array;
  readonly lt?: Uint8Array;
  readonly reverse?: boolean;
  readonly limit?: number;
}

/** The storage interface other modules use; `Database` is the LevelDB implementation. */
export interface KV {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  put(key: Uint8Array, value: Uint8Array, opts?: WriteOptions): Promise<void>;
  del(key: Uint8Array, opts?: WriteOptions): Promise<void>;
  /** All operations are applied atomically, or none is. */
  batch(ops: readonly BatchOp[], opts?: WriteOptions): Promise<void>;
  /** Entries in key order (or reverse), over a consistent snapshot of the database. */
  entries(opts?: RangeOptions): AsyncGenerator<[Uint8Array, Uint8Array]>;
}

export interface OpenOptions {
  /** Fail instead of creating a missing database. */
  readonly mustExist?: boolean;
  /** Default for writes that do not say (see WriteOptions.sync). */
  readonly sync?: boolean;
}

export const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

type Level = ClassicLevel<Uint8Array, Uint8Array>;

/** The smallest key greater than every key starting with `prefix` (undefined: no upper bound). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.slice(0, i + 1);
    }
  }
  return undefined;
}

function maxBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Buffer.compare(a, b) >= 0 ? a : b;
}

function minBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Buffer.compare(a, b) <= 0 ? a : b;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function isLocked(err: unknown): boolean {
  for (let e: unknown = err; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    if (errorCode(e) === "LEVEL_LOCKED") return true;
    if (typeof e !== "object") break;
  }
  return false;
}

/**
 * classic-level's own array batch (`_batch`): the ops go to native code in one call, which builds
 * the LevelDB WriteBatch, writes it on a worker thread and frees it right after. Both public
 * alternatives cost more:
 * - abstract-level's `batch(array)` clones every op object to run hooks and encodings we do not
 *   use (~5 µs/op measured; the event indexer writes 10+ ops per tx);
 * - a chained batch (`batch()` then put/write) keeps its native WriteBatch — a copy of every key
 *   and value written (a block's txs, results and index entries) — until V8 garbage-collects the JS handle (classic-level 3 frees it only in a GC finalizer), and V8 is
 *   never told about that memory, so under load it piles up in malloc between major GCs.
 * Keys and values are Uint8Arrays, which the native side reads as buffers ("view" encoding).
 * If an upgrade drops `_batch`, the public array batch is used.
 */
interface ArrayBatchWriter {
  readonly _batch?: (ops: readonly BatchOp[], options: { sync: boolean }) => Promise<void>;
}

function toLevelOp(
  o: BatchOp,
): { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array } {
  return o.type === "put" ? { type: "put", key: o.key, value: o.value } : { type: "del", key: o.key };
}

export class Database implements KV {
  private closed = false;

  private constructor(
    private readonly level: Level,
    readonly path: string,
    private readonly defaultSync: boolean,
  ) {}

  /** Opens (creating unless `mustExist`) the LevelDB directory at `path`. */
  static async open(path: string, opts: OpenOptions = {}): Promise<Database> {
    const mustExist = opts.mustExist ?? false;
    try {
      if (!mustExist) mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new StoreError(
        "STORE_OPEN_FAILED",
        `cannot create the directory for database ${path}: ${String(err)}`,
        { path },
        { cause: err },
      );
    }
    const level: Level = new ClassicLevel<Uint8Array, Uint8Array>(path, {
      keyEncoding: "view",
      valueEncoding: "view",
      createIfMissing: !mustExist,
    });
    try {
      await level.open();
    } catch (err) {
      const hint = isLocked(err)
        ? " — it is locked by another process (is another dccn node running with this home?)"
        : mustExist
          ? " — does it exist?"
          : "";
      throw new StoreError(
        "STORE_OPEN_FAILED",
        `cannot open database ${path}${hint}`,
        { path, locked: isLocked(err) },
        { cause: err },
      );
    }
    return new Database(level, path, opts.sync ?? false);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * The underlying classic-level handle (binary keys/values), for modules that need
   * features beyond `KV` (snapshots, chained batches). Do not close it directly.
   */
  get raw(): ClassicLevel<Uint8Array, Uint8Array> {
    this.assertOpen();
    return this.level;
  }

  private assertOpen(): void {
    if (this.closed)
      throw new StoreError("STORE_CLOSED", `database ${this.path} is closed`, { path: this.path });
  }

  private io(op: string, err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    return new StoreError(
      "STORE_IO",
      `database ${this.path}: ${op} failed: ${String(err)}`,
      { path: this.path, op },
      {
        cause: err,
      },
    );
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.assertOpen();
    try {
      const v = await this.level.get(key);
      return v === undefined ? undefined : asBytes(v);
    } catch (err) {
      throw this.io("get", err);
    }
  }

  async put(key: Uint8Array, value: Uint8Array, opts: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    try {
      await this.level.put(key, value, { sync: opts.sync ?? this.defaultSync });
    } catch (err) {
      throw this.io("put", err);
    }
  }

  async del(key: Uint8Array, opts: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    try {
      await this.level.del(key, { sync: opts.sync ?? this.defaultSync });
    } catch (err) {
      throw this.io("del", err);
    }
  }

  async batch(ops: readonly BatchOp[], opts: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    if (ops.length === 0) return;
    const options = { sync: opts.sync ?? this.defaultSync };
    try {
      const direct = (this.level as unknown as ArrayBatchWriter)._batch;
      if (typeof direct === "function") await direct.call(this.level, ops, options);
      else await this.level.batch(ops.map(toLevelOp), options);
    } catch (err) {
      throw this.io("batch", err);
    }
  }

  async *entries(opts: RangeOptions = {}): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.assertOpen();
    const gte = maxBytes(opts.gte, opts.prefix);
    const lt = minBytes(opts.lt, opts.prefix === undefined ? undefined : prefixEnd(opts.prefix));
    const it = this.level.iterator({
      ...(gte !== undefined ? { gte } : {}),
      ...(lt !== undefined ? { lt } : {}),
      reverse: opts.reverse ?? false,
      limit: opts.limit ?? -1,
    });
    try {
      for (;;) {
        let batch: [Uint8Array, Uint8Array][];
        try {
          batch = await it.nextv(256);
        } catch (err) {
          throw this.io("iterate", err);
        }
        if (batch.length === 0) return;
        for (const [k, v] of batch) yield [asBytes(k), asBytes(v)];
      }
    } finally {
      await it.close().catch(() => {});
    }
  }

  /** Closes the database; rejects with STORE_CLOSE_TIMEOUT if LevelDB does not finish in time. */
  async close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreError("STORE_CLOSE_TIMEOUT", `closing database ${this.path} took over ${timeoutMs} ms`, {
              path: this.path,
            }),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.level.close(), timeout]);
    } catch (err) {
      throw this.io("close", err);
    } finally {
      clearTimeout(timer);
    }
  }
}
