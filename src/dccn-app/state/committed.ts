/**
 * Read access to committed state: the latest version through the SMT's flat table behind a
 * bounded value cache (absent keys are cached too), and older versions by tree walk.
 */
import { BoundedCache, bytesKey } from "../../store/smt/cache.js";
import type { SmtChange, SmtStore } from "../../store/smt/store.js";
import { AppError } from "../codes.js";
import type { KvReader } from "./kv.js";

/** Marks a key known to be absent in the cache. */
const ABSENT = new Uint8Array(0);

export class CommittedState implements KvReader {
  private readonly values: BoundedCache<string, Uint8Array>;

  constructor(
    readonly smt: SmtStore,
    cacheSize = 100_000,
  ) {
    this.values = new BoundedCache(cacheSize);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.getById(bytesKey(key), key);
  }

  /** `get` for a key whose `bytesKey(key)` is `id` (a layer above computed it already). */
  getById(id: string, key: Uint8Array): Uint8Array | undefined {
    const cached = this.values.get(id);
    if (cached !== undefined) return cached === ABSENT ? undefined : cached;
    const v = this.smt.getLatest(key);
    this.values.set(id, v ?? ABSENT);
    return v;
  }

  iterate(prefix: Uint8Array): AsyncGenerator<[Uint8Array, Uint8Array]> {
    return this.smt.iterateLatest(prefix);
  }

  /** Brings the cache in line with a version just committed to the SMT. */
  applyCommitted(changes: readonly SmtChange[]): void {
    for (const c of changes) this.values.set(bytesKey(c.key), c.value ?? ABSENT);
  }
}

/** Read-only state as of an older version (queries with an explicit height). */
export class VersionReader implements KvReader {
  constructor(
    private readonly smt: SmtStore,
    readonly version: number,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    return this.smt.get(key, this.version);
  }

  // biome-ignore lint/correctness/useYield: the generator only reports that it is unsupported.
  async *iterate(): AsyncGenerator<[Uint8Array, Uint8Array]> {
    throw new AppError(
      "HEIGHT_UNAVAILABLE",
      `range queries are served at the latest height only, not at height ${this.version}`,
    );
  }
}
