import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { utf8 } from "../../../src/codec/bytes.js";
import { isDccnError } from "../../../src/errors.js";
import type { Logger } from "../../../src/log.js";
import { silentLogger } from "../../../src/log.js";
import { encodeRecord, RecordKind, scanRecords } from "../../../src/wal/frame.js";
import { ConsensusWal, type WalOptions } from "../../../src/wal/index.js";

const dirs: string[] = [];
const wals: ConsensusWal[] = [];

function walPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "dccn-wal-"));
  dirs.push(dir);
  return join(dir, "cs.wal", "wal");
}

async function openWal(
  path: string,
  opts: WalOptions = {},
  logger: Logger = silentLogger,
): Promise<ConsensusWal> {
  const wal = await ConsensusWal.open(path, opts, { logger });
  wals.push(wal);
  return wal;
}

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (msg) => warnings.push(msg), child: () => logger };
  return { logger, warnings };
}

const text = (entries: Uint8Array[]) => entries.map((e) => new TextDecoder().decode(e));

afterEach(async () => {
  for (const w of wals.splice(0)) await w.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("WAL framing", () => {
  it("round-trips records and classifies damage at the end as torn, elsewhere as corrupt", () => {
    const a = encodeRecord({ kind: RecordKind.Entry, entry: utf8("first") });
    const m = encodeRecord({ kind: RecordKind.EndHeight, height: 7 });
    const b = encodeRecord({ kind: RecordKind.Entry, entry: utf8("second") });
    const all = new Uint8Array([...a, ...m, ...b]);
    const ok = scanRecords(all, 1024);
    expect(ok.stop).toBeNull();
    expect(ok.records).toEqual([
      { kind: RecordKind.Entry, entry: utf8("first") },
      { kind: RecordKind.EndHeight, height: 7 },
      { kind: RecordKind.Entry, entry: utf8("second") },
    ]);

    const cut = scanRecords(all.subarray(0, all.length - 3), 1024);
    expect(cut.stop?.kind).toBe("torn");
    expect(cut.validEnd).toBe(a.length + m.length);

    const zeros = scanRecords(new Uint8Array([...a, ...new Uint8Array(40)]), 1024);
    expect(zeros.stop?.kind).toBe("torn");
    expect(zeros.records).toHaveLength(1);

    const flippedFirst = all.slice();
    flippedFirst[10] = flippedFirst[10]! ^ 0xff;
    const bad = scanRecords(flippedFirst, 1024);
    expect(bad.stop?.kind).toBe("corrupt");
    expect(bad.records).toHaveLength(0);

    const flippedLast = all.slice();
    flippedLast[all.length - 1] = flippedLast[all.length - 1]! ^ 0xff;
    expect(scanRecords(flippedLast, 1024).stop?.kind).toBe("torn");
  });
});

describe("ConsensusWal", () => {
  it("round-trips entries across a restart and replays only the last height", async () => {
    const path = walPath();
    const wal = await openWal(path);
    expect(await wal.recover(1)).toEqual([]); // fresh log: marks height 0 as ended
    wal.append(utf8("h1-a"));
    wal.append(utf8("h1-b"));
    await wal.endHeight(1);
    wal.append(utf8("h2-a"));
    await wal.flushAndSync();
    wal.append(utf8("h2-b"));
    await wal.close();

    const again = await openWal(path);
    const r = await again.replay(2);
    expect(r.found).toBe(true);
    expect(text(r.entries)).toEqual(["h2-a", "h2-b"]);
    // A state behind the log is an error, not a silent empty replay.
    await expect(again.replay(1)).rejects.toMatchObject({ code: "WAL_AHEAD_OF_STATE" });
    // A state far ahead (caught up by block sync) has nothing to replay.
    expect(await again.replay(9)).toEqual({ entries: [], found: false });
    expect(await again.recover(9)).toEqual([]);
    again.append(utf8("h9-a"));
    await again.close();
    const third = await openWal(path);
    expect(text(await third.recover(9))).toEqual(["h9-a"]);
  });

  it("truncates a torn last entry with a warning and keeps appending after the good ones", async () => {
    const path = walPath();
    const wal = await openWal(path);
    await wal.recover(5);
    wal.append(utf8("kept-1"));
    wal.append(utf8("kept-2"));
    wal.append(utf8("torn-entry-that-is-long"));
    await wal.close();
    const full = statSync(path).size;
    truncateSync(path, full - 5); // the crash cut the last write short

    const { logger, warnings } = recordingLogger();
    const reopened = await openWal(path, {}, logger);
    expect(warnings.some((w) => w.includes("torn"))).toBe(true);
    expect(text((await reopened.replay(5)).entries)).toEqual(["kept-1", "kept-2"]);
    reopened.append(utf8("after-restart"));
    await reopened.close();
    const last = await openWal(path);
    expect(text((await last.replay(5)).entries)).toEqual(["kept-1", "kept-2", "after-restart"]);
  });

  it("tolerates a zero-filled tail", async () => {
    const path = walPath();
    const wal = await openWal(path);
    await wal.recover(3);
    wal.append(utf8("x"));
    await wal.close();
    appendFileSync(path, new Uint8Array(4096));
    const reopened = await openWal(path);
    expect(text((await reopened.replay(3)).entries)).toEqual(["x"]);
  });

  it("refuses a log whose middle is corrupt", async () => {
    const path = walPath();
    const wal = await openWal(path);
    await wal.recover(2);
    wal.append(utf8("aaaaaaaa"));
    wal.append(utf8("bbbbbbbb"));
    await wal.close();
    const bytes = readFileSync(path);
    // The second record (the first entry after the height-1 marker) gets a flipped payload byte.
    const markerLen = 8 + 9;
    bytes[markerLen + 8 + 3] = bytes[markerLen + 8 + 3]! ^ 0x01;
    writeFileSync(path, bytes);
    const err = await ConsensusWal.open(path, {}, { logger: silentLogger }).catch((e: unknown) => e);
    expect(isDccnError(err, "WAL_CORRUPT")).toBe(true);
    expect((err as Error).message).toContain("byte 17");
  });

  it("rejects oversize entries and bad heights with typed errors, leaving the log usable", async () => {
    const wal = await openWal(walPath(), { maxEntryBytes: 16 });
    await wal.recover(1);
    expect(() => wal.append(new Uint8Array(17))).toThrow(
      expect.objectContaining({ code: "WAL_ENTRY_TOO_LARGE" }),
    );
    expect(() => wal.endHeight(-1)).toThrow(expect.objectContaining({ code: "WAL_BAD_HEIGHT" }));
    wal.append(new Uint8Array(16));
    expect((await wal.replay(1)).entries).toHaveLength(1);
  });

  it("rotates at height boundaries, bounds the number of files, and still replays", async () => {
    const path = walPath();
    const wal = await openWal(path, { maxFileBytes: 200, maxFiles: 2, bufferBytes: 64 });
    await wal.recover(1);
    for (let h = 1; h <= 20; h++) {
      for (let i = 0; i < 4; i++) wal.append(utf8(`h${h}-entry-${i}`));
      await wal.endHeight(h);
    }
    wal.append(utf8("h21-a"));
    await wal.flushAndSync();
    expect(wal.files.length).toBe(3); // head + maxFiles rotated
    for (const f of wal.files) expect(statSync(f).size).toBeLessThan(400);
    await wal.close();
    const reopened = await openWal(path, { maxFileBytes: 200, maxFiles: 2 });
    expect(text((await reopened.replay(21)).entries)).toEqual(["h21-a"]);
    await expect(reopened.replay(20)).rejects.toMatchObject({ code: "WAL_AHEAD_OF_STATE" });
  });

  it("replays through the previous file when a crash hit between rotation steps", async () => {
    const path = walPath();
    const wal = await openWal(path, { maxFileBytes: 50 });
    await wal.recover(1);
    wal.append(utf8("h1-entry-long-enough-to-rotate"));
    await wal.endHeight(1);
    await wal.close();
    expect(wal.files.length).toBe(2);
    rmSync(path); // the head was renamed away, the new head never written
    const reopened = await openWal(path, { maxFileBytes: 50 });
    expect(await reopened.replay(2)).toEqual({ entries: [], found: true });
    reopened.append(utf8("h2"));
    expect(text((await reopened.replay(2)).entries)).toEqual(["h2"]);
  });

  it("refuses use after close", async () => {
    const wal = await openWal(walPath());
    await wal.close();
    expect(() => wal.append(utf8("late"))).toThrow(expect.objectContaining({ code: "WAL_CLOSED" }));
  });
});
