import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { afterEach, describe, expect, it } from "vitest";
import { fromUtf8, utf8 } from "../../../src/codec/bytes.js";
import { CacheStore, type KvReader } from "../../../src/dccn-app/index.js";
import { CommittedState } from "../../../src/dccn-app/state/committed.js";
import { type SmtDb, SmtStore } from "../../../src/store/smt/index.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function committed(entries: Record<string, string>): Promise<CommittedState> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dccn-state-"));
  const db: SmtDb = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  await db.open();
  cleanups.push(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const smt = await SmtStore.open(db);
  const changes = Object.entries(entries).map(([k, v]) => ({ key: utf8(k), value: utf8(v) }));
  await smt.commit(1, changes);
  const state = new CommittedState(smt, 4);
  return state;
}

async function list(store: KvReader, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of store.iterate(utf8(prefix))) out.push(`${fromUtf8(k)}=${fromUtf8(v)}`);
  return out;
}

describe("state layers", () => {
  it("reads through layers and writes only on writeTo", async () => {
    const base = await committed({ "a/1": "one", "a/2": "two" });
    const block = new CacheStore(base);
    const tx = new CacheStore(block);
    tx.set(utf8("a/1"), utf8("uno"));
    tx.delete(utf8("a/2"));
    expect(fromUtf8(tx.get(utf8("a/1"))!)).toBe("uno");
    expect(tx.get(utf8("a/2"))).toBeUndefined();
    expect(fromUtf8(block.get(utf8("a/1"))!)).toBe("one");
    tx.writeTo(block);
    expect(tx.size).toBe(0);
    expect(fromUtf8(block.get(utf8("a/1"))!)).toBe("uno");
    expect(block.get(utf8("a/2"))).toBeUndefined();
    expect(fromUtf8(base.get(utf8("a/1"))!)).toBe("one");
    expect(
      block.changes().map((c) => [fromUtf8(c.key), c.value === null ? null : fromUtf8(c.value)]),
    ).toEqual([
      ["a/1", "uno"],
      ["a/2", null],
    ]);
  });

  it("refuses keys the tree cannot store, inside the writing msg", async () => {
    const layer = new CacheStore(await committed({}));
    expect(() => layer.set(new Uint8Array(70_000), utf8("v"))).toThrow(
      expect.objectContaining({ code: "INVALID_MSG" }),
    );
    expect(() => layer.set(new Uint8Array(0), utf8("v"))).toThrow(
      expect.objectContaining({ code: "INVALID_MSG" }),
    );
    expect(layer.size).toBe(0);
  });

  it("copies written bytes so callers may reuse their buffers", async () => {
    const layer = new CacheStore(await committed({}));
    const buf = utf8("v1");
    layer.set(utf8("k"), buf);
    buf[1] = "9".charCodeAt(0);
    expect(fromUtf8(layer.get(utf8("k"))!)).toBe("v1");
  });

  it("iterates committed entries merged with every layer's writes, in key order", async () => {
    const base = await committed({ "p/b": "B", "p/d": "D", "p/f": "F", "q/a": "x" });
    const block = new CacheStore(base);
    block.set(utf8("p/a"), utf8("A"));
    block.delete(utf8("p/d"));
    block.set(utf8("p/e"), utf8("E"));
    const tx = new CacheStore(block);
    tx.set(utf8("p/f"), utf8("F2"));
    tx.set(utf8("p/c"), utf8("C"));
    tx.delete(utf8("p/a"));
    tx.set(utf8("p/g"), utf8("G"));
    expect(await list(tx, "p/")).toEqual(["p/b=B", "p/c=C", "p/e=E", "p/f=F2", "p/g=G"]);
    expect(await list(block, "p/")).toEqual(["p/a=A", "p/b=B", "p/e=E", "p/f=F"]);
    expect(await list(base, "p/")).toEqual(["p/b=B", "p/d=D", "p/f=F"]);
  });

  it("keeps the committed cache in line with commits, including deletions", async () => {
    const base = await committed({ k: "v" });
    expect(fromUtf8(base.get(utf8("k"))!)).toBe("v");
    expect(base.get(utf8("absent"))).toBeUndefined();
    const changes = [
      { key: utf8("absent"), value: utf8("now") },
      { key: utf8("k"), value: null },
    ];
    await base.smt.commit(2, changes);
    base.applyCommitted(changes);
    expect(base.get(utf8("k"))).toBeUndefined();
    expect(fromUtf8(base.get(utf8("absent"))!)).toBe("now");
  });
});
