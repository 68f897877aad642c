/**
 * The persisted peer table, `<home>/data/peers.json`: peers this node has been connected to,
 * with their addresses, so a restarted node can rejoin without its bootstrap peers. It is a
 * cache: an unreadable file is logged and replaced, never fatal.
 *
 * Format: {"version":1,"peers":[{"id":"12D3KooW…","addrs":["/ip4/…/tcp/…"],"last_seen_ms":…}]}
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../config/fs.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";

export interface PeerBookEntry {
  readonly id: string;
  /** Addresses without the /p2p/<id> suffix. */
  readonly addrs: readonly string[];
  readonly lastSeenMs: number;
}

export interface PeerBookOptions {
  /** Most peers kept; the least recently seen are dropped. Default 1000. */
  readonly maxEntries?: number;
  /** Most addresses kept per peer. Default 8. */
  readonly maxAddrsPerPeer?: number;
}

const VERSION = 1;

export class PeerBook {
  private readonly peers = new Map<string, PeerBookEntry>();
  private dirty = false;
  private readonly maxEntries: number;
  private readonly maxAddrs: number;

  private constructor(
    private readonly path: string | null,
    opts: PeerBookOptions,
    private readonly logger: Logger,
  ) {
    this.maxEntries = opts.maxEntries ?? 1000;
    this.maxAddrs = opts.maxAddrsPerPeer ?? 8;
  }

  /** Loads the book at `path` (missing or unreadable: empty); null keeps it in memory only. */
  static load(path: string | null, opts: PeerBookOptions, modules: { logger: Logger }): PeerBook {
    const book = new PeerBook(path, opts, modules.logger);
    if (path === null) return book;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        modules.logger.warn("cannot read the peer book; starting with an empty one", {
          path,
          err: errorMessage(err),
        });
      }
      return book;
    }
    try {
      book.absorb(JSON.parse(text));
    } catch (err) {
      modules.logger.warn("ignoring a malformed peer book", { path, err: errorMessage(err) });
      book.peers.clear();
    }
    return book;
  }

  private absorb(doc: unknown): void {
    const d = doc as { version?: unknown; peers?: unknown };
    if (d?.version !== VERSION || !Array.isArray(d.peers))
      throw new Error(`expected {"version":${VERSION},"peers":[…]}`);
    for (const p of d.peers as unknown[]) {
      const e = p as { id?: unknown; addrs?: unknown; last_seen_ms?: unknown };
      if (typeof e?.id !== "string" || !Array.isArray(e.addrs)) continue;
      const addrs = e.addrs.filter((a): a is string => typeof a === "string");
      const seen = typeof e.last_seen_ms === "number" && Number.isFinite(e.last_seen_ms) ? e.last_seen_ms : 0;
      this.peers.set(e.id, { id: e.id, addrs: addrs.slice(0, this.maxAddrs), lastSeenMs: seen });
    }
    this.trim();
  }

  get size(): number {
    return this.peers.size;
  }

  /** Most recently seen first. */
  list(): PeerBookEntry[] {
    return [...this.peers.values()].sort((a, b) => b.lastSeenMs - a.lastSeenMs || (a.id < b.id ? -1 : 1));
  }

  get(id: string): PeerBookEntry | undefined {
    return this.peers.get(id);
  }

  upsert(id: string, addrs: readonly string[], nowMs: number): void {
    if (addrs.length === 0) return;
    const unique = [...new Set(addrs)].sort().slice(0, this.maxAddrs);
    const prev = this.peers.get(id);
    const same =
      prev !== undefined &&
      prev.addrs.length === unique.length &&
      prev.addrs.every((a, i) => a === unique[i]);
    this.peers.set(id, { id, addrs: unique, lastSeenMs: nowMs });
    // lastSeen alone does not make the file worth rewriting often; address changes do.
    if (!same || nowMs - (prev?.lastSeenMs ?? 0) > 60_000) this.dirty = true;
    this.trim();
  }

  remove(id: string): void {
    if (this.peers.delete(id)) this.dirty = true;
  }

  private trim(): void {
    if (this.peers.size <= this.maxEntries) return;
    for (const e of this.list().slice(this.maxEntries)) this.peers.delete(e.id);
    this.dirty = true;
  }

  /** Writes the file atomically if anything changed. Never throws (logs instead). */
  save(): void {
    if (this.path === null || !this.dirty) return;
    const doc = {
      version: VERSION,
      peers: this.list().map((e) => ({ id: e.id, addrs: e.addrs, last_seen_ms: e.lastSeenMs })),
    };
    try {
      writeFileAtomic(this.path, `${JSON.stringify(doc, null, 1)}\n`);
      this.dirty = false;
    } catch (err) {
      this.logger.warn("cannot save the peer book", { path: this.path, err: errorMessage(err) });
    }
  }
}
