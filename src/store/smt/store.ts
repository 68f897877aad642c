/**
 * A versioned, persistent sparse Merkle tree over a classic-level database (layout.ts).
 *
 * One version per block: `commit(version, changes, extra)` applies a block's changes as one
 * batch update of the tree (each touched path rebuilt once), and writes the new nodes, the
 * version's root, the flat `key → value` table and the caller's metadata in ONE atomic LevelDB
 * batch, so a crash leaves either the whole version or none of it. Nodes are immutable and
 * content-addressed, so every older version stays readable (no pruning yet).
 *
 * Reads are synchronous (`getSync`, backed by a bounded node cache) so that state access can be
 * used from synchronous code such as WebAssembly host functions.
 */
import type { ClassicLevel } from "classic-level";
import { asBytes, readU64be, u64be } from "../../codec/bytes.js";
import { SmtError } from "./errors.js";
import { bitAt, EMPTY_HASH, isEmptyHash, KEY_BITS, keyHashOf, valueHashOf } from "./hashing.js";
import { flatKey, LATEST_VERSION_KEY, nodeKey, PREFIX_FLAT, prefixEnd, rootKey } from "./layout.js";
import { type DecodedRecord, decodeRecord, encodeInnerRecord, encodeLeafRecord, recordHash } from "./node.js";
import { type CachedNode, KIND_INNER, KIND_LEAF, NodeCache } from "./node-cache.js";
import type { SmtProof } from "./proof.js";

export type SmtDb = ClassicLevel<Uint8Array, Uint8Array>;
type Batch = ReturnType<SmtDb["batch"]>;

export interface SmtChange {
  readonly key: Uint8Array;
  /** null deletes the key. */
  readonly value: Uint8Array | null;
}

export type RawBatchOp =
  | { readonly type: "put"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "del"; readonly key: Uint8Array };

export interface SmtStoreOptions {
  /** Nodes kept in memory (default 400,000 ≈ 44 MB, allocated up front). */
  readonly nodeCacheSize?: number;
}

export interface SmtProofResult {
  /** The key's value at that version, or null if absent. */
  readonly value: Uint8Array | null;
  readonly proof: SmtProof;
  readonly root: Uint8Array;
}

const DEFAULT_NODE_CACHE = 400_000;
const NO_BYTES = new Uint8Array(0);

interface PathEnd {
  readonly hash: Uint8Array;
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array;
  readonly member: boolean;
}

const EMPTY = 0;
const LEAF = 1;
const INNER = 2;
const UNKNOWN = 3;
type Kind = typeof EMPTY | typeof LEAF | typeof INNER | typeof UNKNOWN;

interface Ref {
  readonly hash: Uint8Array;
  readonly kind: Kind;
}

const EMPTY_REF: Ref = { hash: EMPTY_HASH, kind: EMPTY };

interface Item {
  readonly kh: Uint8Array;
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
  /** Set when the item is a leaf already in the tree (re-placed, not re-written). */
  readonly existing?: Uint8Array;
}

const refOf = (hash: Uint8Array): Ref => (isEmptyHash(hash) ? EMPTY_REF : { hash, kind: UNKNOWN });

export class SmtStore {
  private readonly nodes: NodeCache;
  private latestVersion: number | null;
  private latestRoot: Uint8Array;
  private committing = false;

  private constructor(
    private readonly db: SmtDb,
    opts: SmtStoreOptions,
    latest: { version: number; root: Uint8Array } | null,
  ) {
    this.nodes = new NodeCache(opts.nodeCacheSize ?? DEFAULT_NODE_CACHE);
    this.latestVersion = latest?.version ?? null;
    this.latestRoot = latest?.root ?? EMPTY_HASH;
  }

  /** Opens the tree in an already-open database (keyEncoding/valueEncoding "view"). */
  static async open(db: SmtDb, opts: SmtStoreOptions = {}): Promise<SmtStore> {
    if (db.status === "opening") await db.open();
    const v = db.getSync(LATEST_VERSION_KEY);
    if (v === undefined) return new SmtStore(db, opts, null);
    const version = Number(readU64be(v));
    const root = db.getSync(rootKey(version));
    if (root === undefined) {
      throw new SmtError("SMT_MISSING_NODE", `database names version ${version} but holds no root for it`);
    }
    return new SmtStore(db, opts, { version, root: asBytes(root) });
  }

  /** The newest committed version, or null before the first commit. */
  get version(): number | null {
    return this.latestVersion;
  }

  /** The root of the newest version (EMPTY_HASH before the first commit). */
  get root(): Uint8Array {
    return this.latestRoot;
  }

  /** The root of `version`, or undefined if that version was never committed. */
  rootAt(version: number): Uint8Array | undefined {
    if (version === this.latestVersion) return this.latestRoot;
    if (!Number.isSafeInteger(version) || version < 0) return undefined;
    const r = this.db.getSync(rootKey(version));
    return r === undefined ? undefined : asBytes(r);
  }

  /** The latest committed value of `key`, from the flat table (no tree walk). */
  getLatest(key: Uint8Array): Uint8Array | undefined {
    const v = this.db.getSync(flatKey(key));
    return v === undefined ? undefined : asBytes(v);
  }

  /** The value of `key` at `version`, by walking that version's tree. */
  get(key: Uint8Array, version: number): Uint8Array | undefined {
    const end = this.walk(this.requireRoot(version), keyHashOf(key), null);
    return end?.member ? this.leafValue(end.hash) : undefined;
  }

  /** A membership or non-membership proof of `key` at `version`. */
  prove(key: Uint8Array, version: number): SmtProofResult {
    const root = this.requireRoot(version);
    const siblings: Uint8Array[] = [];
    const end = this.walk(root, keyHashOf(key), siblings);
    if (end === null) return { value: null, proof: { siblings, leaf: null }, root };
    if (end.member) return { value: this.leafValue(end.hash), proof: { siblings, leaf: null }, root };
    return {
      value: null,
      proof: { siblings, leaf: { keyHash: end.keyHash, valueHash: end.valueHash } },
      root,
    };
  }

  /** Latest committed entries whose key starts with `prefix`, in ascending key order. */
  async *iterateLatest(prefix: Uint8Array = new Uint8Array(0)): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const gte = flatKey(prefix);
    const lt = prefix.length === 0 ? Uint8Array.of(PREFIX_FLAT + 1) : prefixEnd(gte);
    for await (const [k, v] of this.db.iterator({ gte, lt })) {
      yield [asBytes(k).subarray(1), asBytes(v)];
    }
  }

  /**
   * Applies `changes` on top of the latest version and writes them as `version` (greater than
   * the latest), together with `extra` ops, in one atomic batch. Returns the new root.
   */
  async commit(
    version: number,
    changes: readonly SmtChange[],
    extra: readonly RawBatchOp[] = [],
  ): Promise<Uint8Array> {
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new SmtError("SMT_BAD_VERSION", `version must be a non-negative integer, got ${version}`);
    }
    if (this.latestVersion !== null && version <= this.latestVersion) {
      throw new SmtError(
        "SMT_BAD_VERSION",
        `version ${version} is not after the latest committed version ${this.latestVersion}`,
      );
    }
    if (this.committing) throw new SmtError("SMT_BUSY", "another commit is still being written");
    this.committing = true;
    try {
      const items = sortedItems(changes);
      const batch = this.openBatch(version);
      let root: Uint8Array;
      try {
        root = this.update(refOf(this.latestRoot), 0, items, 0, items.length, batch).hash;
        for (const c of changes) {
          if (c.value === null) batch.del(flatKey(c.key));
          else batch.put(flatKey(c.key), c.value);
        }
        batch.put(rootKey(version), root);
        batch.put(LATEST_VERSION_KEY, u64be(version));
        for (const op of extra) {
          if (op.type === "put") batch.put(op.key, op.value);
          else batch.del(op.key);
        }
      } catch (err) {
        await batch.close();
        throw err;
      }
      try {
        await batch.write();
      } catch (err) {
        throw new SmtError("SMT_WRITE_FAILED", `writing version ${version} failed: ${String(err)}`, {}, err);
      }
      this.latestVersion = version;
      this.latestRoot = root;
      return root;
    } finally {
      this.committing = false;
    }
  }

  private openBatch(version: number): Batch {
    try {
      return this.db.batch();
    } catch (err) {
      throw new SmtError("SMT_WRITE_FAILED", `cannot write version ${version}: ${String(err)}`, {}, err);
    }
  }

  // --- tree walking -------------------------------------------------------------------------

  private requireRoot(version: number): Uint8Array {
    const root = this.rootAt(version);
    if (root === undefined) {
      throw new SmtError("SMT_UNKNOWN_VERSION", `version ${version} is not stored`, { version });
    }
    return root;
  }

  /** Follows `kh` from `root`, collecting siblings if asked; returns the leaf it ends in. */
  private walk(root: Uint8Array, kh: Uint8Array, siblings: Uint8Array[] | null): PathEnd | null {
    let hash = root;
    for (let depth = 0; depth <= KEY_BITS; depth++) {
      if (isEmptyHash(hash)) return null;
      const node = this.load(hash);
      if (node.kind === KIND_LEAF) {
        return { hash, keyHash: node.a, valueHash: node.b, member: Buffer.compare(node.a, kh) === 0 };
      }
      const right = bitAt(kh, depth) === 1;
      siblings?.push(right ? node.a : node.b);
      hash = right ? node.b : node.a;
    }
    throw new SmtError("SMT_CORRUPT_NODE", "tree deeper than 256 levels");
  }

  private record(hash: Uint8Array): DecodedRecord {
    const rec = this.db.getSync(nodeKey(hash));
    if (rec === undefined) {
      throw new SmtError("SMT_MISSING_NODE", `node ${Buffer.from(hash).toString("hex")} is missing`);
    }
    return decodeRecord(asBytes(rec));
  }

  private load(hash: Uint8Array): CachedNode {
    const cached = this.nodes.get(hash);
    if (cached !== undefined) return cached;
    const rec = this.record(hash);
    this.nodes.set(hash, rec.kind, rec.a, rec.b);
    return rec;
  }

  private leafValue(hash: Uint8Array): Uint8Array {
    return new Uint8Array(this.record(hash).value);
  }

  // --- batch update -------------------------------------------------------------------------
  // `items[lo, hi)` are sorted by key hash and all lie under `ref`'s path prefix of `depth` bits.

  private update(ref: Ref, depth: number, items: Item[], lo: number, hi: number, ops: Batch): Ref {
    if (lo === hi) return ref;
    if (ref.kind === EMPTY) return this.build(depth, liveItems(items, lo, hi), ops);
    const node = this.load(ref.hash);
    if (node.kind === KIND_LEAF) {
      // The subtree is this one leaf: rebuild it from the merged set of leaves.
      const merged: Item[] = [];
      let replaced = false;
      let placed = false;
      const existing: Item = { kh: node.a, key: NO_BYTES, value: NO_BYTES, existing: ref.hash };
      for (let i = lo; i < hi; i++) {
        const it = items[i]!;
        const cmp = Buffer.compare(it.kh, node.a);
        if (cmp === 0) replaced = true;
        else if (cmp > 0 && !placed && !replaced) {
          merged.push(existing);
          placed = true;
        }
        if (it.value !== null) merged.push(it);
      }
      if (!replaced && !placed) merged.push(existing);
      return this.build(depth, merged, ops);
    }
    const mid = splitIndex(items, lo, hi, depth);
    const l = this.update(refOf(node.a), depth + 1, items, lo, mid, ops);
    const r = this.update(refOf(node.b), depth + 1, items, mid, hi, ops);
    if (Buffer.compare(l.hash, node.a) === 0 && Buffer.compare(r.hash, node.b) === 0) {
      return { hash: ref.hash, kind: INNER };
    }
    return this.makeInner(l, r, ops);
  }

  /** The subtree holding exactly `items` (sorted, all live) below a prefix of `depth` bits. */
  private build(depth: number, items: Item[], ops: Batch, lo = 0, hi = items.length): Ref {
    const n = hi - lo;
    if (n === 0) return EMPTY_REF;
    if (n === 1) return this.makeLeaf(items[lo]!, ops);
    if (depth >= KEY_BITS) throw new SmtError("SMT_DUPLICATE_KEY", "two items share a key hash");
    const mid = splitIndex(items, lo, hi, depth);
    return this.makeInner(
      this.build(depth + 1, items, ops, lo, mid),
      this.build(depth + 1, items, ops, mid, hi),
      ops,
    );
  }

  private makeLeaf(it: Item, ops: Batch): Ref {
    if (it.existing !== undefined) return { hash: it.existing, kind: LEAF };
    const value = it.value!;
    const vh = valueHashOf(value);
    const rec = encodeLeafRecord(it.kh, vh, it.key, value);
    const hash = recordHash(rec);
    ops.put(nodeKey(hash), rec);
    this.nodes.set(hash, KIND_LEAF, it.kh, vh);
    return { hash, kind: LEAF };
  }

  /** An inner node, except that one leaf beside an empty subtree moves up in its place. */
  private makeInner(l: Ref, r: Ref, ops: Batch): Ref {
    if (l.kind === EMPTY && r.kind === EMPTY) return EMPTY_REF;
    if (l.kind === EMPTY && this.kindOf(r) === LEAF) return r;
    if (r.kind === EMPTY && this.kindOf(l) === LEAF) return l;
    const rec = encodeInnerRecord(l.hash, r.hash);
    const hash = recordHash(rec);
    ops.put(nodeKey(hash), rec);
    this.nodes.set(hash, KIND_INNER, l.hash, r.hash);
    return { hash, kind: INNER };
  }

  private kindOf(ref: Ref): Kind {
    if (ref.kind !== UNKNOWN) return ref.kind;
    return this.load(ref.hash).kind === KIND_LEAF ? LEAF : INNER;
  }
}

function sortedItems(changes: readonly SmtChange[]): Item[] {
  const items: Item[] = changes.map((c) => ({ kh: keyHashOf(c.key), key: c.key, value: c.value }));
  items.sort((a, b) => Buffer.compare(a.kh, b.kh));
  for (let i = 1; i < items.length; i++) {
    if (Buffer.compare(items[i - 1]!.kh, items[i]!.kh) === 0) {
      throw new SmtError("SMT_DUPLICATE_KEY", "a commit lists the same key twice", {
        key: Buffer.from(items[i]!.key).toString("hex"),
      });
    }
  }
  return items;
}

function liveItems(items: Item[], lo: number, hi: number): Item[] {
  const out: Item[] = [];
  for (let i = lo; i < hi; i++) if (items[i]!.value !== null) out.push(items[i]!);
  return out;
}

/** First index in [lo, hi) whose key hash has bit `depth` set (items are sorted). */
function splitIndex(items: Item[], lo: number, hi: number, depth: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >> 1;
    if (bitAt(items[m]!.kh, depth) === 0) a = m + 1;
    else b = m;
  }
  return a;
}
