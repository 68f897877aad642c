/**
 * Whole heights through the real core on the in-process network: drivers, privval signers with
 * real Ed25519, signature checks on receipt, virtual-time timeouts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { toHex } from "../../../src/codec/bytes.js";
import { proposerFor } from "../../../src/consensus/proposer.js";
import { type Envelope, TestNetwork } from "../../../src/consensus/testkit/network.js";
import { verifySignature } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { BlockIdFlag, blockHash, type Commit } from "../../../src/types/block.js";
import type { ValidatorSet } from "../../../src/types/validator.js";
import { VoteType, voteSignBytes } from "../../../src/types/vote.js";

/** Checks a commit the way a block verifier would: +2/3 of the power signed the block. */
function verifyCommit(commit: Commit, validators: ValidatorSet, chainId: string): void {
  expect(commit.signatures).toHaveLength(validators.size);
  let power = 0;
  commit.signatures.forEach((sig, i) => {
    const v = validators.validators[i]!;
    if (sig.flag !== BlockIdFlag.Commit) return;
    const bytes = voteSignBytes(chainId, {
      type: VoteType.Precommit,
      height: commit.height,
      round: commit.round,
      blockHash: commit.blockHash,
    });
    expect(verifySignature(v.pubKey, bytes, sig.signature)).toBe(true);
    power += v.votingPower;
  });
  expect(validators.hasTwoThirds(power)).toBe(true);
}

/** Heights 1..n decided identically by every live node, with valid commits and header links. */
function expectChain(net: TestNetwork, n: number): void {
  expect(net.agreement()).toBe(true);
  let prev: Uint8Array = new Uint8Array(0);
  for (let height = 1; height <= n; height++) {
    const live = net.nodes.filter((node) => !node.silent);
    const hashes = new Set(live.map((node) => node.decidedHash(height)));
    expect(hashes.size).toBe(1);
    const d = live[0]!.decisions.get(height)!;
    expect(d.block.header.height).toBe(height);
    expect(d.block.header.lastBlockHash).toEqual(prev);
    expect(d.commit.blockHash).toEqual(blockHash(d.block));
    verifyCommit(d.commit, net.validators, net.chainId);
    prev = blockHash(d.block);
  }
}

describe("whole heights on the in-process network", () => {
  it("1 validator commits every height in round 0", async () => {
    const net = await TestNetwork.create({ powers: [10] });
    net.start();
    await net.runUntilHeight(5);
    expectChain(net, 5);
    const node = net.nodes[0]!;
    expect([...node.decisions.values()].map((d) => d.round)).toEqual([0, 0, 0, 0, 0]);
    expect(node.signErrors).toEqual([]);
    // No timeout was needed: heights follow each other by the commit wait only.
    expect(node.decisions.get(5)?.decidedAt).toBe(4 * 1000);
  });

  it("4 equal validators and a non-validator follower agree on 5 heights in round 0", async () => {
    const net = await TestNetwork.create({ powers: [1, 1, 1, 1], followers: 1 });
    net.start();
    await net.runUntilHeight(5);
    expectChain(net, 5);
    for (const node of net.nodes) {
      expect([...node.decisions.values()].every((d) => d.round === 0)).toBe(true);
      expect(node.badSignatures).toBe(0);
      expect(node.signErrors).toEqual([]);
      expect(node.equivocations).toEqual([]);
    }
    const follower = net.nodes[4]!;
    expect(follower.address).toBeNull();
    expect(follower.effects.some((e) => e.kind.startsWith("sign_") || e.kind === "request_value")).toBe(
      false,
    );
    // Each height's block came from that height's round-0 proposer.
    let prev: Uint8Array = new Uint8Array(0);
    for (let height = 1; height <= 5; height++) {
      const d = follower.decisions.get(height)!;
      expect(d.block.header.proposerAddress).toEqual(proposerFor(net.validators, prev, height, 0).address);
      prev = blockHash(d.block);
    }
  });

  it("7 validators with unequal powers agree on 4 heights", async () => {
    const net = await TestNetwork.create({ powers: [1, 2, 3, 5, 8, 13, 21] });
    net.start();
    await net.runUntilHeight(4);
    expectChain(net, 4);
  });

  it("a silent proposer: the next live round's proposer commits, the silent validator is Absent", async () => {
    const powers = [5, 6, 7, 8, 9, 10, 11]; // nobody holds a third
    const net = await TestNetwork.create({ powers });
    const first = proposerFor(net.validators, new Uint8Array(0), 1, 0);
    const silentNode = net.nodes.find(
      (n) => n.address !== null && toHex(n.address) === toHex(first.address),
    )!;
    silentNode.silent = true;
    net.start();
    await net.runUntilHeight(1);
    expectChain(net, 1);

    let round = 1;
    while (toHex(proposerFor(net.validators, new Uint8Array(0), 1, round).address) === toHex(first.address))
      round++;
    const expectedProposer = proposerFor(net.validators, new Uint8Array(0), 1, round);
    for (const node of net.nodes.filter((n) => !n.silent)) {
      const d = node.decisions.get(1)!;
      expect(d.round).toBe(round);
      expect(d.block.header.proposerAddress).toEqual(expectedProposer.address);
      const silentIndex = net.validators.indexOf(first.address);
      expect(d.commit.signatures[silentIndex]?.flag).toBe(BlockIdFlag.Absent);
      // Round 0 ended by timeouts, not by a skip: the live nodes waited timeoutPropose(0).
      expect(node.effects).toContainEqual(
        expect.objectContaining({ kind: "sign_vote", round: 0, blockHash: null }),
      );
    }
  });

  it("keeps agreement and progress when messages are delayed deterministically", async () => {
    const net = await TestNetwork.create({ powers: [1, 1, 1, 1] });
    // Pseudo-random delays of up to 6 s from a hash of (from, to, send time): rounds fail and recover.
    net.policy = (e: Envelope) => {
      const h = sha256(Uint8Array.of(e.from, e.to), new TextEncoder().encode(String(e.sentAt)));
      return { delayMs: ((h[0]! << 8) | h[1]!) % 6000 };
    };
    net.start();
    await net.runUntilHeight(6);
    expectChain(net, 6);
    const rounds = [...net.nodes[0]!.decisions.values()].map((d) => d.round);
    expect(Math.max(...rounds)).toBeGreaterThan(0); // some heights needed more than one round
  });

  it("a node cut off for one height catches up from buffered next-height messages", async () => {
    const net = await TestNetwork.create({ powers: [1, 1, 1, 1] });
    // Everything sent to node 3 during height 1 arrives 20 s late; meanwhile the others go on.
    net.policy = (e) => (e.to === 3 && e.sentAt < 1 ? { delayMs: 20_000 } : "deliver");
    net.start();
    await net.runUntilHeight(3);
    expectChain(net, 3);
    const late = net.nodes[3]!;
    expect(late.decisions.get(1)!.decidedAt).toBeGreaterThanOrEqual(20_000);
    expect(net.nodes[0]!.decisions.get(3)!.decidedAt).toBeLessThan(20_000);
  });
});

describe("testkit with file-backed privval", () => {
  let dir = "";
  afterEach(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("persists each validator's last-sign state as it signs", async () => {
    dir = mkdtempSync(join(tmpdir(), "dccn-consensus-"));
    const net = await TestNetwork.create({ powers: [1, 1, 1, 1], privvalDir: dir });
    net.start();
    await net.runUntilHeight(2);
    expectChain(net, 2);
    for (let i = 0; i < 4; i++) {
      const state = JSON.parse(readFileSync(join(dir, `node${i}.json`), "utf8"));
      // The last thing signed is a precommit (step 3) at height 2 or 3 (a new height may have begun).
      expect(Number(state.height)).toBeGreaterThanOrEqual(2);
      expect(state.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    }
  });
});
