/**
 * The round state machine of "The latest gossip on BFT consensus" (arXiv:1807.04938,
 * Algorithm 1) as one pure function: `applyStep(state, input) -> { state, effects }`.
 *
 * Each input is one of the paper's `upon` rules whose condition the driver has found true
 * (thresholds, "for the first time" guards and valid(v) on L36/L49 are the driver's job); this
 * function checks the rule's `while` part against the state and performs its body. An input
 * that does not apply in the current state returns the same state object and no effects.
 *
 * Differences from the paper, all deliberate:
 *  - L49–L54 stop at the decision (step "commit"); the host starts the next height, with a
 *    fresh state, through the driver.
 *  - StartRound (L11) is split: L55/L65 move to the new round with step "unstarted" and emit
 *    `start_round`; the driver answers with a `new_round` input that says whether this node is
 *    the round's proposer (the state machine knows nothing of validator sets).
 *  - The proposer also schedules timeoutPropose (L21 does it for others only), so a host that
 *    fails to build or sign a value cannot stall the round.
 */
import type { Step, TimeoutStep } from "./types.js";
import type { ConsensusValue } from "./value.js";

export type RoundStep = "unstarted" | Step;

export interface RoundState<V extends ConsensusValue> {
  readonly height: number;
  readonly round: number;
  readonly step: RoundStep;
  readonly lockedValue: V | null;
  /** -1 when not locked. */
  readonly lockedRound: number;
  readonly validValue: V | null;
  /** -1 when no valid value. */
  readonly validRound: number;
  readonly decision: V | null;
}

export type StateMachineInput<V extends ConsensusValue> =
  /** L11 StartRound(round), with the driver's answer to proposer(h, round) = p. */
  | { readonly kind: "new_round"; readonly round: number; readonly isProposer: boolean }
  /** L18 getValue() returned. */
  | { readonly kind: "propose_value"; readonly round: number; readonly value: V }
  /** L22 ⟨PROPOSAL, h, round, v, −1⟩ from the proposer. */
  | { readonly kind: "proposal"; readonly round: number; readonly value: V; readonly valid: boolean }
  /** L28 ⟨PROPOSAL, h, round, v, vr⟩ AND 2f+1 ⟨PREVOTE, h, vr, id(v)⟩. */
  | {
      readonly kind: "proposal_and_polka_previous";
      readonly round: number;
      readonly value: V;
      readonly valid: boolean;
      readonly polRound: number;
    }
  /** L34 2f+1 ⟨PREVOTE, h, round, ∗⟩. */
  | { readonly kind: "polka_any"; readonly round: number }
  /** L36 ⟨PROPOSAL, h, round, v, ∗⟩ AND 2f+1 ⟨PREVOTE, h, round, id(v)⟩, valid(v). */
  | { readonly kind: "proposal_and_polka_current"; readonly round: number; readonly value: V }
  /** L44 2f+1 ⟨PREVOTE, h, round, nil⟩. */
  | { readonly kind: "polka_nil"; readonly round: number }
  /** L47 2f+1 ⟨PRECOMMIT, h, round, ∗⟩. */
  | { readonly kind: "precommit_any"; readonly round: number }
  /** L49 ⟨PROPOSAL, h, r, v, ∗⟩ AND 2f+1 ⟨PRECOMMIT, h, r, id(v)⟩, valid(v), any round r. */
  | { readonly kind: "proposal_and_precommit_value"; readonly round: number; readonly value: V }
  /** L55 f+1 ⟨∗, h, round, ∗, ∗⟩ with round > round_p. */
  | { readonly kind: "skip_round"; readonly round: number }
  /** L57 OnTimeoutPropose(h, round). */
  | { readonly kind: "timeout_propose"; readonly round: number }
  /** L61 OnTimeoutPrevote(h, round). */
  | { readonly kind: "timeout_prevote"; readonly round: number }
  /** L65 OnTimeoutPrecommit(h, round). */
  | { readonly kind: "timeout_precommit"; readonly round: number };

export type StateMachineEffect<V extends ConsensusValue> =
  /** StartRound(round) must run: the driver feeds back `new_round`. */
  | { readonly kind: "start_round"; readonly round: number }
  /** L19 broadcast ⟨PROPOSAL, h, round, value, polRound⟩. */
  | { readonly kind: "propose"; readonly round: number; readonly value: V; readonly polRound: number }
  /** L18 getValue(): ask the host for a value; it answers with `propose_value`. */
  | { readonly kind: "get_value"; readonly round: number }
  | { readonly kind: "schedule_timeout"; readonly round: number; readonly step: TimeoutStep }
  /** broadcast ⟨PREVOTE|PRECOMMIT, h, round, id(v) or nil⟩. */
  | {
      readonly kind: "vote";
      readonly voteType: "prevote" | "precommit";
      readonly round: number;
      readonly value: V | null;
    }
  /** L51 decision_p[h_p] = v. */
  | { readonly kind: "decide"; readonly round: number; readonly value: V };

export interface Transition<V extends ConsensusValue> {
  readonly state: RoundState<V>;
  readonly effects: readonly StateMachineEffect<V>[];
}

export interface StateMachineOptions {
  /**
   * TEST ONLY — breaks safety on purpose so the Byzantine simulator can prove it notices:
   * prevotes for any valid proposal, ignoring lockedValue/lockedRound (L23, L29).
   */
  readonly unsafeIgnoreLock?: boolean;
}

/** L1–L9 for one height: round 0, nothing locked, nothing valid, no decision. */
export function initialRoundState<V extends ConsensusValue>(height: number): RoundState<V> {
  return {
    height,
    round: 0,
    step: "unstarted",
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
    decision: null,
  };
}

const sameValue = (a: ConsensusValue | null, b: ConsensusValue): boolean => a !== null && a.id === b.id;

const unchanged = <V extends ConsensusValue>(state: RoundState<V>): Transition<V> => ({ state, effects: [] });

export function applyStep<V extends ConsensusValue>(
  state: RoundState<V>,
  input: StateMachineInput<V>,
  options: StateMachineOptions = {},
): Transition<V> {
  // After L51 nothing but the next height changes this state.
  if (state.step === "commit") return unchanged(state);
  const current = input.round === state.round;

  switch (input.kind) {
    case "new_round": {
      // L11 StartRound(round): L12 round_p ← round; L13 step_p ← propose.
      const fresh = state.step === "unstarted" && input.round === state.round;
      if (!fresh && input.round <= state.round) return unchanged(state);
      const next: RoundState<V> = { ...state, round: input.round, step: "propose" };
      const timeout: StateMachineEffect<V> = {
        kind: "schedule_timeout",
        round: input.round,
        step: "propose",
      };
      if (!input.isProposer) {
        // L21 schedule OnTimeoutPropose(h_p, round_p) after timeoutPropose(round_p).
        return { state: next, effects: [timeout] };
      }
      // L14 proposer(h_p, round_p) = p.
      if (state.validValue !== null) {
        // L15–L16, L19: re-propose validValue_p with its POL round validRound_p.
        return {
          state: next,
          effects: [
            { kind: "propose", round: input.round, value: state.validValue, polRound: state.validRound },
            timeout,
          ],
        };
      }
      // L18 proposal ← getValue(); the proposal itself (L19) follows on `propose_value`.
      return { state: next, effects: [{ kind: "get_value", round: input.round }, timeout] };
    }

    case "propose_value": {
      // L19 broadcast ⟨PROPOSAL, h_p, round_p, proposal, validRound_p⟩ (validRound_p = −1 here).
      if (!current || state.step !== "propose") return unchanged(state);
      return {
        state,
        effects: [{ kind: "propose", round: state.round, value: input.value, polRound: state.validRound }],
      };
    }

    case "proposal": {
      // L22 upon ⟨PROPOSAL, h_p, round_p, v, −1⟩ from proposer(h_p, round_p) while step_p = propose.
      if (!current || state.step !== "propose") return unchanged(state);
      // L23 if valid(v) ∧ (lockedRound_p = −1 ∨ lockedValue_p = v): L24 prevote id(v), else L26 nil.
      const acceptable =
        input.valid &&
        (options.unsafeIgnoreLock === true ||
          state.lockedRound === -1 ||
          sameValue(state.lockedValue, input.value));
      return prevote(state, acceptable ? input.value : null); // L27 step_p ← prevote
    }

    case "proposal_and_polka_previous": {
      // L28 upon ⟨PROPOSAL, h_p, round_p, v, vr⟩ from proposer(h_p, round_p) AND 2f+1
      // ⟨PREVOTE, h_p, vr, id(v)⟩ while step_p = propose ∧ (vr ≥ 0 ∧ vr < round_p).
      if (!current || state.step !== "propose") return unchanged(state);
      if (input.polRound < 0 || input.polRound >= state.round) return unchanged(state);
      // L29 if valid(v) ∧ (lockedRound_p ≤ vr ∨ lockedValue_p = v): L30 prevote id(v), else L32 nil.
      // A POL newer than the lock is what lets a locked validator move on ("unlock").
      const acceptable =
        input.valid &&
        (options.unsafeIgnoreLock === true ||
          state.lockedRound <= input.polRound ||
          sameValue(state.lockedValue, input.value));
      return prevote(state, acceptable ? input.value : null); // L33 step_p ← prevote
    }

    case "polka_any": {
      // L34 upon 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step_p = prevote for the first time:
      // L35 schedule OnTimeoutPrevote(h_p, round_p).
      if (!current || state.step !== "prevote") return unchanged(state);
      return { state, effects: [{ kind: "schedule_timeout", round: state.round, step: "prevote" }] };
    }

    case "proposal_and_polka_current": {
      // L36 upon ⟨PROPOSAL, h_p, round_p, v, ∗⟩ from proposer(h_p, round_p) AND 2f+1
      // ⟨PREVOTE, h_p, round_p, id(v)⟩ while valid(v) ∧ step_p ≥ prevote for the first time.
      if (!current || (state.step !== "prevote" && state.step !== "precommit")) return unchanged(state);
      if (state.step === "prevote") {
        // L37–L41: lock on v, precommit id(v), step_p ← precommit; then L42–L43.
        return {
          state: {
            ...state,
            step: "precommit",
            lockedValue: input.value,
            lockedRound: state.round,
            validValue: input.value,
            validRound: state.round,
          },
          effects: [{ kind: "vote", voteType: "precommit", round: state.round, value: input.value }],
        };
      }
      // L42 validValue_p ← v; L43 validRound_p ← round_p (already precommitted: no lock change).
      return { state: { ...state, validValue: input.value, validRound: state.round }, effects: [] };
    }

    case "polka_nil": {
      // L44 upon 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩ while step_p = prevote:
      // L45 precommit nil; L46 step_p ← precommit.
      if (!current || state.step !== "prevote") return unchanged(state);
      return precommitNil(state);
    }

    case "precommit_any": {
      // L47 upon 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time:
      // L48 schedule OnTimeoutPrecommit(h_p, round_p).
      if (!current || state.step === "unstarted") return unchanged(state);
      return { state, effects: [{ kind: "schedule_timeout", round: state.round, step: "precommit" }] };
    }

    case "proposal_and_precommit_value": {
      // L49 upon ⟨PROPOSAL, h_p, r, v, ∗⟩ from proposer(h_p, r) AND 2f+1 ⟨PRECOMMIT, h_p, r, id(v)⟩
      // while decision_p[h_p] = nil: L50 if valid(v) (checked by the driver) L51 decide v.
      // Any round r, not only round_p.
      if (state.decision !== null) return unchanged(state);
      return {
        state: { ...state, step: "commit", decision: input.value },
        effects: [{ kind: "decide", round: input.round, value: input.value }],
      };
    }

    case "skip_round": {
      // L55 upon f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p: L56 StartRound(round).
      if (input.round <= state.round) return unchanged(state);
      return startRound(state, input.round);
    }

    case "timeout_propose": {
      // L57 OnTimeoutPropose: L58 if height = h_p ∧ round = round_p ∧ step_p = propose:
      // L59 prevote nil; L60 step_p ← prevote.
      if (!current || state.step !== "propose") return unchanged(state);
      return prevote(state, null);
    }

    case "timeout_prevote": {
      // L61 OnTimeoutPrevote: L62 if height = h_p ∧ round = round_p ∧ step_p = prevote:
      // L63 precommit nil; L64 step_p ← precommit.
      if (!current || state.step !== "prevote") return unchanged(state);
      return precommitNil(state);
    }

    case "timeout_precommit": {
      // L65 OnTimeoutPrecommit: L66 if height = h_p ∧ round = round_p: L67 StartRound(round_p + 1).
      if (!current || state.step === "unstarted") return unchanged(state);
      return startRound(state, state.round + 1);
    }
  }
}

function prevote<V extends ConsensusValue>(state: RoundState<V>, value: V | null): Transition<V> {
  return {
    state: { ...state, step: "prevote" },
    effects: [{ kind: "vote", voteType: "prevote", round: state.round, value }],
  };
}

function precommitNil<V extends ConsensusValue>(state: RoundState<V>): Transition<V> {
  return {
    state: { ...state, step: "precommit" },
    effects: [{ kind: "vote", voteType: "precommit", round: state.round, value: null }],
  };
}

/** Moves to `round` and asks the driver to run StartRound (L11) for it. */
function startRound<V extends ConsensusValue>(state: RoundState<V>, round: number): Transition<V> {
  return { state: { ...state, round, step: "unstarted" }, effects: [{ kind: "start_round", round }] };
}
