/**
 * Ordered iteration of contract storage for the synchronous `storage_next` host call.
 *
 * The app's state reads keys synchronously but iterates ranges only asynchronously (a range may
 * reach LevelDB), and a wasm host function cannot await. So this index keeps, per contract, a
 * sorted set of CANDIDATE storage keys in memory: every key loaded from state, plus every key
 * this process has written or removed since. It is a superset of the keys present in any state
 * the node reads (committed, block working set, a call's layers), so "the next key" is the first
 * candidate that a synchronous read of the actual state finds. The answer therefore depends only
 * on state — never on what this node's index happens to hold (which differs after a restart) —
 * and the runtime charges gas per call, not per candidate skipped.
 *
 * A contract's keys are loaded on its first iteration: the host throws `StorageIndexMiss`, which
 * unwinds the whole VM call (reverting everything); the caller awaits `load` and re-runs the call
 * from scratch, so a miss changes nothing but time. Candidates for deleted or never-committed
 * keys are pruned against committed state at the start of each block.
 */

import { toHex } from "../../codec/bytes.js";
import { DccnError } from "../../errors.js";
import { bytesKey } from "../../store/smt/cache.js";
import type { KvReader } from "../state/kv.js";
import { STORAGE_KEY_OFFSET, storageKey, storagePrefix } from "./keys.js";

/** Thrown by the host when a contract's keys must be loaded before it can be iterated. */
export class StorageIndexMiss extends DccnError<"WASM_INDEX_MISS"> {
  constructor(readonly contract: Uint8Array) {
    super("WASM_INDEX_MISS", `storage keys of contract ${toHex(contract)} are not loaded yet`);
    this.name = "StorageIndexMiss";
  }
}

const compare = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);

/** Max keys per chunk before it splits: inserts move at most this many references. */
const CHUNK = 256;

/** A sorted set of byte strings as a list of sorted chunks (cheap inserts at any size). */
export class SortedKeySet {
  private readonly chunks: Uint8Array[][] = [];
  private readonly members = new Set<string>();

  get size(): number {
    return this.members.size;
  }

  has(key: Uint8Array): boolean {
    return this.members.has(bytesKey(key));
  }

  add(key: Uint8Array): void {
    const id = bytesKey(key);
    if (this.members.has(id)) return;
    this.members.add(id);
    const copy = key.slice();
    if (this.chunks.length === 0) {
      this.chunks.push([copy]);
      return;
    }
    const ci = Math.min(this.chunkFor(copy), this.chunks.length - 1);
    const chunk = this.chunks[ci]!;
    chunk.splice(lowerBound(chunk, copy), 0, copy);
    if (chunk.length > 2 * CHUNK) this.chunks.splice(ci, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
  }

  delete(key: Uint8Array): void {
    const id = bytesKey(key);
    if (!this.members.delete(id)) return;
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci]!;
    chunk.splice(lowerBound(chunk, key), 1);
    if (chunk.length === 0) this.chunks.splice(ci, 1);
  }

  /** Keys ≥ `start` (> `start` when `exclusive`), ascending. */
  *from(start: Uint8Array, exclusive: boolean): Generator<Uint8Array> {
    for (let ci = this.chunkFor(start); ci < this.chunks.length; ci++) {
      const chunk = this.chunks[ci]!;
      let i = lowerBound(chunk, start);
      if (exclusive && i < chunk.length && compare(chunk[i]!, start) === 0) i++;
      for (; i < chunk.length; i++) yield chunk[i]!;
      start = EMPTY;
      exclusive = false;
    }
  }

  /** The first chunk whose last key is ≥ key (chunks.length if none). */
  private chunkFor(key: Uint8Array): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid]!;
      if (compare(chunk[chunk.length - 1]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const EMPTY = new Uint8Array(0);

function lowerBound(chunk: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(chunk[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

interface ContractKeys {
  readonly keys: SortedKeySet;
  loaded: boolean;
}

export class StorageKeyIndex {
  private readonly contracts = new Map<string, ContractKeys>();
  /** Keys written or removed since the last prune, as [contract, key]. */
  private dirty: [Uint8Array, Uint8Array][] = [];

  private entry(contract: Uint8Array): ContractKeys {
    const id = bytesKey(contract);
    let e = this.contracts.get(id);
    if (e === undefined) {
      e = { keys: new SortedKeySet(), loaded: false };
      this.contracts.set(id, e);
    }
    return e;
  }

  /** Records a key a contract wrote or removed (loaded or not, so a later load cannot miss it). */
  touch(contract: Uint8Array, key: Uint8Array): void {
    const e = this.entry(contract);
    if (!e.keys.has(key)) e.keys.add(key);
    this.dirty.push([contract.slice(), key.slice()]);
  }

  isLoaded(contract: Uint8Array): boolean {
    return this.contracts.get(bytesKey(contract))?.loaded === true;
  }

  /** Adds every storage key of `contract` present in `store`, then marks the contract loaded. */
  async load(contract: Uint8Array, store: KvReader): Promise<void> {
    const e = this.entry(contract);
    for await (const [k] of store.iterate(storagePrefix(contract)))
      e.keys.add(k.subarray(STORAGE_KEY_OFFSET));
    e.loaded = true;
  }

  /**
   * Candidate keys of a loaded contract that start with `prefix` and sort after `after`
   * (from the prefix itself when `after` is undefined or sorts before it), ascending.
   */
  *candidates(
    contract: Uint8Array,
    prefix: Uint8Array,
    after: Uint8Array | undefined,
  ): Generator<Uint8Array> {
    const e = this.contracts.get(bytesKey(contract));
    if (e === undefined) return;
    const fromPrefix = after === undefined || compare(after, prefix) < 0;
    for (const k of e.keys.from(fromPrefix ? prefix : after, !fromPrefix)) {
      if (!startsWith(k, prefix)) return;
      yield k;
    }
  }

  /**
   * Drops candidates touched since the last prune that committed state no longer holds. Call it
   * only while no uncommitted contract writes exist (at the start of a block), with a reader of
   * committed state.
   */
  prune(committed: KvReader): void {
    const dirty = this.dirty;
    this.dirty = [];
    for (const [contract, key] of dirty) {
      if (committed.get(storageKey(contract, key)) !== undefined) continue;
      this.contracts.get(bytesKey(contract))?.keys.delete(key);
    }
  }

  /** Candidate count of a contract (tests and metrics). */
  candidateCount(contract: Uint8Array): number {
    return this.contracts.get(bytesKey(contract))?.keys.size ?? 0;
  }
}
