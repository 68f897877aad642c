/**
 * Micro-benchmark of the authenticated state tree: a tree of `keys` keys (default 100k) built
 * and then updated in commits of `batch` dirty keys (default 1,000), as one block would;
 * then proofs generated and verified for random keys at the latest version.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ClassicLevel } from "classic-level";
import { concatBytes, u64be, utf8 } from "../src/codec/bytes.js";
import { sha256 } from "../src/crypto/hash.js";
import { type SmtChange, type SmtDb, SmtStore, verifyProof } from "../src/store/smt/index.js";
import { type BenchRow, renderTable } from "./table.js";

export interface SmtBenchOptions {
  readonly keys?: number;
  readonly batch?: number;
  /** Commits of `batch` updates to existing keys after the initial load. */
  readonly updateCommits?: number;
  readonly proofs?: number;
}

const keyOf = (i: number) => concatBytes(utf8("acc/"), sha256(u64be(i)).subarray(0, 20));
const valueFor = (i: number, round: number) => sha256(u64be(i), u64be(round));

/** A small deterministic generator, so runs are comparable. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

export async function benchSmt(opts: SmtBenchOptions = {}): Promise<BenchRow[]> {
  const keys = opts.keys ?? 100_000;
  const batch = opts.batch ?? 1_000;
  const updateCommits = opts.updateCommits ?? 20;
  const proofs = opts.proofs ?? 10_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-smt-"));
  const db: SmtDb = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  try {
    await db.open();
    const smt = await SmtStore.open(db);
    let version = 0;

    let t0 = performance.now();
    for (let i = 0; i < keys; i += batch) {
      const changes: SmtChange[] = [];
      for (let j = i; j < Math.min(keys, i + batch); j++)
        changes.push({ key: keyOf(j), value: valueFor(j, 0) });
      await smt.commit(++version, changes);
    }
    const loadMs = performance.now() - t0;

    const rnd = lcg(42);
    t0 = performance.now();
    for (let c = 0; c < updateCommits; c++) {
      const picked = new Map<number, SmtChange>();
      while (picked.size < Math.min(batch, keys)) {
        const i = rnd() % keys;
        picked.set(i, { key: keyOf(i), value: valueFor(i, c + 1) });
      }
      await smt.commit(++version, [...picked.values()]);
    }
    const updateMs = performance.now() - t0;

    const targets = Array.from({ length: proofs }, () => rnd() % keys);
    t0 = performance.now();
    const made = targets.map((i) => smt.prove(keyOf(i), version));
    const proveMs = performance.now() - t0;

    t0 = performance.now();
    let ok = 0;
    made.forEach((p, n) => {
      if (verifyProof(p.root, keyOf(targets[n]!), p.value, p.proof)) ok++;
    });
    const verifyMs = performance.now() - t0;
    if (ok !== proofs) throw new Error(`benchSmt: ${proofs - ok} proofs failed to verify`);

    const avgDepth = made.reduce((s, p) => s + p.proof.siblings.length, 0) / made.length;
    return [
      {
        group: "smt",
        name: "smt_load_updates_per_s",
        value: round(keys / (loadMs / 1000)),
        unit: "updates/s",
      },
      {
        group: "smt",
        name: "smt_update_updates_per_s",
        value: round((updateCommits * batch) / (updateMs / 1000)),
        unit: "updates/s",
      },
      {
        group: "smt",
        name: "smt_commit_latency_ms",
        value: round(updateMs / Math.max(1, updateCommits)),
        unit: "ms",
      },
      { group: "smt", name: "smt_proofs_per_s", value: round(proofs / (proveMs / 1000)), unit: "proofs/s" },
      {
        group: "smt",
        name: "smt_verify_per_s",
        value: round(proofs / (verifyMs / 1000)),
        unit: "verifies/s",
      },
      { group: "smt", name: "smt_proof_depth_avg", value: round(avgDepth), unit: "siblings" },
    ];
  } finally {
    if (db.status === "open") await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(renderTable(await benchSmt()));
}
