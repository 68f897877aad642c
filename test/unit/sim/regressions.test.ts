/**
 * What the simulator relies on, checked one piece at a time: the vote keeper counts an
 * equivocator's second vote for its own value (the liveness bug the simulator found), crash
 * and restart replay the WAL into the same round state, block-sync catch-up accepts only a
 * real commit, and the monitor notices an honest double-sign.
 */
import { describe, expect, it } from "vitest";
import { equalBytes, toHex } from "../../../src/codec/bytes.js";
import { buildScenario, Monitor, Trace } from "../../../src/consensus/sim/index.js";
import { TestNetwork } from "../../../src/consensus/testkit/network.js";
import { BlockIdFlag, blockHash, type Commit } from "../../../src/types/block.js";
import { VoteType, voteSignBytes } from "../../../src/types/vote.js";
import { Harness, hashHex, signedVotes } from "../consensus/harness.js";

const FOUR = [1, 1, 1, 1];

describe("vote keeper: an equivocator's second vote counts for its own value", () => {
  it("decides when the decisive precommit is an equivocator's second one", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    h.propose(0, A, -1, { by: h.proposerIndex(0) });
    h.vote(3, "precommit", 0, null); // the equivocator's first precommit reached us first
    h.votes([1, 2], "precommit", 0, A);
    expect(h.driver.state?.decision).toBeNull();
    const out = h.vote(3, "precommit", 0, A);
    expect(out.verdict).toEqual({ status: "rejected", reason: "equivocation" });
    expect(out.effects.map((e) => e.kind)).toEqual(["equivocation", "decide"]);
    const decide = out.effects.find((e) => e.kind === "decide");
    // The commit carries the signature that counted, so it verifies for the next block.
    expect(decide?.kind === "decide" && decide.commit.signatures[3]?.flag).toBe(BlockIdFlag.Commit);
    expect(h.driver.latestCommit()?.signatures[3]?.flag).toBe(BlockIdFlag.Commit);
  });

  it("sees a polka that needs an equivocator's second prevote, and still counts it once in the total", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    h.propose(0, A, -1, { by: h.proposerIndex(0) });
    h.vote(0, "prevote", 0, A); // our own prevote, fed back as the host does
    h.vote(3, "prevote", 0, null); // the equivocator's first prevote reached us first
    h.vote(1, "prevote", 0, A);
    expect(h.driver.state?.step).toBe("prevote");
    const out = h.vote(3, "prevote", 0, A);
    // 0, 1 and 3 for A: a polka, so lock and precommit A (L36).
    expect(signedVotes(out.effects)).toEqual([["precommit", 0, hashHex(A)]]);
    expect(h.driver.state?.lockedRound).toBe(0);
    expect(h.driver.voteKeeper?.totalPower(0, VoteType.Prevote)).toBe(3);
  });
});

describe("testkit crash and restart", () => {
  it("replays the WAL into the same round state and keeps the chain going", async () => {
    const net = await TestNetwork.create({ powers: [1, 1, 1, 1] });
    const node = net.nodes[1]!;
    net.start();
    // Run until node 1 has precommitted at height 2.
    await net.runUntil(() => node.driver.height === 2 && node.driver.state?.step === "precommit");
    const before = node.driver.state!;
    const logged = node.walInputs.length;
    net.crash(1);
    const lives = node.incarnation;
    // The others go on (three of four suffice); nothing reaches node 1, no stale timer fires.
    await net.runUntil(() => net.nodes[0]!.decisions.has(3));
    expect(node.driver.state).toBe(before);
    const replayed = await net.restart(1);
    expect(replayed).toBe(logged);
    expect(node.incarnation).toBe(lives + 1);
    const after = node.driver.state!;
    const comparable = (s: typeof after) => ({
      ...s,
      lockedValue: s.lockedValue?.id,
      validValue: s.validValue?.id,
      decision: s.decision?.id,
    });
    expect(comparable(after)).toEqual(comparable(before));
    // It catches up on the heights it missed (block sync), then takes part again.
    await net.runUntil(() => {
      const lead = net.nodes[0]!.decisions.get(node.driver.height);
      if (lead !== undefined && !node.decisions.has(node.driver.height))
        node.catchUp(lead.block, lead.commit);
      return net.nodes.every((n) => n.decisions.has(6));
    });
    expect(net.agreement()).toBe(true);
    expect(node.signErrors).toEqual([]); // the replay asked the guard for nothing it refused
    expect(node.conflictingDecisions).toEqual([]);
    expect(node.effects.some((e) => e.kind === "sign_vote" && e.height === 6)).toBe(true);
  });
});

describe("testkit block-sync catch-up", () => {
  it("commits a peer's decided block only with a real +2/3 commit for it", async () => {
    const net = await TestNetwork.create({ powers: [1, 1, 1, 1] });
    const lagging = net.nodes[3]!;
    net.policy = (e) => (e.to === 3 ? "drop" : "deliver");
    net.start();
    await net.runUntil(() => net.nodes[0]!.decisions.has(1));
    const { block, commit } = net.nodes[0]!.decisions.get(1)!;
    expect(lagging.decisions.has(1)).toBe(false);

    const forged = commit.signatures.map((s) =>
      s.flag === BlockIdFlag.Commit ? { ...s, signature: s.signature.map((b) => b ^ 1) } : s,
    );
    const absent = {
      flag: BlockIdFlag.Absent,
      validatorAddress: new Uint8Array(0),
      signature: new Uint8Array(0),
    } as const;
    let kept = 0;
    const tooFew = commit.signatures.map((s) => (s.flag === BlockIdFlag.Commit && kept++ >= 2 ? absent : s));
    const bad: Commit[] = [
      { ...commit, signatures: forged },
      { ...commit, signatures: tooFew },
      { ...commit, height: 2 },
      { ...commit, blockHash: new Uint8Array(32) },
    ];
    for (const c of bad) expect(lagging.catchUp(block, c)).toBe(false);
    expect(lagging.decisions.has(1)).toBe(false);

    expect(lagging.catchUp(block, commit)).toBe(true);
    expect(equalBytes(lagging.decisions.get(1)!.commit.blockHash, blockHash(block))).toBe(true);
    expect(lagging.catchUp(block, commit)).toBe(false); // already committed
    net.policy = () => "deliver";
    await net.runUntilHeight(3);
    expect(net.agreement()).toBe(true);
    expect(lagging.caughtUp).toBe(1);
  });
});

describe("monitor", () => {
  it("flags an honest node that signs two different votes for one (height, round, step)", async () => {
    const scenario = buildScenario(1, { validators: 4 });
    const net = await TestNetwork.create({ powers: scenario.powers });
    const monitor = new Monitor(scenario, net, () => true, 1_000_000, new Trace(false));
    const key = net.keys[2]!;
    const vote = (hash: Uint8Array | null) => {
      const fields = { type: VoteType.Prevote, height: 3, round: 1, blockHash: hash };
      return {
        kind: "vote" as const,
        vote: {
          ...fields,
          validatorAddress: net.nodes[2]!.address!,
          validatorIndex: net.validators.indexOf(net.nodes[2]!.address!),
          signature: key.sign(voteSignBytes(net.chainId, fields)),
        },
      };
    };
    monitor.recordHonestSend(2, vote(null));
    monitor.recordHonestSend(2, vote(null)); // the same payload again is fine
    expect(monitor.poll()).toBeNull();
    monitor.recordHonestSend(2, vote(new Uint8Array(32).fill(1)));
    expect(monitor.poll()).toMatchObject({ kind: "double_sign" });
    expect(monitor.result?.message).toContain(`n2`);
    expect(toHex(net.nodes[2]!.address!)).toHaveLength(40);
  });
});
