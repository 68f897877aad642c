/**
 * Every rule of Algorithm 1 through the real Driver (vote keeper + state machine), with votes
 * and proposals signed by real keys. Four validators of power 1 unless said otherwise:
 * 3 votes are +2/3, 2 votes are f+1. The driver's own validator is index 0.
 */
import { describe, expect, it } from "vitest";
import { Driver } from "../../../src/consensus/driver.js";
import type { ConsensusEffect } from "../../../src/consensus/types.js";
import { Harness, hashHex, signedVotes, TIMEOUTS, timeoutsScheduled } from "./harness.js";

const FOUR = [1, 1, 1, 1];
const OTHERS = [1, 2, 3];

/** Round 0: prevote A, see a polka for A → lock A at round 0; then everyone precommits nil and round 1 starts. */
function lockedOnAThenRound1(h: Harness) {
  const A = h.block("A");
  h.start();
  h.propose(0, A);
  const locked = h.votes(OTHERS, "prevote", 0, A);
  expect(signedVotes(locked)).toEqual([["precommit", 0, hashHex(A)]]);
  h.votes(OTHERS, "precommit", 0, null);
  h.timeout("precommit", 0);
  expect(h.driver.round).toBe(1);
  expect(h.driver.state?.lockedRound).toBe(0);
  return A;
}

/** Leaves round `r` with nil: timeouts and nil precommits from the others. */
function finishRoundNil(h: Harness, r: number) {
  h.timeout("propose", r);
  h.timeout("prevote", r);
  h.votes(OTHERS, "precommit", r, null);
  h.timeout("precommit", r);
  expect(h.driver.round).toBe(r + 1);
}

describe("L11 StartRound / L22 proposal without POL", () => {
  it("prevotes id(v) for a valid proposal and moves to prevote", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    const out = h.propose(0, A);
    expect(out.verdict).toEqual({ status: "accepted" });
    expect(signedVotes(out.effects)).toEqual([["prevote", 0, hashHex(A)]]);
    expect(h.driver.state?.step).toBe("prevote");
  });

  it("prevotes nil for an invalid proposal (valid(v) = false)", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const out = h.propose(0, h.block("A"), -1, { valid: false });
    expect(signedVotes(out.effects)).toEqual([["prevote", 0, "nil"]]);
  });

  it("a non-proposer schedules timeoutPropose(round) at the round start", () => {
    const probe = new Harness(FOUR, null);
    const me = probe.proposerIndex(0) === 0 ? 1 : 0;
    const h = new Harness(FOUR, me);
    const out = h.start();
    expect(out.effects[0]).toMatchObject({ kind: "new_round", height: 1, round: 0 });
    expect(out.effects.some((e) => e.kind === "request_value")).toBe(false);
    expect(timeoutsScheduled(out.effects)).toEqual([["propose", 0, TIMEOUTS.proposeMs]]);
  });

  it("the proposer asks for a value (L18), then signs it with polRound = validRound = -1 (L19)", () => {
    const proposer = new Harness(FOUR, null).proposerIndex(0);
    const h = new Harness(FOUR, proposer);
    const started = h.start();
    expect(started.effects.filter((e) => e.kind === "request_value")).toEqual([
      { kind: "request_value", height: 1, round: 0 },
    ]);
    const A = h.block("A");
    const out = h.driver.apply({ kind: "proposal_value", height: 1, round: 0, block: A });
    expect(out.effects).toEqual([{ kind: "sign_proposal", height: 1, round: 0, polRound: -1, block: A }]);
    // A second answer, or one for a round never requested, is ignored.
    const again = h.driver.apply({ kind: "proposal_value", height: 1, round: 0, block: A });
    expect(again.verdict).toEqual({ status: "ignored", reason: "not_requested" });
    expect(again.effects).toEqual([]);
  });

  it("rejects a proposal not signed by the round's proposer", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const other = (h.proposerIndex(0) + 1) % 4;
    const out = h.propose(0, h.block("A"), -1, { by: other });
    expect(out.verdict).toEqual({ status: "rejected", reason: "wrong_proposer" });
    expect(out.effects).toEqual([]);
    expect(h.driver.state?.step).toBe("propose");
  });
});

describe("locking (L23, L29)", () => {
  it("a locked validator prevotes nil for a different value without a newer POL", () => {
    const h = new Harness(FOUR, 0);
    lockedOnAThenRound1(h);
    const out = h.propose(1, h.block("B"));
    expect(signedVotes(out.effects)).toEqual([["prevote", 1, "nil"]]);
  });

  it("a locked validator prevotes its locked value when it is proposed again", () => {
    const h = new Harness(FOUR, 0);
    const A = lockedOnAThenRound1(h);
    const out = h.propose(1, A);
    expect(signedVotes(out.effects)).toEqual([["prevote", 1, hashHex(A)]]);
  });

  it("unsafeIgnoreLock (test-only switch) breaks exactly this rule", () => {
    const h = new Harness(FOUR, 0, { unsafeIgnoreLock: true });
    lockedOnAThenRound1(h);
    const B = h.block("B");
    const out = h.propose(1, B);
    expect(signedVotes(out.effects)).toEqual([["prevote", 1, hashHex(B)]]);
  });
});

describe("L28 proposal with a POL round", () => {
  /** Locked on A at 0; round 1 sees a polka for B (without B's proposal); round 2 starts. */
  function polkaForBInRound1(h: Harness) {
    lockedOnAThenRound1(h);
    const B = h.block("B");
    h.timeout("propose", 1);
    h.votes(OTHERS, "prevote", 1, B);
    h.timeout("prevote", 1);
    h.votes(OTHERS, "precommit", 1, null);
    h.timeout("precommit", 1);
    expect(h.driver.round).toBe(2);
    expect(h.driver.state?.lockedRound).toBe(0);
    return B;
  }

  it("unlocks: prevotes v carrying a POL from a round later than the lock", () => {
    const h = new Harness(FOUR, 0);
    const B = polkaForBInRound1(h);
    const out = h.propose(2, B, 1);
    expect(signedVotes(out.effects)).toEqual([["prevote", 2, hashHex(B)]]);
  });

  it("waits for the POL's 2f+1 prevotes before acting on a proposal with polRound >= 0", () => {
    const h = new Harness(FOUR, 0);
    lockedOnAThenRound1(h);
    const B = h.block("B");
    finishRoundNil(h, 1);
    const out = h.propose(2, B, 1);
    expect(out.verdict.status).toBe("accepted");
    expect(signedVotes(out.effects)).toEqual([]);
    expect(h.driver.state?.step).toBe("propose");
    // The polka at round 1 arrives late: now L28 fires (lockedRound 0 <= vr 1).
    const late = h.votes(OTHERS, "prevote", 1, B);
    expect(signedVotes(late)).toEqual([["prevote", 2, hashHex(B)]]);
  });

  it("prevotes nil when the POL is older than the lock", () => {
    const h = new Harness(FOUR, 0);
    const B = h.block("B");
    const A = h.block("A");
    h.start();
    // Round 0: a polka for B, but this node never saw B's proposal, so it does not lock.
    h.timeout("propose", 0);
    h.votes(OTHERS, "prevote", 0, B);
    h.timeout("prevote", 0);
    h.votes(OTHERS, "precommit", 0, null);
    h.timeout("precommit", 0);
    // Round 1: lock on A.
    h.propose(1, A);
    h.votes(OTHERS, "prevote", 1, A);
    expect(h.driver.state?.lockedRound).toBe(1);
    h.votes(OTHERS, "precommit", 1, null);
    h.timeout("precommit", 1);
    // Round 2: B with POL round 0 < lockedRound 1.
    const out = h.propose(2, B, 0);
    expect(signedVotes(out.effects)).toEqual([["prevote", 2, "nil"]]);
  });

  it("rejects a proposal whose polRound is not below its round", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const out = h.propose(0, h.block("A"), 0);
    expect(out.verdict).toEqual({ status: "rejected", reason: "bad_pol_round" });
  });
});

describe("L34 / L36 / L44 prevote thresholds", () => {
  it("L34 schedules timeoutPrevote once on 2f+1 prevotes for mixed values", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    h.propose(0, A);
    const effects = [
      ...h.vote(1, "prevote", 0, A).effects,
      ...h.vote(2, "prevote", 0, null).effects,
      ...h.vote(3, "prevote", 0, h.block("B")).effects,
    ];
    expect(timeoutsScheduled(effects)).toEqual([["prevote", 0, TIMEOUTS.prevoteMs]]);
    expect(signedVotes(effects)).toEqual([]);
    // This node's own prevote (fed back) is a 4th prevote: no second schedule.
    expect(timeoutsScheduled(h.vote(0, "prevote", 0, A).effects)).toEqual([]);
  });

  it("L34 does not fire with only f+1 prevotes", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    h.timeout("propose", 0);
    const effects = h.votes([1, 2], "prevote", 0, null);
    expect(timeoutsScheduled(effects)).toEqual([]);
  });

  it("L36 in step prevote locks on v and precommits id(v)", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    h.propose(0, A);
    const effects = h.votes(OTHERS, "prevote", 0, A);
    expect(signedVotes(effects)).toEqual([["precommit", 0, hashHex(A)]]);
    const s = h.driver.state!;
    expect([s.step, s.lockedValue?.id, s.lockedRound, s.validValue?.id, s.validRound]).toEqual([
      "precommit",
      hashHex(A),
      0,
      hashHex(A),
      0,
    ]);
  });

  it("L36 needs valid(v): an invalid proposal with a polka is not precommitted", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    h.propose(0, A, -1, { valid: false });
    const effects = h.votes(OTHERS, "prevote", 0, A);
    expect(signedVotes(effects)).toEqual([]);
    expect(h.driver.state?.lockedRound).toBe(-1);
  });

  it("L36 in step precommit sets validValue/validRound without locking, and L16 re-proposes it", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    h.timeout("propose", 0);
    h.timeout("prevote", 0); // precommitted nil: step precommit
    h.propose(0, A); // arrives late
    const effects = h.votes(OTHERS, "prevote", 0, A);
    expect(signedVotes(effects)).toEqual([]);
    const s = h.driver.state!;
    expect([s.validValue?.id, s.validRound, s.lockedValue, s.lockedRound]).toEqual([hashHex(A), 0, null, -1]);
    // In the next round this node proposes, it re-proposes A with polRound = validRound = 0.
    const mine = h.roundProposedBy(0, 1);
    const out = h.skipTo(mine);
    const proposals = out.filter((e) => e.kind === "sign_proposal");
    expect(proposals).toEqual([{ kind: "sign_proposal", height: 1, round: mine, polRound: 0, block: A }]);
    expect(out.some((e) => e.kind === "request_value")).toBe(false);
  });

  it("L44 precommits nil on 2f+1 nil prevotes", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    h.propose(0, h.block("A"));
    expect(signedVotes(h.votes([1, 2], "prevote", 0, null))).toEqual([]);
    const effects = h.vote(3, "prevote", 0, null).effects;
    expect(signedVotes(effects)).toEqual([["precommit", 0, "nil"]]);
    expect(h.driver.state?.step).toBe("precommit");
    expect(h.driver.state?.lockedRound).toBe(-1);
  });
});

describe("L47 / L65 precommit timeout and round change", () => {
  it("L47 schedules timeoutPrecommit on 2f+1 precommits for anything; L65 starts round + 1", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const effects = [
      ...h.vote(1, "precommit", 0, h.block("A")).effects,
      ...h.vote(2, "precommit", 0, null).effects,
      ...h.vote(3, "precommit", 0, h.block("B")).effects,
    ];
    expect(timeoutsScheduled(effects)).toEqual([["precommit", 0, TIMEOUTS.precommitMs]]);
    expect(effects.some((e) => e.kind === "decide")).toBe(false);
    const next = h.timeout("precommit", 0);
    expect(next.effects[0]).toMatchObject({ kind: "new_round", height: 1, round: 1 });
    expect(h.driver.round).toBe(1);
    expect(h.driver.state?.step).toBe("propose");
  });

  it("ignores timeouts for another round or height", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    expect(h.timeout("precommit", 3).verdict).toEqual({ status: "ignored", reason: "stale" });
    expect(h.timeout("propose", 0, 2).verdict).toEqual({ status: "ignored", reason: "stale" });
    expect(h.driver.round).toBe(0);
    h.timeout("propose", 0);
    // L57 applies once: a second propose timeout for the same round is stale.
    expect(h.timeout("propose", 0).verdict).toEqual({ status: "ignored", reason: "stale" });
  });

  it("L57 prevotes nil on timeoutPropose, L61 precommits nil on timeoutPrevote", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    expect(signedVotes(h.timeout("propose", 0).effects)).toEqual([["prevote", 0, "nil"]]);
    expect(signedVotes(h.timeout("prevote", 0).effects)).toEqual([["precommit", 0, "nil"]]);
    expect(h.timeout("prevote", 0).verdict.status).toBe("ignored");
  });

  it("timeouts grow linearly with the round", () => {
    const h = new Harness(FOUR, 0);
    const first = timeoutsScheduled(h.start().effects);
    const r3 = timeoutsScheduled(h.skipTo(3));
    const r7 = timeoutsScheduled(h.skipTo(7));
    expect(first).toEqual([["propose", 0, 3000]]);
    expect(r3).toEqual([["propose", 3, 3000 + 3 * 500]]);
    expect(r7).toEqual([["propose", 7, 3000 + 7 * 500]]);
    h.timeout("propose", 7);
    const mixed = [...h.votes([1], "prevote", 7, null), ...h.votes([2, 3], "prevote", 7, h.block("A"))];
    const prevote = timeoutsScheduled(mixed);
    expect(prevote).toContainEqual(["prevote", 7, 1000 + 7 * 250]);
  });
});

describe("L49 decision", () => {
  it("decides a value precommitted in an earlier round while in a later round", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    h.skipTo(2);
    const A = h.block("A");
    h.propose(0, A); // a proposal for a past round is kept for L49
    const effects = h.votes(OTHERS, "precommit", 0, A);
    const decide = effects.find((e) => e.kind === "decide");
    expect(decide).toMatchObject({ kind: "decide", height: 1, round: 0, block: A });
    expect(h.driver.state?.step).toBe("commit");
    // After the decision nothing fires any more.
    expect(h.timeout("propose", 2).effects).toEqual([]);
  });

  it("decides when the proposal arrives after the precommits", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    expect(h.votes(OTHERS, "precommit", 0, A).some((e) => e.kind === "decide")).toBe(false);
    expect(h.propose(0, A).effects.some((e) => e.kind === "decide")).toBe(true);
  });

  it("never decides an invalid value", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    h.propose(0, A, -1, { valid: false });
    expect(h.votes(OTHERS, "precommit", 0, A).some((e) => e.kind === "decide")).toBe(false);
    expect(h.driver.state?.decision).toBeNull();
  });

  it("does not decide on 2f+1 precommits for nil or on f+1 for the value", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    h.propose(0, A);
    h.votes([1, 2], "precommit", 0, A);
    h.vote(3, "precommit", 0, null);
    expect(h.driver.state?.decision).toBeNull();
  });
});

describe("L55 round skipping", () => {
  it("skips to a higher round on f+1 distinct validators, not on fewer", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const one = h.vote(1, "prevote", 5, null);
    expect(one.verdict.status).toBe("accepted");
    expect(h.driver.round).toBe(0);
    // The same validator's precommit at round 5 does not make it count twice.
    h.vote(1, "precommit", 5, null);
    expect(h.driver.round).toBe(0);
    const two = h.vote(2, "precommit", 5, h.block("X"));
    expect(two.effects[0]).toMatchObject({ kind: "new_round", round: 5 });
    expect(h.driver.round).toBe(5);
  });

  it("weighs validators by voting power", () => {
    const h = new Harness([1, 1, 1, 4], 0);
    h.start();
    // Set order is by address, so find the heavy validator.
    const heavy = h.validators.validators.findIndex((v) => v.votingPower === 4);
    const light = [0, 1, 2, 3].filter((i) => i !== heavy && i !== 0);
    h.vote(light[0]!, "prevote", 3, null);
    h.vote(light[1]!, "prevote", 3, null);
    expect(h.driver.round).toBe(0); // 2 of 7 is not more than a third
    h.vote(heavy, "prevote", 4, null);
    expect(h.driver.round).toBe(4); // 4 of 7 is
  });

  it("does not skip backwards and ignores votes beyond the round window", () => {
    const h = new Harness(FOUR, 0, { roundWindow: 4 });
    h.start();
    h.skipTo(3);
    h.votes([1, 2], "prevote", 1, null);
    expect(h.driver.round).toBe(3);
    const far = h.vote(1, "prevote", 8, null);
    expect(far.verdict).toEqual({ status: "ignored", reason: "round_out_of_window" });
  });
});

describe("vote admission and equivocation", () => {
  it("reports equivocation once; the second vote counts towards its own value only, not the total", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const A = h.block("A");
    const B = h.block("B");
    h.timeout("propose", 0);
    const first = h.signVote(1, "prevote", 0, A);
    const second = h.signVote(1, "prevote", 0, B);
    h.driver.apply({ kind: "vote", vote: first });
    const out = h.driver.apply({ kind: "vote", vote: second });
    expect(out.verdict).toEqual({ status: "rejected", reason: "equivocation" });
    expect(out.effects).toEqual([{ kind: "equivocation", first, second }]);
    const third = h.driver.apply({ kind: "vote", vote: h.signVote(1, "prevote", 0, null) });
    expect(third.verdict.status).toBe("rejected");
    expect(third.effects).toEqual([]);
    h.votes([2, 3], "prevote", 0, B);
    // Validator 1's vote for B counts for B (the paper counts messages per value), once in the total.
    expect(h.driver.voteKeeper?.powerFor(0, 1, h.signVote(2, "prevote", 0, B).blockHash)).toBe(3);
    expect(h.driver.voteKeeper?.totalPower(0, 1)).toBe(3);
  });

  it("ignores identical duplicates; unsafeCountDuplicateVotes counts them (test-only)", () => {
    const A = (h: Harness) => h.block("A");
    const safe = new Harness(FOUR, 0);
    safe.start();
    safe.propose(0, A(safe));
    const vote = safe.signVote(1, "prevote", 0, A(safe));
    safe.driver.apply({ kind: "vote", vote });
    expect(safe.driver.apply({ kind: "vote", vote }).verdict).toEqual({
      status: "ignored",
      reason: "duplicate",
    });
    expect(safe.driver.apply({ kind: "vote", vote }).effects).toEqual([]);
    expect(safe.driver.state?.step).toBe("prevote");

    const unsafe = new Harness(FOUR, 0, { unsafeCountDuplicateVotes: true });
    unsafe.start();
    unsafe.propose(0, A(unsafe));
    const v = unsafe.signVote(1, "prevote", 0, A(unsafe));
    const effects: ConsensusEffect[] = [];
    for (let i = 0; i < 3; i++) effects.push(...unsafe.driver.apply({ kind: "vote", vote: v }).effects);
    expect(signedVotes(effects)).toEqual([["precommit", 0, hashHex(A(unsafe))]]);
  });

  it("rejects unknown validators and wrong indices; reports other heights for buffering", () => {
    const h = new Harness(FOUR, 0);
    h.start();
    const v = h.signVote(1, "prevote", 0, null);
    expect(h.driver.apply({ kind: "vote", vote: { ...v, validatorIndex: 2 } }).verdict).toEqual({
      status: "rejected",
      reason: "bad_validator_index",
    });
    const stranger = new Harness(FOUR, 0, { keyTag: "stranger" }).signVote(1, "prevote", 0, null);
    expect(h.driver.apply({ kind: "vote", vote: stranger }).verdict).toEqual({
      status: "rejected",
      reason: "unknown_validator",
    });
    const next = h.signVote(1, "prevote", 0, null, 2);
    expect(h.driver.apply({ kind: "vote", vote: next }).verdict).toEqual({
      status: "ignored",
      reason: "future_height",
    });
    expect(new Driver({ address: null }).apply({ kind: "vote", vote: v }).verdict).toEqual({
      status: "ignored",
      reason: "not_started",
    });
  });
});

describe("non-validator", () => {
  it("follows every step and decides, but never signs or requests a value", () => {
    const h = new Harness(FOUR, null);
    const effects = [...h.start().effects];
    const A = h.block("A");
    effects.push(...h.propose(0, A).effects);
    effects.push(...h.votes([0, 1, 2], "prevote", 0, A));
    expect(h.driver.state?.step).toBe("precommit");
    effects.push(...h.votes([0, 1, 2], "precommit", 0, A));
    expect(effects.filter((e) => ["sign_vote", "sign_proposal", "request_value"].includes(e.kind))).toEqual(
      [],
    );
    expect(effects.find((e) => e.kind === "decide")).toMatchObject({ round: 0, block: A });
  });
});
