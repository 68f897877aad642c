/**
 * The query planner over the event index (tx_search, block_search).
 *
 * Each condition is answered from the index and the answers are intersected:
 *  - `tx.hash = 'HEX'` is one key lookup;
 *  - `tx.height` / `block.height` conditions scan the height table, and their bounds also
 *    narrow every event scan, so `transfer.sender = 'x' AND tx.height <= 9` reads only keys of
 *    heights up to 9;
 *  - string equality on an event attribute reads the keys of that one value; other operators
 *    read all values of the tag and test each one (numbers exactly, times as instants).
 * Conditions on the same event type must hold within one event (CometBFT v0.38 semantics:
 * `transfer.sender = 'a' AND transfer.amount > 5` needs a transfer from a of more than 5),
 * conditions on different types within one tx (or block). Equality conditions run first,
 * and later scans keep only candidates that are still possible, so memory follows the most
 * selective condition. `tm.event` conditions are checked against the kind searched ('Tx', or
 * 'NewBlock'/'NewBlockEvents'), since every indexed tx or block is one of those.
 */
import { fromHex, toHexUpper } from "../codec/bytes.js";
import type { KV } from "../store/db.js";
import { decodeIndexedTx } from "./codec.js";
import {
  blockKey,
  eventKeySuffix,
  forEachPosting,
  parseBlockKey,
  parseEventKey,
  parseTxKey,
  parseTxPointer,
  TABLE,
  tagPrefix,
  tagValuePrefix,
  txHashKey,
  txKey,
} from "./keys.js";
import { type Condition, conditionPredicate, type Query, tagEventType } from "./query.js";
import { ceilInt, floorInt } from "./values.js";

export interface TxRef {
  readonly height: number;
  readonly index: number;
}

interface Kind {
  readonly heightTag: string;
  readonly eventTable: number;
  readonly withIndex: boolean;
  /** The tm.event names every result of this search carries. */
  readonly eventNames: readonly string[];
}

const TX_KIND: Kind = {
  heightTag: "tx.height",
  eventTable: TABLE.txEvent,
  withIndex: true,
  eventNames: ["Tx"],
};
const BLOCK_KIND: Kind = {
  heightTag: "block.height",
  eventTable: TABLE.blockEvent,
  withIndex: false,
  eventNames: ["NewBlock", "NewBlockEvents"],
};

/** Candidates whose per-candidate check beats a table scan. */
const DIRECT_CHECK_LIMIT = 4096;
const SIGNAL_CHECK_EVERY = 1024;
const MAX_HEIGHT = Number.MAX_SAFE_INTEGER;

interface Bounds {
  readonly min: number;
  readonly max: number;
}

interface Plan {
  readonly impossible: boolean;
  readonly bounds: Bounds;
  readonly heightConds: readonly Condition[];
  readonly hashConds: readonly Condition[];
  readonly hashLookup: Uint8Array | null;
  readonly equalityConds: readonly Condition[];
  readonly otherConds: readonly Condition[];
}

const clampHeight = (n: bigint): number => (n < 0n ? 0 : n > BigInt(MAX_HEIGHT) ? MAX_HEIGHT : Number(n));

/** Height bounds implied by numeric height conditions (others are tested one by one). */
function heightBounds(conds: readonly Condition[]): Bounds {
  let min = 1;
  let max = MAX_HEIGHT;
  for (const c of conds) {
    if (c.arg?.kind !== "number") continue;
    const d = c.arg.value;
    switch (c.op) {
      case "=":
        if (d.frac !== "") return { min: 1, max: 0 };
        min = Math.max(min, clampHeight(d.int));
        max = Math.min(max, clampHeight(d.int));
        break;
      case ">":
        min = Math.max(min, clampHeight(floorInt(d) + 1n));
        break;
      case ">=":
        min = Math.max(min, clampHeight(ceilInt(d)));
        break;
      case "<":
        max = Math.min(max, clampHeight(ceilInt(d) - 1n));
        break;
      case "<=":
        max = Math.min(max, clampHeight(floorInt(d)));
        break;
      default:
        break;
    }
  }
  return { min, max };
}

function plan(query: Query, kind: Kind): Plan {
  const heightConds: Condition[] = [];
  const hashConds: Condition[] = [];
  const equalityConds: Condition[] = [];
  const otherConds: Condition[] = [];
  let impossible = false;
  let hashLookup: Uint8Array | null = null;
  for (const c of query.conditions) {
    if (c.tag === "tm.event") {
      const test = conditionPredicate(c);
      if (!kind.eventNames.some(test)) impossible = true;
    } else if (c.tag === kind.heightTag) {
      heightConds.push(c);
    } else if (kind.withIndex && c.tag === "tx.hash") {
      if (c.op === "=" && c.arg?.kind === "string" && hashLookup === null) {
        try {
          hashLookup = fromHex(c.arg.text);
        } catch {
          impossible = true;
        }
      } else {
        hashConds.push(c);
      }
    } else if (c.op === "=" && c.arg?.kind === "string") {
      equalityConds.push(c);
    } else {
      otherConds.push(c);
    }
  }
  const bounds = heightBounds(heightConds);
  return {
    impossible: impossible || bounds.min > bounds.max,
    bounds,
    heightConds,
    hashConds,
    hashLookup,
    equalityConds,
    otherConds,
  };
}

const hexId = (height: number, index: number): string =>
  height.toString(16).padStart(14, "0") + index.toString(16).padStart(8, "0");
const idHeight = (id: string): number => Number.parseInt(id.slice(0, 14), 16);
const idIndex = (id: string): number => Number.parseInt(id.slice(14), 16);

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error("search cancelled");
}

/** One search over one kind of result: candidate ids with the event seqs that matched. */
class Search {
  private allowed: Set<string> | null = null;
  private readonly groups = new Map<string, Map<string, Set<number>>>();

  constructor(
    private readonly db: KV,
    private readonly kind: Kind,
    private readonly p: Plan,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get empty(): boolean {
    return this.allowed !== null && this.allowed.size === 0;
  }

  result(): string[] {
    return [...(this.allowed ?? [])].sort();
  }

  narrow(ids: Set<string>): void {
    if (this.allowed === null) {
      this.allowed = ids;
      return;
    }
    const next = new Set<string>();
    for (const id of this.allowed) if (ids.has(id)) next.add(id);
    this.allowed = next;
  }

  /** Adds an event condition's matches; same-type conditions must share an event. */
  async eventCondition(c: Condition): Promise<void> {
    const found = await this.scanEvents(c);
    const type = tagEventType(c.tag);
    const prev = this.groups.get(type);
    let merged = found;
    if (prev !== undefined) {
      merged = new Map();
      for (const [id, seqs] of found) {
        const before = prev.get(id);
        if (before === undefined) continue;
        const both = new Set([...seqs].filter((s) => before.has(s)));
        if (both.size > 0) merged.set(id, both);
      }
    }
    this.groups.set(type, merged);
    this.narrow(new Set(merged.keys()));
  }

  private async scanEvents(c: Condition): Promise<Map<string, Set<number>>> {
    const { eventTable, withIndex: withPostings } = this.kind;
    const { min, max } = this.p.bounds;
    const exact = c.op === "=" && c.arg?.kind === "string";
    const test = conditionPredicate(c);
    const prefix = exact
      ? tagValuePrefix(eventTable, c.tag, c.arg?.text ?? "")
      : tagPrefix(eventTable, c.tag);
    const range = exact ? heightRange(prefix, min, max) : {};
    const out = new Map<string, Set<number>>();
    const allowed = this.allowed;
    const found = (height: number, index: number, seq: number): void => {
      if (height < min || height > max) return;
      const id = hexId(height, index);
      if (allowed !== null && !allowed.has(id)) return;
      const seqs = out.get(id);
      if (seqs) seqs.add(seq);
      else out.set(id, new Set([seq]));
    };
    let n = 0;
    for await (const [key, value] of this.db.entries({ prefix, ...range })) {
      if (++n % SIGNAL_CHECK_EVERY === 0) checkSignal(this.signal);
      let at: { height: number; seq: number };
      if (exact) {
        at = eventKeySuffix(key, eventTable);
      } else {
        const parsed = parseEventKey(key, prefix.length, eventTable);
        if (!test(parsed.value)) continue;
        at = parsed;
      }
      // A tx event key holds the postings of every tx of its height; a block event key is one.
      if (withPostings) forEachPosting(value, (index, seq) => found(at.height, index, seq));
      else found(at.height, 0, at.seq);
    }
    return out;
  }

  /** Applies the height (and tx.hash) conditions, by candidate or by scanning the height table. */
  async heightConditions(): Promise<void> {
    const { min, max } = this.p.bounds;
    const heightTests = this.p.heightConds.map(conditionPredicate);
    const hashTests = this.p.hashConds.map(conditionPredicate);
    const needHash = hashTests.length > 0;
    const ok = (height: number, hash: string): boolean =>
      height >= min &&
      height <= max &&
      heightTests.every((t) => t(String(height))) &&
      hashTests.every((t) => t(hash));
    const found = new Set<string>();
    const allowed = this.allowed;
    if (allowed !== null && allowed.size <= DIRECT_CHECK_LIMIT) {
      for (const id of allowed) {
        const height = idHeight(id);
        let hash = "";
        if (needHash) {
          const rec = await this.db.get(txKey(height, idIndex(id)));
          if (rec === undefined) continue;
          hash = toHexUpper(decodeIndexedTx(rec).hash);
        }
        if (ok(height, hash)) found.add(id);
      }
      this.narrow(found);
      return;
    }
    const table = this.kind.withIndex ? TABLE.tx : TABLE.block;
    const gte = this.kind.withIndex ? txKey(min, 0) : blockKey(min);
    const lt =
      max >= MAX_HEIGHT
        ? Uint8Array.of(table + 1)
        : this.kind.withIndex
          ? txKey(max + 1, 0)
          : blockKey(max + 1);
    let n = 0;
    for await (const [key, value] of this.db.entries({ gte, lt })) {
      if (++n % SIGNAL_CHECK_EVERY === 0) checkSignal(this.signal);
      const { height, index } = this.kind.withIndex
        ? parseTxKey(key)
        : { height: parseBlockKey(key), index: 0 };
      const id = hexId(height, index);
      if (allowed !== null && !allowed.has(id)) continue;
      const hash = needHash ? toHexUpper(decodeIndexedTx(value).hash) : "";
      if (ok(height, hash)) found.add(id);
    }
    this.narrow(found);
  }
}

/** `prefix | u64 min` .. `prefix | u64 max+1`: the keys of one value within the height bounds. */
function heightRange(prefix: Uint8Array, min: number, max: number): { gte?: Uint8Array; lt?: Uint8Array } {
  const withHeight = (h: number): Uint8Array => {
    const out = new Uint8Array(prefix.length + 8);
    out.set(prefix);
    new DataView(out.buffer).setBigUint64(prefix.length, BigInt(h));
    return out;
  };
  return {
    gte: withHeight(min),
    ...(max < MAX_HEIGHT ? { lt: withHeight(max + 1) } : {}),
  };
}

async function run(db: KV, query: Query, kind: Kind, signal: AbortSignal | undefined): Promise<string[]> {
  const p = plan(query, kind);
  if (p.impossible) return [];
  const s = new Search(db, kind, p, signal);
  if (p.hashLookup !== null) {
    const ptr = await db.get(txHashKey(p.hashLookup));
    if (ptr === undefined) return [];
    const { height, index } = parseTxPointer(ptr);
    s.narrow(new Set([hexId(height, index)]));
  }
  for (const c of p.equalityConds) {
    if (s.empty) return [];
    await s.eventCondition(c);
  }
  const hasEventConds = p.equalityConds.length + p.otherConds.length > 0;
  if (p.heightConds.length > 0 || p.hashConds.length > 0 || p.hashLookup !== null || !hasEventConds) {
    if (s.empty) return [];
    await s.heightConditions();
  }
  for (const c of p.otherConds) {
    if (s.empty) return [];
    await s.eventCondition(c);
  }
  return s.result();
}

/** Txs matching `query`, in (height, index) order. */
export async function searchTxs(db: KV, query: Query, signal?: AbortSignal): Promise<TxRef[]> {
  const ids = await run(db, query, TX_KIND, signal);
  return ids.map((id) => ({ height: idHeight(id), index: idIndex(id) }));
}

/** Heights of blocks matching `query`, ascending. */
export async function searchBlocks(db: KV, query: Query, signal?: AbortSignal): Promise<number[]> {
  const ids = await run(db, query, BLOCK_KIND, signal);
  return ids.map(idHeight);
}
