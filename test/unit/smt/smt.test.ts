import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { afterEach, describe, expect, it } from "vitest";
import { utf8 } from "../../../src/codec/bytes.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { isDccnError } from "../../../src/errors.js";
import {
  appMetaKey,
  decodeSmtProof,
  EMPTY_HASH,
  encodeSmtProof,
  type SmtChange,
  type SmtDb,
  type SmtProof,
  SmtStore,
  verifyProof,
} from "../../../src/store/smt/index.js";

const dirs: string[] = [];
const dbs: SmtDb[] = [];

async function openDb(dir?: string): Promise<{ db: SmtDb; dir: string }> {
  const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "smt-"));
  if (dir === undefined) dirs.push(d);
  const db: SmtDb = new ClassicLevel<Uint8Array, Uint8Array>(d, {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  await db.open();
  dbs.push(db);
  return { db, dir: d };
}

afterEach(async () => {
  for (const db of dbs.splice(0)) if (db.status === "open") await db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const key = (i: number) => utf8(`key-${i}`);
const val = (i: number, round = 0) => utf8(`value-${i}-${round}`);
const puts = (ids: number[], round = 0): SmtChange[] =>
  ids.map((i) => ({ key: key(i), value: val(i, round) }));
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Independent reference: the root of a key/value set, straight from the definition. */
function referenceRoot(entries: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const leaves = [...entries].map(([k, v]) => ({ kh: sha256(utf8(k)), vh: sha256(v) }));
  const bit = (h: Uint8Array, d: number) => (h[Math.floor(d / 8)]! >> (7 - (d % 8))) & 1;
  const root = (set: typeof leaves, depth: number): Uint8Array => {
    if (set.length === 0) return new Uint8Array(32);
    if (set.length === 1) return sha256(Uint8Array.of(0), set[0]!.kh, set[0]!.vh);
    const l = set.filter((x) => bit(x.kh, depth) === 0);
    const r = set.filter((x) => bit(x.kh, depth) === 1);
    return sha256(Uint8Array.of(1), root(l, depth + 1), root(r, depth + 1));
  };
  return root(leaves, 0);
}

function model(ids: number[], round = 0): Map<string, Uint8Array> {
  return new Map(ids.map((i) => [`key-${i}`, val(i, round)]));
}

/** A deterministic shuffle (no Math.random in tests that compare roots). */
function shuffled<T>(xs: T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("SmtStore roots", () => {
  it("has the all-zero root when empty and the leaf hash for a single key", async () => {
    const { db } = await openDb();
    const smt = await SmtStore.open(db);
    expect(smt.version).toBeNull();
    expect(smt.root).toEqual(EMPTY_HASH);
    const root = await smt.commit(1, [{ key: key(1), value: val(1) }]);
    expect(root).toEqual(sha256(Uint8Array.of(0), sha256(key(1)), sha256(val(1))));
    expect(root).toEqual(referenceRoot(model([1])));
  });

  it("gives the same root whatever the insertion order and batching", async () => {
    const ids = range(300);
    const a = await SmtStore.open((await openDb()).db);
    const rootA = await a.commit(1, puts(ids));

    const b = await SmtStore.open((await openDb()).db);
    const order = shuffled(ids, 7);
    let v = 1;
    for (let i = 0; i < order.length; i += 37) await b.commit(v++, puts(order.slice(i, i + 37)));
    expect(b.root).toEqual(rootA);
    expect(rootA).toEqual(referenceRoot(model(ids)));
    expect(rootA).not.toEqual(EMPTY_HASH);
  });

  it("collapses subtrees on deletion back to the root of the remaining set", async () => {
    const smt = await SmtStore.open((await openDb()).db);
    await smt.commit(1, puts(range(200)));
    const removed = range(150, 25);
    await smt.commit(
      2,
      removed.map((i) => ({ key: key(i), value: null })),
    );
    const left = range(200).filter((i) => !removed.includes(i));
    expect(smt.root).toEqual(referenceRoot(model(left)));
    // Same as a fresh tree built from the survivors only.
    const fresh = await SmtStore.open((await openDb()).db);
    expect(await fresh.commit(5, puts(left))).toEqual(smt.root);
    // Deleting everything returns to the empty root; deleting an absent key changes nothing.
    await smt.commit(3, [{ key: key(9999), value: null }]);
    expect(smt.root).toEqual(referenceRoot(model(left)));
    await smt.commit(
      4,
      left.map((i) => ({ key: key(i), value: null })),
    );
    expect(smt.root).toEqual(EMPTY_HASH);
  });

  it("updates values in place and matches the reference", async () => {
    const smt = await SmtStore.open((await openDb()).db, { nodeCacheSize: 4 });
    await smt.commit(1, puts(range(100)));
    await smt.commit(2, puts(range(50, 25), 1));
    const expected = model(range(100));
    for (const i of range(50, 25)) expected.set(`key-${i}`, val(i, 1));
    expect(smt.root).toEqual(referenceRoot(expected));
    expect(smt.getLatest(key(30))).toEqual(val(30, 1));
    expect(smt.getLatest(key(10))).toEqual(val(10, 0));
  });

  it("rejects duplicate keys and non-increasing versions without writing anything", async () => {
    const smt = await SmtStore.open((await openDb()).db);
    await smt.commit(3, puts([1]));
    const root = smt.root;
    const dup = smt.commit(4, [
      { key: key(2), value: val(2) },
      { key: key(2), value: null },
    ]);
    await expect(dup).rejects.toSatisfy((e) => isDccnError(e, "SMT_DUPLICATE_KEY"));
    await expect(smt.commit(3, puts([5]))).rejects.toSatisfy((e) => isDccnError(e, "SMT_BAD_VERSION"));
    expect(smt.version).toBe(3);
    expect(smt.root).toEqual(root);
    expect(smt.getLatest(key(2))).toBeUndefined();
    expect(smt.rootAt(4)).toBeUndefined();
  });
});

describe("SmtStore proofs", () => {
  async function tree() {
    const smt = await SmtStore.open((await openDb()).db);
    await smt.commit(1, puts(range(64)));
    return smt;
  }

  it("proves membership of every key", async () => {
    const smt = await tree();
    for (const i of range(64)) {
      const { value, proof, root } = smt.prove(key(i), 1);
      expect(value).toEqual(val(i));
      expect(root).toEqual(smt.root);
      expect(verifyProof(smt.root, key(i), val(i), proof)).toBe(true);
      expect(verifyProof(smt.root, key(i), val(i), encodeSmtProof(proof))).toBe(true);
    }
  });

  it("proves non-membership, through an empty subtree and through another leaf", async () => {
    const smt = await tree();
    let viaLeaf = 0;
    let viaEmpty = 0;
    for (const i of range(200, 1000)) {
      const { value, proof } = smt.prove(key(i), 1);
      expect(value).toBeNull();
      expect(verifyProof(smt.root, key(i), null, proof)).toBe(true);
      // The absent key cannot be claimed to hold any value.
      expect(verifyProof(smt.root, key(i), val(i), proof)).toBe(false);
      if (proof.leaf === null) viaEmpty++;
      else viaLeaf++;
    }
    expect(viaLeaf).toBeGreaterThan(0);
    expect(viaEmpty).toBeGreaterThan(0);
  });

  it("rejects tampered proofs, values, keys and roots", async () => {
    const smt = await tree();
    const { proof } = smt.prove(key(5), 1);
    expect(proof.siblings.length).toBeGreaterThan(0);
    expect(verifyProof(smt.root, key(5), val(5, 1), proof)).toBe(false);
    expect(verifyProof(smt.root, key(6), val(5), proof)).toBe(false);
    expect(verifyProof(smt.root, key(5), null, proof)).toBe(false);
    const badRoot = smt.root.slice();
    badRoot[0]! ^= 1;
    expect(verifyProof(badRoot, key(5), val(5), proof)).toBe(false);
    const sib = proof.siblings.map((s) => s.slice());
    sib[sib.length - 1]![3]! ^= 0x10;
    expect(verifyProof(smt.root, key(5), val(5), { siblings: sib, leaf: null })).toBe(false);
    expect(verifyProof(smt.root, key(5), val(5), { siblings: proof.siblings.slice(1), leaf: null })).toBe(
      false,
    );
    const bytes = encodeSmtProof(proof);
    bytes[bytes.length - 1]! ^= 1;
    expect(verifyProof(smt.root, key(5), val(5), bytes)).toBe(false);
    expect(verifyProof(smt.root, key(5), val(5), Uint8Array.of(0xff, 0xff))).toBe(false);

    // A non-membership proof that points at another leaf cannot be bent into a different claim.
    let absent: { i: number; proof: SmtProof } | undefined;
    for (const i of range(500, 1000)) {
      const p = smt.prove(key(i), 1).proof;
      if (p.leaf !== null) {
        absent = { i, proof: p };
        break;
      }
    }
    expect(absent).toBeDefined();
    const { i, proof: np } = absent!;
    const leaf = np.leaf!;
    const wrongValue = { ...np, leaf: { keyHash: leaf.keyHash, valueHash: sha256(utf8("x")) } };
    expect(verifyProof(smt.root, key(i), null, wrongValue)).toBe(false);
    // Claiming the key is absent while pointing at the key's own leaf hash is refused.
    const self = { ...np, leaf: { keyHash: sha256(key(i)), valueHash: leaf.valueHash } };
    expect(verifyProof(smt.root, key(i), null, self)).toBe(false);
  });

  it("round-trips the proof encoding canonically", async () => {
    const smt = await tree();
    for (const i of [0, 7, 500, 777]) {
      const { proof } = smt.prove(key(i), 1);
      const bytes = encodeSmtProof(proof);
      expect(decodeSmtProof(bytes)).toEqual(proof);
    }
  });
});

describe("SmtStore versions and persistence", () => {
  it("keeps old versions readable and provable", async () => {
    const smt = await SmtStore.open((await openDb()).db);
    const r1 = await smt.commit(1, puts(range(20)));
    const r2 = await smt.commit(2, [...puts([3, 4], 2), { key: key(5), value: null }]);
    expect(smt.rootAt(1)).toEqual(r1);
    expect(smt.rootAt(2)).toEqual(r2);
    expect(smt.get(key(3), 1)).toEqual(val(3, 0));
    expect(smt.get(key(3), 2)).toEqual(val(3, 2));
    expect(smt.get(key(5), 1)).toEqual(val(5, 0));
    expect(smt.get(key(5), 2)).toBeUndefined();
    const old = smt.prove(key(5), 1);
    expect(verifyProof(r1, key(5), val(5), old.proof)).toBe(true);
    expect(verifyProof(r2, key(5), null, smt.prove(key(5), 2).proof)).toBe(true);
    expect(() => smt.prove(key(1), 7)).toThrow(expect.objectContaining({ code: "SMT_UNKNOWN_VERSION" }));
  });

  it("persists a version, its flat table and the caller's metadata atomically across reopen", async () => {
    const { db, dir } = await openDb();
    const smt = await SmtStore.open(db);
    await smt.commit(1, puts(range(10)));
    const meta = appMetaKey("last_height");
    const root = await smt.commit(2, puts([1], 9), [{ type: "put", key: meta, value: Uint8Array.of(2) }]);
    await db.close();

    const again = await SmtStore.open((await openDb(dir)).db);
    expect(again.version).toBe(2);
    expect(again.root).toEqual(root);
    expect(again.getLatest(key(1))).toEqual(val(1, 9));
    expect(again.get(key(1), 1)).toEqual(val(1, 0));
    expect(verifyProof(root, key(7), val(7), again.prove(key(7), 2).proof)).toBe(true);
    const reopened = dbs[dbs.length - 1]!;
    expect(reopened.getSync(meta)).toEqual(Buffer.from([2]));
    // The tree continues from the reopened state.
    const r3 = await again.commit(3, puts([11]));
    expect(r3).toEqual(
      referenceRoot(new Map([...model(range(10)), ["key-1", val(1, 9)], ["key-11", val(11)]])),
    );
  });

  it("leaves the previous version intact when a write fails", async () => {
    const { db, dir } = await openDb();
    const smt = await SmtStore.open(db);
    const root = await smt.commit(1, puts(range(5)));
    await db.close();
    await expect(smt.commit(2, puts(range(5), 1))).rejects.toSatisfy((e) =>
      isDccnError(e, "SMT_WRITE_FAILED"),
    );
    expect(smt.version).toBe(1);
    const again = await SmtStore.open((await openDb(dir)).db);
    expect(again.version).toBe(1);
    expect(again.root).toEqual(root);
    expect(again.getLatest(key(2))).toEqual(val(2, 0));
  });

  it("iterates the latest entries of a prefix in key order", async () => {
    const smt = await SmtStore.open((await openDb()).db);
    await smt.commit(1, [
      { key: utf8("acc/b"), value: utf8("2") },
      { key: utf8("acc/a"), value: utf8("1") },
      { key: utf8("acd/x"), value: utf8("x") },
      { key: utf8("acc/c"), value: utf8("3") },
    ]);
    await smt.commit(2, [{ key: utf8("acc/b"), value: null }]);
    const seen: string[] = [];
    for await (const [k, v] of smt.iterateLatest(utf8("acc/")))
      seen.push(`${Buffer.from(k)}=${Buffer.from(v)}`);
    expect(seen).toEqual(["acc/a=1", "acc/c=3"]);
  });
});
