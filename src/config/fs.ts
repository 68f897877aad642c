/**
 * File writes that never leave a half-written file behind: write a temporary sibling, fsync,
 * then rename over the target (atomic on POSIX file systems). Shared by config, genesis,
 * keyring and `dccn init`.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface WriteOptions {
  /** File mode of the new file (default 0o644; key material uses 0o600). */
  readonly mode?: number;
  /** Refuse to replace an existing file (throws the EEXIST error of link(2)). */
  readonly exclusive?: boolean;
}

function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  const fd = openSync(tmp, "wx", opts.mode ?? 0o644);
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    // link(2) fails when the target exists, which makes "create only if absent" atomic too.
    if (opts.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Whether an error from node:fs carries the given errno code (ENOENT, EEXIST, ...). */
export function hasErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
