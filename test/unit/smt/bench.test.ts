import { describe, expect, it } from "vitest";
import { benchSmt } from "../../../bench/smt.js";

describe("benchSmt", () => {
  it("measures a small tree and reports every row with a positive value", async () => {
    const rows = await benchSmt({ keys: 2_000, batch: 200, updateCommits: 2, proofs: 200 });
    expect(rows.map((r) => r.name)).toEqual([
      "smt_load_updates_per_s",
      "smt_update_updates_per_s",
      "smt_commit_latency_ms",
      "smt_proofs_per_s",
      "smt_verify_per_s",
      "smt_proof_depth_avg",
    ]);
    for (const r of rows) expect(r.value).toBeGreaterThan(0);
  });
});
