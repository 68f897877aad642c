/**
 * The consensus write-ahead log: every consensus input is appended (buffered) before it is
 * processed, `flushAndSync()` makes everything appended durable and is awaited before one of
 * this node's own signed messages leaves it, and `endHeight(h)` marks height h as decided.
 * After a crash, `replay(h)` returns what was recorded since the end of height h-1.
 *
 * Layout: the head file (e.g. `data/cs.wal/wal`) and rotated files `wal.000001`, `wal.000002`, …
 * (oldest first). The head rotates only right after an end-of-height marker once it has grown
 * past `maxFileBytes`, and the new head starts with a copy of that marker, so a height's
 * entries never straddle files. At most `maxFiles` rotated files are kept.
 *
 * A torn last record in the head (a crash mid-write) is truncated away with a warning on open;
 * damage anywhere else is WAL_CORRUPT: silently skipping inputs could make this validator
 * forget a vote it signed.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rename, truncate, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { concatBytes } from "../codec/bytes.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import { WalError } from "./errors.js";
import { encodeRecord, RecordKind, scanRecords } from "./frame.js";

export interface WalOptions {
  /** Largest entry accepted (proposals carry whole blocks). Default 16 MiB. */
  readonly maxEntryBytes?: number;
  /** The head rotates at the next end-of-height marker once it is this large. Default 16 MiB. */
  readonly maxFileBytes?: number;
  /** Rotated files kept; older ones are deleted. Default 8. */
  readonly maxFiles?: number;
  /** Appended bytes buffered before they are written (without fsync). Default 256 KiB. */
  readonly bufferBytes?: number;
}

export interface WalModules {
  readonly logger: Logger;
}

export interface WalReplay {
  /** Entries appended since the end-of-height marker for `height - 1`, in order. */
  readonly entries: Uint8Array[];
  /** False when the newest marker is older than `height - 1`, or there is none: nothing to replay. */
  readonly found: boolean;
}

const DEFAULTS = {
  maxEntryBytes: 16 * 1024 * 1024,
  maxFileBytes: 16 * 1024 * 1024,
  maxFiles: 8,
  bufferBytes: 256 * 1024,
} as const;

const ROTATED_DIGITS = 6;

export class ConsensusWal {
  private buffer: Uint8Array[] = [];
  private bufferedBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: WalError | null = null;
  private closed = false;

  private constructor(
    private readonly headPath: string,
    private readonly opts: Required<WalOptions>,
    private readonly logger: Logger,
    private head: FileHandle,
    private headSize: number,
    private rotated: number[],
  ) {}

  /** Opens (or creates) the log whose head file is `headPath`, repairing a torn tail. */
  static async open(headPath: string, options: WalOptions, modules: WalModules): Promise<ConsensusWal> {
    const opts = { ...DEFAULTS, ...options };
    const logger = modules.logger;
    try {
      await mkdir(dirname(headPath), { recursive: true });
      const rotated = await listRotated(headPath);
      let size = 0;
      const bytes = await readFile(headPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return null;
        throw err;
      });
      if (bytes !== null) {
        const scan = scanRecords(bytes, opts.maxEntryBytes);
        if (scan.stop?.kind === "corrupt") throw corrupt(headPath, scan.stop.offset, scan.stop.reason);
        if (scan.stop?.kind === "torn") {
          logger.warn("truncating a torn record at the end of the consensus WAL", {
            file: headPath,
            offset: scan.stop.offset,
            dropped: bytes.length - scan.validEnd,
            reason: scan.stop.reason,
          });
          await truncate(headPath, scan.validEnd);
        }
        size = scan.validEnd;
      }
      const head = await open(headPath, "a", 0o600);
      if (bytes === null) await syncDir(dirname(headPath));
      return new ConsensusWal(headPath, opts, logger, head, size, rotated);
    } catch (err) {
      if (err instanceof WalError) throw err;
      throw ioError(`cannot open the consensus WAL ${headPath}`, headPath, err);
    }
  }

  /** All files of the log, oldest first (the head last). */
  get files(): string[] {
    return [...this.rotated.map((n) => rotatedPath(this.headPath, n)), this.headPath];
  }

  /** Buffers one entry; it reaches the disk at the next flush (and the disk platter at the next sync). */
  append(entry: Uint8Array): void {
    this.assertUsable();
    if (entry.length > this.opts.maxEntryBytes) {
      throw new WalError(
        "WAL_ENTRY_TOO_LARGE",
        `a WAL entry of ${entry.length} bytes exceeds the limit of ${this.opts.maxEntryBytes} bytes`,
        { size: entry.length, max: this.opts.maxEntryBytes },
      );
    }
    this.push(encodeRecord({ kind: RecordKind.Entry, entry }));
    if (this.bufferedBytes >= this.opts.bufferBytes) {
      // Background write; a failure is kept and surfaces on the next call.
      this.run(() => this.writeBuffered()).catch(() => {});
    }
  }

  /** Writes everything appended so far and fsyncs it. Await before our own signed message leaves. */
  flushAndSync(): Promise<void> {
    this.assertUsable();
    return this.run(async () => {
      await this.writeBuffered();
      await this.sync();
    });
  }

  /**
   * Marks `height` as decided (durably). Call after the block is saved in the block store and
   * before it is applied, like CometBFT: on restart, consensus at height+1 then replays nothing
   * of height, and the handshake replays the block to the app.
   */
  endHeight(height: number): Promise<void> {
    this.assertUsable();
    if (!Number.isSafeInteger(height) || height < 0) {
      throw new WalError("WAL_BAD_HEIGHT", `cannot end height ${height}: not a non-negative integer`, {
        height,
      });
    }
    this.push(encodeRecord({ kind: RecordKind.EndHeight, height }));
    return this.run(async () => {
      await this.writeBuffered();
      await this.sync();
      if (this.headSize >= this.opts.maxFileBytes) await this.rotate(height);
    });
  }

  /**
   * The entries recorded for `height`: everything after the end-of-height marker for
   * `height - 1`. WAL_AHEAD_OF_STATE if the log says `height` (or later) already ended: the
   * node's state is behind its own log (run the handshake first, or check the home directory).
   */
  replay(height: number): Promise<WalReplay> {
    this.assertUsable();
    if (!Number.isSafeInteger(height) || height < 1) {
      throw new WalError("WAL_BAD_HEIGHT", `cannot replay height ${height}: not a positive integer`, {
        height,
      });
    }
    return this.run(async () => {
      await this.writeBuffered();
      const { marker, entries } = await this.readSinceLastMarker();
      if (marker !== null && marker >= height) {
        throw new WalError(
          "WAL_AHEAD_OF_STATE",
          `the consensus WAL ${this.headPath} records height ${marker} as decided, but consensus is starting at height ${height}; the node's state is behind its WAL`,
          { height, walHeight: marker },
        );
      }
      if (marker !== height - 1) return { entries: [], found: false };
      return { entries, found: true };
    });
  }

  /**
   * What consensus calls when it starts `height`: the entries to replay, and when there are
   * none recorded (fresh log, or the node caught up by block sync), a marker for `height - 1`
   * so a crash during `height` is recoverable.
   */
  async recover(height: number): Promise<Uint8Array[]> {
    const r = await this.replay(height);
    if (r.found) return r.entries;
    await this.endHeight(height - 1);
    return [];
  }

  /** Flushes, fsyncs and closes. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    const finish = this.run(async () => {
      await this.writeBuffered();
      await this.sync();
    });
    this.closed = true;
    try {
      await finish;
    } finally {
      await this.head.close().catch(() => {});
    }
  }

  private assertUsable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new WalError("WAL_CLOSED", `the consensus WAL ${this.headPath} is closed`);
  }

  private push(record: Uint8Array): void {
    this.buffer.push(record);
    this.bufferedBytes += record.length;
  }

  /** Serialises every file operation; after a failure the log refuses all further work. */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      if (this.failure !== null) throw this.failure;
      try {
        return await fn();
      } catch (err) {
        if (err instanceof WalError && err.code !== "WAL_IO") throw err;
        this.failure =
          err instanceof WalError ? err : ioError(`consensus WAL write failed`, this.headPath, err);
        this.logger.error("the consensus WAL failed; consensus must stop", { err: this.failure.message });
        throw this.failure;
      }
    });
    this.chain = next.then(
      () => {},
      () => {},
    );
    return next;
  }

  private async writeBuffered(): Promise<void> {
    if (this.bufferedBytes === 0) return;
    const bytes = this.buffer.length === 1 ? this.buffer[0]! : concatBytes(...this.buffer);
    this.buffer = [];
    this.bufferedBytes = 0;
    await this.writeBytes(bytes);
  }

  private async writeBytes(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await this.head.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
    this.headSize += bytes.length;
  }

  private async sync(): Promise<void> {
    await this.head.datasync();
  }

  private async rotate(height: number): Promise<void> {
    const seq = (this.rotated.at(-1) ?? 0) + 1;
    await this.head.close();
    await rename(this.headPath, rotatedPath(this.headPath, seq));
    this.rotated.push(seq);
    this.head = await open(this.headPath, "a", 0o600);
    this.headSize = 0;
    // The new head starts with the marker, so replay never needs the older files. Written
    // directly: entries appended meanwhile are still buffered and must follow the marker.
    await this.writeBytes(encodeRecord({ kind: RecordKind.EndHeight, height }));
    await this.sync();
    await syncDir(dirname(this.headPath));
    while (this.rotated.length > this.opts.maxFiles) {
      const oldest = this.rotated.shift()!;
      await unlink(rotatedPath(this.headPath, oldest)).catch((err: unknown) => {
        this.logger.warn("cannot delete an old WAL file", { seq: oldest, err: errorMessage(err) });
      });
    }
    this.logger.debug("rotated the consensus WAL", { height, seq });
  }

  /** Reads files newest first until one holds an end-of-height marker. */
  private async readSinceLastMarker(): Promise<{ marker: number | null; entries: Uint8Array[] }> {
    let later: Uint8Array[] = [];
    const files = this.files.reverse();
    for (const file of files) {
      const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return new Uint8Array(0);
        throw err;
      });
      const scan = scanRecords(bytes, this.opts.maxEntryBytes);
      if (scan.stop !== null) throw corrupt(file, scan.stop.offset, scan.stop.reason);
      let markerAt = -1;
      for (let i = scan.records.length - 1; i >= 0; i--) {
        if (scan.records[i]!.kind === RecordKind.EndHeight) {
          markerAt = i;
          break;
        }
      }
      const entriesFrom = (from: number) =>
        scan.records.slice(from).flatMap((r) => (r.kind === RecordKind.Entry ? [r.entry] : []));
      if (markerAt >= 0) {
        const marker = scan.records[markerAt] as { kind: typeof RecordKind.EndHeight; height: number };
        return { marker: marker.height, entries: [...entriesFrom(markerAt + 1), ...later] };
      }
      later = [...entriesFrom(0), ...later];
    }
    return { marker: null, entries: later };
  }
}

function rotatedPath(headPath: string, seq: number): string {
  return `${headPath}.${String(seq).padStart(ROTATED_DIGITS, "0")}`;
}

async function listRotated(headPath: string): Promise<number[]> {
  const base = basename(headPath);
  const re = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d{${ROTATED_DIGITS}})$`);
  const names = await readdir(dirname(headPath));
  return names
    .map((n) => re.exec(n)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function syncDir(dir: string): Promise<void> {
  const fd = await open(dir, "r");
  try {
    await fd.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    await fd.close();
  }
}

function corrupt(file: string, offset: number, reason: string): WalError {
  return new WalError(
    "WAL_CORRUPT",
    `the consensus WAL ${file} is corrupt at byte ${offset} (${reason}); it cannot be replayed safely. ` +
      "Restore it from a backup, or move it aside only if this validator did not sign at the current height",
    { file, offset, reason },
  );
}

function ioError(message: string, file: string, cause: unknown): WalError {
  return new WalError("WAL_IO", `${message}: ${errorMessage(cause)}`, { file }, { cause });
}
