/**
 * State access for modules, in layers:
 *
 *   committed store (SMT flat table + cache)
 *     ├─ block working set  (DeliverTx; written to the SMT by Commit)
 *     │    └─ per-tx msg layer (dropped when the msg fails, so only its gas is paid)
 *     └─ check state        (CheckTx; thrown away and rebuilt from committed state by Commit)
 *
 * Reads and writes are synchronous, so WebAssembly host functions can use them directly;
 * range iteration is asynchronous (it may reach LevelDB) and always in ascending key order.
 */
import { bytesKey } from "../../store/smt/cache.js";
import { MAX_KEY_BYTES } from "../../store/smt/node.js";
import type { SmtChange } from "../../store/smt/store.js";
import { AppError } from "../codes.js";

export interface KvReader {
  /** The value of `key`. It belongs to the store: read it, never modify it. */
  get(key: Uint8Array): Uint8Array | undefined;
  /** Entries whose key starts with `prefix`, ascending by key bytes. */
  iterate(prefix: Uint8Array): AsyncGenerator<[Uint8Array, Uint8Array]>;
}

export interface KvStore extends KvReader {
  /** Writes copies of `key` and `value`, so the caller may reuse its buffers. */
  set(key: Uint8Array, value: Uint8Array): void;
  /**
   * Writes `key` and `value` themselves, without copying: the store takes ownership, and
   * neither the caller nor anyone it shares them with may modify them afterwards. For bytes
   * the caller has just created (an encoder's output) or immutable constants.
   */
  setOwned(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
}

/**
 * A reader that can look a key up by its `bytesKey` identity, which a layer above has already
 * computed (a lookup falling through several layers computes it once).
 */
interface IdReader extends KvReader {
  getById(id: string, key: Uint8Array): Uint8Array | undefined;
}

const hasGetById = (r: KvReader): r is IdReader => typeof (r as Partial<IdReader>).getById === "function";

interface Write {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

const compare = (a: Write, b: Write) => Buffer.compare(a.key, b.key);

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

function checkKey(key: Uint8Array): void {
  // Refused here, inside the msg that wrote it, rather than failing the block's commit.
  if (key.length > MAX_KEY_BYTES || key.length === 0) {
    throw new AppError("INVALID_MSG", `state keys are 1..${MAX_KEY_BYTES} bytes, got ${key.length}`);
  }
}

/**
 * A write-buffering layer over a reader; nothing reaches the parent until `writeTo`. The bytes it
 * holds are never modified (`set` copies, `setOwned` takes ownership), so `get` hands them out
 * without copying and `writeTo` another layer moves them without copying.
 */
export class CacheStore implements KvStore, IdReader {
  private writes = new Map<string, Write>();
  private readonly parentById: IdReader | null;

  constructor(private readonly parent: KvReader) {
    this.parentById = hasGetById(parent) ? parent : null;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.getById(bytesKey(key), key);
  }

  /** `get` for a key whose `bytesKey(key)` is `id`. */
  getById(id: string, key: Uint8Array): Uint8Array | undefined {
    const w = this.writes.get(id);
    if (w !== undefined) return w.value ?? undefined;
    return this.parentById !== null ? this.parentById.getById(id, key) : this.parent.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    checkKey(key);
    this.writes.set(bytesKey(key), { key: key.slice(), value: value.slice() });
  }

  setOwned(key: Uint8Array, value: Uint8Array): void {
    checkKey(key);
    this.writes.set(bytesKey(key), { key, value });
  }

  delete(key: Uint8Array): void {
    this.writes.set(bytesKey(key), { key: key.slice(), value: null });
  }

  /** Number of keys written in this layer. */
  get size(): number {
    return this.writes.size;
  }

  /** This layer's writes in ascending key order (null value = delete). */
  changes(): SmtChange[] {
    return [...this.writes.values()].sort(compare);
  }

  /** Applies this layer's writes to `target` (in key order) and empties the layer. */
  writeTo(target: KvStore): void {
    if (target instanceof CacheStore) {
      // Another layer: the writes (immutable, and this layer forgets them) move as they are.
      // Order does not matter there: a layer's changes and iteration are sorted on the way out.
      const into = target.writes;
      this.writes.forEach((w, id) => {
        into.set(id, w);
      });
    } else {
      for (const w of this.changes()) {
        if (w.value === null) target.delete(w.key);
        else target.setOwned(w.key, w.value);
      }
    }
    this.writes.clear();
  }

  /** Drops every write of this layer. */
  discard(): void {
    this.writes.clear();
  }

  /** The parent's entries merged with this layer's writes, ascending by key. */
  async *iterate(prefix: Uint8Array): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const own = [...this.writes.values()].filter((w) => startsWith(w.key, prefix)).sort(compare);
    let i = 0;
    for await (const [k, v] of this.parent.iterate(prefix)) {
      while (i < own.length && Buffer.compare(own[i]!.key, k) < 0) {
        const w = own[i++]!;
        if (w.value !== null) yield [w.key, w.value];
      }
      if (i < own.length && Buffer.compare(own[i]!.key, k) === 0) {
        const w = own[i++]!;
        if (w.value !== null) yield [w.key, w.value];
        continue;
      }
      yield [k, v];
    }
    for (; i < own.length; i++) {
      const w = own[i]!;
      if (w.value !== null) yield [w.key, w.value];
    }
  }
}
