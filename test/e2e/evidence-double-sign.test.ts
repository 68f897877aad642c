/**
 * A validator started with the test-only double-sign switch sends two conflicting prevotes per
 * round; the honest validators turn them into duplicate-vote evidence that is committed on
 * chain, each offence exactly once, naming the offender.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBase64, toHexUpper } from "../../src/codec/bytes.js";
import { decodeEvidence } from "../../src/evidence/duplicate-vote.js";
import { UNSAFE_DOUBLE_SIGN_ENV } from "../../src/node/node.js";
import { rpc, waitFor, waitForHeight } from "./harness.js";
import { TestNet } from "./net-cluster.js";

interface Offence {
  readonly validator: string;
  readonly height: number;
  readonly round: number;
  readonly type: number;
  readonly committedAt: number;
}

/** Evidence items of a block in the RPC's JSON (base64 of the encoded evidence, or CometBFT's object form). */
function offencesOf(items: readonly unknown[], committedAt: number): Offence[] {
  return items.map((item) => {
    if (typeof item === "string") {
      const ev = decodeEvidence(fromBase64(item));
      return {
        validator: toHexUpper(ev.voteA.validatorAddress),
        height: ev.voteA.height,
        round: ev.voteA.round,
        type: ev.voteA.type,
        committedAt,
      };
    }
    const v = (item as { value: { vote_a: Record<string, unknown> } }).value.vote_a;
    return {
      validator: String(v.validator_address).toUpperCase(),
      height: Number(v.height),
      round: Number(v.round),
      type: Number(v.type),
      committedAt,
    };
  });
}

async function offencesUpTo(url: string, height: number): Promise<Offence[]> {
  const out: Offence[] = [];
  for (let h = 1; h <= height; h++) {
    const b = await rpc<{ block: { evidence: { evidence: unknown[] } } }>(url, "block", {
      height: String(h),
    });
    out.push(...offencesOf(b.block.evidence.evidence ?? [], h));
  }
  return out;
}

describe("double signing", () => {
  let net: TestNet;
  beforeAll(async () => {
    net = await TestNet.create({ validators: 4, chainId: "dccn-evidence-e2e" });
    await Promise.all([
      net.node(0).process.start(),
      net.node(1).process.start(),
      net.node(2).process.start(),
      net.node(3).process.start({ [UNSAFE_DOUBLE_SIGN_ENV]: "1" }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await net?.destroy();
  });

  it("is committed on chain as duplicate-vote evidence against the offender, once per offence", async () => {
    const offender = net.node(3).validatorAddress!;
    const url = net.node(0).rpcUrl;
    // Wait until at least three offences are on chain.
    const seen = await waitFor(
      "evidence on chain",
      async () => {
        const st = await rpc<{ sync_info: { latest_block_height: string } }>(url, "status");
        const found = await offencesUpTo(url, Number(st.sync_info.latest_block_height));
        return found.length >= 3 ? found : undefined;
      },
      120_000,
      500,
    );
    for (const o of seen) {
      expect(o.validator).toBe(offender);
      expect(o.type).toBe(1); // prevotes: the switch only doubles prevotes
      expect(o.committedAt).toBeGreaterThan(o.height); // evidence of a height lands in a later block
    }
    const keys = seen.map((o) => `${o.height}/${o.round}/${o.type}`);
    expect(new Set(keys).size).toBe(keys.length);

    // Every node holds the same evidence (it is part of the agreed blocks) and keeps committing.
    const last = Math.max(...seen.map((o) => o.committedAt));
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, last + 1, 60_000)));
    for (const n of net.nodes.slice(1)) {
      expect(await offencesUpTo(n.rpcUrl, last)).toEqual(await offencesUpTo(url, last));
    }
  }, 180_000);
});
