/** The pure round state machine, rule by rule, on plain values (no driver, no crypto). */
import { describe, expect, it } from "vitest";
import {
  applyStep,
  initialRoundState,
  type RoundState,
  type StateMachineInput,
} from "../../../src/consensus/state-machine.js";

interface V {
  readonly id: string;
}
const A: V = { id: "a" };
const B: V = { id: "b" };

const at = (patch: Partial<RoundState<V>>): RoundState<V> => ({
  ...initialRoundState<V>(1),
  step: "propose",
  ...patch,
});
const run = (s: RoundState<V>, input: StateMachineInput<V>) => applyStep(s, input);

describe("state machine", () => {
  it("L11: a proposer without validValue asks for a value; with one it re-proposes it (L16)", () => {
    const fresh = run(initialRoundState<V>(1), { kind: "new_round", round: 0, isProposer: true });
    expect(fresh.state).toMatchObject({ round: 0, step: "propose" });
    expect(fresh.effects).toEqual([
      { kind: "get_value", round: 0 },
      { kind: "schedule_timeout", round: 0, step: "propose" },
    ]);
    const withValid = run(at({ round: 2, step: "unstarted", validValue: A, validRound: 1 }), {
      kind: "new_round",
      round: 2,
      isProposer: true,
    });
    expect(withValid.effects[0]).toEqual({ kind: "propose", round: 2, value: A, polRound: 1 });
  });

  it("L21: a non-proposer only schedules timeoutPropose", () => {
    const t = run(initialRoundState<V>(1), { kind: "new_round", round: 0, isProposer: false });
    expect(t.effects).toEqual([{ kind: "schedule_timeout", round: 0, step: "propose" }]);
  });

  it("L19: propose_value is broadcast with validRound, only in step propose of that round", () => {
    expect(run(at({}), { kind: "propose_value", round: 0, value: A }).effects).toEqual([
      { kind: "propose", round: 0, value: A, polRound: -1 },
    ]);
    expect(run(at({ step: "prevote" }), { kind: "propose_value", round: 0, value: A }).effects).toEqual([]);
    expect(run(at({}), { kind: "propose_value", round: 1, value: A }).effects).toEqual([]);
  });

  it("L22–L27: prevote v if unlocked or locked on v, else nil; only in step propose", () => {
    const vote = (s: RoundState<V>, valid = true) => run(s, { kind: "proposal", round: 0, value: A, valid });
    expect(vote(at({})).effects).toEqual([{ kind: "vote", voteType: "prevote", round: 0, value: A }]);
    expect(vote(at({ lockedValue: A, lockedRound: 0, round: 1 })).effects).toEqual([]); // other round
    expect(vote(at({ lockedValue: A, lockedRound: 0 })).effects[0]).toMatchObject({ value: A });
    expect(vote(at({ lockedValue: B, lockedRound: 0 })).effects[0]).toMatchObject({ value: null });
    expect(vote(at({}), false).effects[0]).toMatchObject({ value: null });
    expect(vote(at({ step: "prevote" })).effects).toEqual([]);
    expect(vote(at({})).state.step).toBe("prevote");
  });

  it("L28–L33: POL round vr unlocks when lockedRound <= vr", () => {
    const pol = (s: RoundState<V>, polRound: number) =>
      run(s, { kind: "proposal_and_polka_previous", round: s.round, value: A, valid: true, polRound });
    expect(pol(at({ round: 3, lockedValue: B, lockedRound: 1 }), 2).effects[0]).toMatchObject({ value: A });
    expect(pol(at({ round: 3, lockedValue: B, lockedRound: 2 }), 2).effects[0]).toMatchObject({ value: A });
    expect(pol(at({ round: 3, lockedValue: B, lockedRound: 2 }), 1).effects[0]).toMatchObject({
      value: null,
    });
    expect(pol(at({ round: 3, lockedValue: A, lockedRound: 2 }), 1).effects[0]).toMatchObject({ value: A });
    expect(pol(at({ round: 3 }), 3).effects).toEqual([]); // vr must be < round
  });

  it("L34: polka any schedules timeoutPrevote in step prevote only", () => {
    expect(run(at({ step: "prevote" }), { kind: "polka_any", round: 0 }).effects).toEqual([
      { kind: "schedule_timeout", round: 0, step: "prevote" },
    ]);
    expect(run(at({ step: "precommit" }), { kind: "polka_any", round: 0 }).effects).toEqual([]);
  });

  it("L36–L43: lock and precommit in prevote; only validValue in precommit", () => {
    const inPrevote = run(at({ step: "prevote", round: 2 }), {
      kind: "proposal_and_polka_current",
      round: 2,
      value: A,
    });
    expect(inPrevote.state).toMatchObject({
      step: "precommit",
      lockedValue: A,
      lockedRound: 2,
      validValue: A,
      validRound: 2,
    });
    expect(inPrevote.effects).toEqual([{ kind: "vote", voteType: "precommit", round: 2, value: A }]);
    const inPrecommit = run(at({ step: "precommit", round: 2, lockedValue: B, lockedRound: 1 }), {
      kind: "proposal_and_polka_current",
      round: 2,
      value: A,
    });
    expect(inPrecommit.state).toMatchObject({ lockedValue: B, lockedRound: 1, validValue: A, validRound: 2 });
    expect(inPrecommit.effects).toEqual([]);
    expect(run(at({}), { kind: "proposal_and_polka_current", round: 0, value: A }).effects).toEqual([]);
  });

  it("L44: polka nil precommits nil from step prevote", () => {
    const t = run(at({ step: "prevote" }), { kind: "polka_nil", round: 0 });
    expect(t.effects).toEqual([{ kind: "vote", voteType: "precommit", round: 0, value: null }]);
    expect(t.state.step).toBe("precommit");
    expect(run(at({}), { kind: "polka_nil", round: 0 }).effects).toEqual([]);
  });

  it("L47: precommit any schedules timeoutPrecommit in any step of the round", () => {
    for (const step of ["propose", "prevote", "precommit"] as const) {
      expect(run(at({ step }), { kind: "precommit_any", round: 0 }).effects).toEqual([
        { kind: "schedule_timeout", round: 0, step: "precommit" },
      ]);
    }
  });

  it("L49: decides in any round, once", () => {
    const t = run(at({ round: 4, step: "prevote" }), {
      kind: "proposal_and_precommit_value",
      round: 1,
      value: A,
    });
    expect(t.state).toMatchObject({ step: "commit", decision: A, round: 4 });
    expect(t.effects).toEqual([{ kind: "decide", round: 1, value: A }]);
    const again = run(t.state, { kind: "proposal_and_precommit_value", round: 4, value: B });
    expect(again.state).toBe(t.state);
    expect(again.effects).toEqual([]);
  });

  it("L55: skip only forwards; L65: timeoutPrecommit of this round starts the next", () => {
    expect(run(at({ round: 2 }), { kind: "skip_round", round: 5 })).toEqual({
      state: at({ round: 5, step: "unstarted" }),
      effects: [{ kind: "start_round", round: 5 }],
    });
    expect(run(at({ round: 2 }), { kind: "skip_round", round: 2 }).effects).toEqual([]);
    expect(run(at({ round: 2, step: "precommit" }), { kind: "timeout_precommit", round: 2 }).effects).toEqual(
      [{ kind: "start_round", round: 3 }],
    );
    expect(run(at({ round: 2 }), { kind: "timeout_precommit", round: 1 }).effects).toEqual([]);
  });

  it("L57/L61: timeouts act only in their own round and step", () => {
    expect(run(at({}), { kind: "timeout_propose", round: 0 }).effects).toEqual([
      { kind: "vote", voteType: "prevote", round: 0, value: null },
    ]);
    expect(run(at({ step: "prevote" }), { kind: "timeout_propose", round: 0 }).effects).toEqual([]);
    expect(run(at({ step: "prevote" }), { kind: "timeout_prevote", round: 0 }).effects).toEqual([
      { kind: "vote", voteType: "precommit", round: 0, value: null },
    ]);
    expect(run(at({ step: "prevote", round: 1 }), { kind: "timeout_prevote", round: 0 }).effects).toEqual([]);
  });

  it("is pure: the input state is never modified", () => {
    const s = Object.freeze(at({ step: "prevote" }));
    const t = applyStep(s, { kind: "proposal_and_polka_current", round: 0, value: A });
    expect(s.step).toBe("prevote");
    expect(t.state).not.toBe(s);
  });
});
