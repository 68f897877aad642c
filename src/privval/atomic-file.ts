/**
 * Crash-safe file replacement: write a temp file, fsync it, rename it over the target, fsync
 * the directory. After a crash the target holds either the old or the new content, never a mix.
 */
import { link, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeTemp(path: string, data: string | Uint8Array, mode: number): Promise<string> {
  // One fixed temp name per target: a leftover from a crash is simply overwritten next time.
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  const handle = await open(tmp, "w", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

/** Atomically replaces `path` with `data`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** Atomically creates `path` with `data`; fails with EEXIST (and writes nothing) if it exists. */
export async function createFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await link(tmp, path); // unlike rename, link never replaces an existing file
  } finally {
    await unlink(tmp);
  }
  await fsyncDir(dirname(path));
}
