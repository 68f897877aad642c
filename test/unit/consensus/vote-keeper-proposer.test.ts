/** Weighted thresholds of the vote keeper, proposer selection, and commit construction. */
import { describe, expect, it } from "vitest";
import { toHex, u64be } from "../../../src/codec/bytes.js";
import { proposerFor } from "../../../src/consensus/proposer.js";
import { testKeys, testValidatorSet } from "../../../src/consensus/testkit/fixtures.js";
import { VoteKeeper } from "../../../src/consensus/vote-keeper.js";
import { verifySignature } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { BlockIdFlag, blockHash } from "../../../src/types/block.js";
import { VoteType, voteSignBytes } from "../../../src/types/vote.js";
import { CHAIN_ID, Harness, hashHex } from "./harness.js";

describe("VoteKeeper", () => {
  // Powers in set order are whatever the addresses give; use the harness to get them.
  const h = new Harness([1, 2, 3, 4], 0);
  const power = (i: number) => h.validators.validators[i]!.votingPower;
  const A = h.block("A");
  const idA = hashHex(A);

  it("tallies by voting power and reports polka/precommit thresholds above two thirds", () => {
    const k = new VoteKeeper(h.validators);
    // Find a pair whose power is exactly 6 of 10 (not > 2/3) and add the rest.
    const order = [0, 1, 2, 3].sort((a, b) => power(b) - power(a)); // 4,3,2,1
    k.add(h.signVote(order[0]!, "prevote", 0, A)); // 4
    k.add(h.signVote(order[2]!, "prevote", 0, A)); // +2 = 6
    expect(k.powerFor(0, VoteType.Prevote, blockHash(A))).toBe(6);
    expect(k.hasPolkaFor(0, idA)).toBe(false);
    expect(k.hasPolkaAny(0)).toBe(false);
    k.add(h.signVote(order[3]!, "prevote", 0, null)); // nil 1: any = 7 > 6.67
    expect(k.hasPolkaAny(0)).toBe(true);
    expect(k.hasPolkaFor(0, idA)).toBe(false);
    expect(k.hasPolkaNil(0)).toBe(false);
    k.add(h.signVote(order[1]!, "prevote", 0, A)); // A = 9
    expect(k.hasPolkaFor(0, idA)).toBe(true);
    expect(k.hasPrecommitAny(0)).toBe(false);
    expect(k.hasPrecommitFor(0, idA)).toBe(false);
  });

  it("counts each validator once per round for skip-round, whatever the vote type", () => {
    const k = new VoteKeeper(h.validators);
    const order = [0, 1, 2, 3].sort((a, b) => power(a) - power(b)); // 1,2,3,4
    k.add(h.signVote(order[0]!, "prevote", 3, null));
    k.add(h.signVote(order[0]!, "precommit", 3, null));
    k.add(h.signVote(order[1]!, "precommit", 3, A)); // 1 + 2 = 3 of 10: not > 1/3
    expect(k.hasSkipQuorum(3)).toBe(false);
    k.add(h.signVote(order[2]!, "prevote", 3, A)); // 6 > 3.33
    expect(k.hasSkipQuorum(3)).toBe(true);
    expect(k.hasSkipQuorum(4)).toBe(false);
  });

  it("rejects unknown validators, ignores duplicates and flags equivocation once", () => {
    const k = new VoteKeeper(h.validators);
    const B = h.block("B");
    const stranger = new Harness([1, 2, 3, 4], 0, { keyTag: "other" }).signVote(0, "prevote", 0, A);
    expect(k.add(stranger).kind).toBe("unknown_validator");
    const first = h.signVote(1, "precommit", 0, A);
    expect(k.add(first).kind).toBe("added");
    expect(k.add(first).kind).toBe("duplicate");
    const second = h.signVote(1, "precommit", 0, B);
    expect(k.add(second)).toEqual({ kind: "equivocation", first, second, report: true });
    expect(k.add(h.signVote(1, "precommit", 0, null))).toMatchObject({ kind: "equivocation", report: false });
    expect(k.totalPower(0, VoteType.Precommit)).toBe(power(1));
    // A prevote of the same validator is a different (round, type): not equivocation.
    expect(k.add(h.signVote(1, "prevote", 0, B)).kind).toBe("added");
  });
});

describe("proposerFor", () => {
  const keys = testKeys(4, "proposer");
  const set = testValidatorSet(keys, [1, 2, 3, 4]);
  const prev = new Uint8Array(32).fill(9);

  it("follows the specified seed: SHA-256(prev ‖ u64be(h) ‖ u64be(r)) mod total, cumulative in set order", () => {
    for (let round = 0; round < 20; round++) {
      const seed = BigInt(`0x${toHex(sha256(prev, u64be(12), u64be(round)))}`);
      let target = Number(seed % BigInt(set.totalVotingPower));
      const expected = set.validators.find((v) => {
        target -= v.votingPower;
        return target < 0;
      });
      expect(proposerFor(set, prev, 12, round).address).toEqual(expected?.address);
    }
  });

  it("is deterministic and depends on height, round and the previous block hash", () => {
    const seq = (p: Uint8Array, hgt: number) =>
      Array.from({ length: 32 }, (_, r) => toHex(proposerFor(set, p, hgt, r).address)).join();
    expect(seq(prev, 5)).toBe(seq(Uint8Array.from(prev), 5));
    expect(seq(prev, 5)).not.toBe(seq(prev, 6));
    expect(seq(prev, 5)).not.toBe(seq(new Uint8Array(32).fill(8), 5));
  });

  it("chooses validators in proportion to their voting power", () => {
    const counts = new Map<string, number>();
    const n = 20_000;
    for (let hgt = 1; hgt <= n; hgt++) {
      const a = toHex(proposerFor(set, prev, hgt, 0).address);
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    for (const v of set.validators) {
      const share = (counts.get(toHex(v.address)) ?? 0) / n;
      const expected = v.votingPower / set.totalVotingPower;
      // ±3 standard deviations of a binomial(n, p) share.
      expect(Math.abs(share - expected)).toBeLessThan(3 * Math.sqrt((expected * (1 - expected)) / n));
    }
  });

  it("a single validator always proposes", () => {
    const one = testValidatorSet(testKeys(1, "solo"), [7]);
    for (let r = 0; r < 10; r++) expect(proposerFor(one, prev, 1, r)).toBe(one.validators[0]);
  });
});

describe("commit construction on decide", () => {
  it("has one CommitSig per validator in set order: Commit, Nil or Absent, with verifiable signatures", () => {
    // Three heavy validators decide; the light ones precommit nil, another block, or nothing.
    const powers = [10, 10, 10, 1, 1, 1];
    const h = new Harness(powers, null);
    h.start();
    const heavy = h.validators.validators.flatMap((v, i) => (v.votingPower === 10 ? [i] : []));
    const light = h.validators.validators.flatMap((v, i) => (v.votingPower === 1 ? [i] : []));
    const A = h.block("A");
    h.propose(0, A);
    h.vote(light[0]!, "precommit", 0, null);
    h.vote(light[1]!, "precommit", 0, h.block("B"));
    const decide = h.votes(heavy, "precommit", 0, A).find((e) => e.kind === "decide");
    if (decide?.kind !== "decide") throw new Error("no decision");
    const { commit } = decide;
    expect(commit).toMatchObject({ height: 1, round: 0 });
    expect(toHex(commit.blockHash)).toBe(hashHex(A));
    expect(commit.signatures).toHaveLength(6);
    const expectedFlags = h.validators.validators.map((_, i) =>
      heavy.includes(i) ? BlockIdFlag.Commit : i === light[0] ? BlockIdFlag.Nil : BlockIdFlag.Absent,
    );
    expect(commit.signatures.map((s) => s.flag)).toEqual(expectedFlags);
    commit.signatures.forEach((sig, i) => {
      const v = h.validators.validators[i]!;
      if (sig.flag === BlockIdFlag.Absent) {
        expect(sig.signature).toHaveLength(0);
        return;
      }
      expect(sig.validatorAddress).toEqual(v.address);
      const blockHash = sig.flag === BlockIdFlag.Commit ? commit.blockHash : null;
      const bytes = voteSignBytes(CHAIN_ID, { type: VoteType.Precommit, height: 1, round: 0, blockHash });
      expect(verifySignature(v.pubKey, bytes, sig.signature)).toBe(true);
    });
    // A late precommit is included by latestCommit() but was not in the decision's commit.
    h.vote(light[2]!, "precommit", 0, A);
    const late = h.driver.latestCommit();
    expect(late?.signatures[light[2]!]?.flag).toBe(BlockIdFlag.Commit);
    expect(commit.signatures[light[2]!]?.flag).toBe(BlockIdFlag.Absent);
  });
});
