/**
 * The consensus driver: turns host inputs into state-machine inputs and state-machine effects
 * into host effects. It owns, for the current height, the round state, the vote keeper and the
 * proposals received, and decides which of the paper's `upon` rules fire (thresholds, the
 * proposer check, valid(v), "for the first time" guards). Pure and deterministic: the same
 * input sequence always yields the same effects, so a WAL replay reproduces them.
 *
 * Host contract (see testkit/node.ts for a minimal, complete host):
 *  - verify signatures first: votes against their validator's key, proposals against
 *    `proposerFor(round)`'s key (pass that address as `signer`); messages for a later height
 *    cannot be checked yet — buffer them (`future_height`) and replay after `start_height`;
 *  - request_value → build a block, answer `proposal_value` (no answer is safe: timeoutPropose);
 *  - sign_proposal / sign_vote → privval Signer, broadcast, feed the result back as an input;
 *  - schedule_timeout → feed `timeout` after durationMs (stale ones are ignored);
 *  - decide → execute and store the block, wait `commitMs`, then `start_height(h + 1)` with
 *    the decided block's hash; `latestCommit()` then also holds late precommits;
 *  - equivocation → evidence.
 */
import { equalBytes } from "../codec/bytes.js";
import type { Commit } from "../types/block.js";
import type { Validator, ValidatorSet } from "../types/validator.js";
import { type Proposal, type Vote, VoteType } from "../types/vote.js";
import { buildCommit } from "./commit.js";
import { ConsensusError } from "./errors.js";
import { proposerFor } from "./proposer.js";
import {
  applyStep,
  initialRoundState,
  type RoundState,
  type StateMachineEffect,
  type StateMachineInput,
  type StateMachineOptions,
} from "./state-machine.js";
import { timeoutDuration } from "./timeouts.js";
import {
  type ConsensusEffect,
  type ConsensusInput,
  DEFAULT_TIMEOUTS,
  type IgnoredReason,
  type InputVerdict,
  type RejectedReason,
  type TimeoutConfig,
} from "./types.js";
import { type BlockValue, blockValue } from "./value.js";
import { VoteKeeper } from "./vote-keeper.js";

export const DEFAULT_ROUND_WINDOW = 16;
export const DEFAULT_MAX_PROPOSALS_PER_ROUND = 4;

export interface DriverOptions {
  /** This node's validator address; null for a non-validator (it follows and decides, never signs). */
  readonly address: Uint8Array | null;
  readonly timeouts?: TimeoutConfig;
  /** Votes and proposals are kept for rounds up to current + roundWindow; later ones are ignored. */
  readonly roundWindow?: number;
  /** Distinct proposals kept per round (an equivocating proposer may send several). */
  readonly maxProposalsPerRound?: number;
  /** TEST ONLY (Byzantine simulator): count identical duplicate votes again. Never in production. */
  readonly unsafeCountDuplicateVotes?: boolean;
  /** TEST ONLY (Byzantine simulator): prevote ignoring the lock. Never in production. */
  readonly unsafeIgnoreLock?: boolean;
}

export interface DriverOutput {
  readonly verdict: InputVerdict;
  /** To be performed by the host in this order. */
  readonly effects: readonly ConsensusEffect[];
}

interface StoredProposal {
  readonly proposal: Proposal;
  readonly value: BlockValue;
  readonly valid: boolean;
}

/** Everything the driver knows about the height in progress. */
interface HeightContext {
  readonly height: number;
  readonly validators: ValidatorSet;
  readonly prevBlockHash: Uint8Array;
  /** This node's index in `validators`, -1 when it does not vote at this height. */
  readonly ownIndex: number;
  readonly keeper: VoteKeeper;
  readonly proposals: Map<number, StoredProposal[]>;
  readonly proposers: Map<number, Validator>;
  state: RoundState<BlockValue>;
  /** "for the first time" guards of L34, L36 and L47, for the current round. */
  firedPolkaAny: boolean;
  firedPolkaValue: boolean;
  firedPrecommitAny: boolean;
  /** Round whose `request_value` awaits an answer, -1 when none. */
  awaitingValue: number;
  decisionRound: number;
}

const ACCEPTED: InputVerdict = { status: "accepted" };
const ignored = (reason: IgnoredReason): InputVerdict => ({ status: "ignored", reason });
const rejected = (reason: RejectedReason): InputVerdict => ({ status: "rejected", reason });
const NO_PROPOSALS: readonly StoredProposal[] = [];
/** Current-round rules can fire at most a handful of times per input; more is a bug. */
const MAX_RULES_PER_INPUT = 16;

export class Driver {
  private readonly address: Uint8Array | null;
  private readonly timeouts: TimeoutConfig;
  private readonly roundWindow: number;
  private readonly maxProposalsPerRound: number;
  private readonly unsafeCountDuplicateVotes: boolean;
  private readonly smOptions: StateMachineOptions;
  private ctx: HeightContext | null = null;

  constructor(options: DriverOptions) {
    this.address = options.address;
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.roundWindow = options.roundWindow ?? DEFAULT_ROUND_WINDOW;
    this.maxProposalsPerRound = options.maxProposalsPerRound ?? DEFAULT_MAX_PROPOSALS_PER_ROUND;
    if (!Number.isSafeInteger(this.roundWindow) || this.roundWindow < 1) {
      throw new ConsensusError("CONSENSUS_BAD_OPTIONS", `roundWindow must be a positive integer`, {
        roundWindow: this.roundWindow,
      });
    }
    if (!Number.isSafeInteger(this.maxProposalsPerRound) || this.maxProposalsPerRound < 1) {
      throw new ConsensusError("CONSENSUS_BAD_OPTIONS", `maxProposalsPerRound must be a positive integer`, {
        maxProposalsPerRound: this.maxProposalsPerRound,
      });
    }
    this.unsafeCountDuplicateVotes = options.unsafeCountDuplicateVotes === true;
    this.smOptions = { unsafeIgnoreLock: options.unsafeIgnoreLock === true };
  }

  /** The height in progress (0 before the first `start_height`). */
  get height(): number {
    return this.ctx?.height ?? 0;
  }

  get round(): number {
    return this.ctx?.state.round ?? 0;
  }

  /** The round state (height, round, step, locked/valid value and round, decision). */
  get state(): RoundState<BlockValue> | null {
    return this.ctx?.state ?? null;
  }

  get validators(): ValidatorSet | null {
    return this.ctx?.validators ?? null;
  }

  /** Read access to this height's tallies (for RPC consensus_state and metrics). */
  get voteKeeper(): VoteKeeper | null {
    return this.ctx?.keeper ?? null;
  }

  /** Signed proposals received for `round` of the current height (catch-up serving, RPC). */
  proposalsFor(round: number): readonly Proposal[] {
    return (this.ctx?.proposals.get(round) ?? NO_PROPOSALS).map((p) => p.proposal);
  }

  /** The validator expected to propose `round` of the current height. */
  proposerFor(round: number): Validator | null {
    return this.ctx === null ? null : this.proposerOf(this.ctx, round);
  }

  /**
   * The decided block's Commit rebuilt from every precommit received so far, including late
   * ones (the host may prefer it after the commit wait); null before a decision.
   */
  latestCommit(): Commit | null {
    const ctx = this.ctx;
    if (ctx === null || ctx.state.decision === null) return null;
    return buildCommit(
      ctx.validators,
      ctx.height,
      ctx.decisionRound,
      ctx.state.decision.hash,
      ctx.keeper.votesPreferring(ctx.decisionRound, VoteType.Precommit, ctx.state.decision.id),
    );
  }

  apply(input: ConsensusInput): DriverOutput {
    const effects: ConsensusEffect[] = [];
    let verdict: InputVerdict;
    switch (input.kind) {
      case "start_height":
        verdict = this.onStartHeight(input.height, input.validators, input.prevBlockHash, effects);
        break;
      case "proposal":
        verdict = this.onProposal(input.proposal, input.valid, input.signer, effects);
        break;
      case "vote":
        verdict = this.onVote(input.vote, effects);
        break;
      case "timeout":
        verdict = this.onTimeout(input.height, input.round, input.step, effects);
        break;
      case "proposal_value":
        verdict = this.onProposalValue(input.height, input.round, blockValue(input.block), effects);
        break;
    }
    return { verdict, effects };
  }

  private onStartHeight(
    height: number,
    validators: ValidatorSet,
    prevBlockHash: Uint8Array,
    out: ConsensusEffect[],
  ): InputVerdict {
    if (!Number.isSafeInteger(height) || height < 1) {
      throw new ConsensusError("CONSENSUS_BAD_INPUT", `start_height: height must be a positive integer`, {
        height,
      });
    }
    if (this.ctx !== null && height <= this.ctx.height) return ignored("past_height");
    this.ctx = {
      height,
      validators,
      prevBlockHash,
      ownIndex: this.address === null ? -1 : validators.indexOf(this.address),
      keeper: new VoteKeeper(validators, { unsafeCountDuplicateVotes: this.unsafeCountDuplicateVotes }),
      proposals: new Map(),
      proposers: new Map(),
      state: initialRoundState(height),
      firedPolkaAny: false,
      firedPolkaValue: false,
      firedPrecommitAny: false,
      awaitingValue: -1,
      decisionRound: -1,
    };
    // L10 upon start do StartRound(0).
    this.enterRound(this.ctx, 0, out);
    this.settle(this.ctx, out);
    return ACCEPTED;
  }

  private onProposal(
    proposal: Proposal,
    valid: boolean,
    signer: Uint8Array,
    out: ConsensusEffect[],
  ): InputVerdict {
    const ctx = this.ctx;
    if (ctx === null) return ignored("not_started");
    const heightVerdict = this.checkHeight(ctx, proposal.height);
    if (heightVerdict !== null) return heightVerdict;
    if (ctx.state.decision !== null) return ignored("decided");
    if (proposal.round > ctx.state.round + this.roundWindow) return ignored("round_out_of_window");
    if (
      !Number.isSafeInteger(proposal.polRound) ||
      proposal.polRound < -1 ||
      proposal.polRound >= proposal.round
    ) {
      return rejected("bad_pol_round");
    }
    // "from proposer(h_p, r)" in L22, L28, L36 and L49.
    if (!equalBytes(signer, this.proposerOf(ctx, proposal.round).address)) return rejected("wrong_proposer");
    const value = blockValue(proposal.block);
    let stored = ctx.proposals.get(proposal.round);
    if (stored === undefined) {
      stored = [];
      ctx.proposals.set(proposal.round, stored);
    }
    if (stored.some((p) => p.value.id === value.id)) return ignored("duplicate");
    if (stored.length >= this.maxProposalsPerRound) return rejected("too_many_proposals");
    stored.push({ proposal, value, valid });
    if (!this.tryDecide(ctx, proposal.round, out)) this.settle(ctx, out);
    return ACCEPTED;
  }

  private onVote(vote: Vote, out: ConsensusEffect[]): InputVerdict {
    const ctx = this.ctx;
    if (ctx === null) return ignored("not_started");
    const heightVerdict = this.checkHeight(ctx, vote.height);
    if (heightVerdict !== null) return heightVerdict;
    const index = ctx.validators.indexOf(vote.validatorAddress);
    if (index < 0) return rejected("unknown_validator");
    if (index !== vote.validatorIndex) return rejected("bad_validator_index");
    if (vote.round > ctx.state.round + this.roundWindow) return ignored("round_out_of_window");

    const added = ctx.keeper.add(vote);
    switch (added.kind) {
      case "duplicate":
        return ignored("duplicate");
      case "unknown_validator":
        return rejected("unknown_validator");
      case "equivocation":
        if (added.report) out.push({ kind: "equivocation", first: added.first, second: added.second });
        // The second vote counts towards its own value (see VoteKeeper): rules may now fire.
        this.afterVote(ctx, vote, out);
        return rejected("equivocation");
      case "added":
        break;
    }
    this.afterVote(ctx, vote, out);
    return ACCEPTED;
  }

  /** Fires the rules a newly counted vote may enable. */
  private afterVote(ctx: HeightContext, vote: Vote, out: ConsensusEffect[]): void {
    // After the decision, precommits still count towards latestCommit(); no rule fires.
    if (ctx.state.decision !== null) return;
    if (vote.type === VoteType.Precommit && this.tryDecide(ctx, vote.round, out)) return;
    if (vote.round > ctx.state.round && ctx.keeper.hasSkipQuorum(vote.round)) {
      // L55 f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p.
      this.run(ctx, { kind: "skip_round", round: vote.round }, out);
    }
    this.settle(ctx, out);
  }

  private onTimeout(
    height: number,
    round: number,
    step: "propose" | "prevote" | "precommit",
    out: ConsensusEffect[],
  ): InputVerdict {
    const ctx = this.ctx;
    if (ctx === null) return ignored("not_started");
    // L58/L62/L66 "height = h_p"; the state machine checks round and step.
    if (height !== ctx.height) return ignored("stale");
    const kind =
      step === "propose" ? "timeout_propose" : step === "prevote" ? "timeout_prevote" : "timeout_precommit";
    if (!this.run(ctx, { kind, round }, out)) return ignored("stale");
    this.settle(ctx, out);
    return ACCEPTED;
  }

  private onProposalValue(
    height: number,
    round: number,
    value: BlockValue,
    out: ConsensusEffect[],
  ): InputVerdict {
    const ctx = this.ctx;
    if (ctx === null) return ignored("not_started");
    if (height !== ctx.height || round !== ctx.awaitingValue) return ignored("not_requested");
    ctx.awaitingValue = -1;
    if (!this.run(ctx, { kind: "propose_value", round, value }, out)) return ignored("stale");
    return ACCEPTED;
  }

  private checkHeight(ctx: HeightContext, height: number): InputVerdict | null {
    if (height < ctx.height) return ignored("past_height");
    if (height > ctx.height) return ignored("future_height");
    return null;
  }

  private proposerOf(ctx: HeightContext, round: number): Validator {
    let proposer = ctx.proposers.get(round);
    if (proposer === undefined) {
      proposer = proposerFor(ctx.validators, ctx.prevBlockHash, ctx.height, round);
      ctx.proposers.set(round, proposer);
    }
    return proposer;
  }

  /** L11 StartRound(round) for the state machine, after resetting the per-round guards. */
  private enterRound(ctx: HeightContext, round: number, out: ConsensusEffect[]): void {
    ctx.firedPolkaAny = false;
    ctx.firedPolkaValue = false;
    ctx.firedPrecommitAny = false;
    ctx.awaitingValue = -1;
    const proposer = this.proposerOf(ctx, round);
    out.push({ kind: "new_round", height: ctx.height, round, proposer: proposer.address });
    const isProposer =
      ctx.ownIndex >= 0 && this.address !== null && equalBytes(proposer.address, this.address);
    this.run(ctx, { kind: "new_round", round, isProposer }, out);
  }

  /** L49 for round `round`: a valid proposal there with 2f+1 precommits for it. */
  private tryDecide(ctx: HeightContext, round: number, out: ConsensusEffect[]): boolean {
    if (ctx.state.decision !== null) return false;
    for (const p of ctx.proposals.get(round) ?? NO_PROPOSALS) {
      if (p.valid && ctx.keeper.hasPrecommitFor(round, p.value.id)) {
        return this.run(ctx, { kind: "proposal_and_precommit_value", round, value: p.value }, out);
      }
    }
    return false;
  }

  /** Fires current-round rules until none applies (each firing changes the step or sets a guard). */
  private settle(ctx: HeightContext, out: ConsensusEffect[]): void {
    for (let i = 0; i < MAX_RULES_PER_INPUT; i++) {
      if (!this.fireCurrentRoundRule(ctx, out)) return;
    }
    throw new ConsensusError("CONSENSUS_INVARIANT", "consensus rules did not settle", {
      height: ctx.height,
      round: ctx.state.round,
    });
  }

  private fireCurrentRoundRule(ctx: HeightContext, out: ConsensusEffect[]): boolean {
    const { round, step } = ctx.state;
    if (step === "commit" || step === "unstarted") return false;
    const proposals = ctx.proposals.get(round) ?? NO_PROPOSALS;
    const keeper = ctx.keeper;

    if (step === "propose") {
      for (const p of proposals) {
        const { polRound } = p.proposal;
        if (polRound === -1) {
          // L22 ⟨PROPOSAL, h_p, round_p, v, −1⟩.
          return this.run(ctx, { kind: "proposal", round, value: p.value, valid: p.valid }, out);
        }
        if (keeper.hasPolkaFor(polRound, p.value.id)) {
          // L28 ⟨PROPOSAL, h_p, round_p, v, vr⟩ AND 2f+1 ⟨PREVOTE, h_p, vr, id(v)⟩.
          return this.run(
            ctx,
            { kind: "proposal_and_polka_previous", round, value: p.value, valid: p.valid, polRound },
            out,
          );
        }
      }
    }
    if ((step === "prevote" || step === "precommit") && !ctx.firedPolkaValue) {
      for (const p of proposals) {
        if (p.valid && keeper.hasPolkaFor(round, p.value.id)) {
          // L36 valid proposal AND 2f+1 ⟨PREVOTE, h_p, round_p, id(v)⟩, for the first time.
          ctx.firedPolkaValue = true;
          this.run(ctx, { kind: "proposal_and_polka_current", round, value: p.value }, out);
          return true;
        }
      }
    }
    if (step === "prevote" && keeper.hasPolkaNil(round)) {
      // L44 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩.
      return this.run(ctx, { kind: "polka_nil", round }, out);
    }
    if (step === "prevote" && !ctx.firedPolkaAny && keeper.hasPolkaAny(round)) {
      // L34 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩, for the first time.
      ctx.firedPolkaAny = true;
      this.run(ctx, { kind: "polka_any", round }, out);
      return true;
    }
    if (!ctx.firedPrecommitAny && keeper.hasPrecommitAny(round)) {
      // L47 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩, for the first time.
      ctx.firedPrecommitAny = true;
      this.run(ctx, { kind: "precommit_any", round }, out);
      return true;
    }
    return false;
  }

  /** Applies one state-machine input and performs its effects; false when nothing changed. */
  private run(ctx: HeightContext, input: StateMachineInput<BlockValue>, out: ConsensusEffect[]): boolean {
    const t = applyStep(ctx.state, input, this.smOptions);
    if (t.state === ctx.state && t.effects.length === 0) return false;
    ctx.state = t.state;
    for (const effect of t.effects) this.perform(ctx, effect, out);
    return true;
  }

  private perform(ctx: HeightContext, effect: StateMachineEffect<BlockValue>, out: ConsensusEffect[]): void {
    const { height } = ctx;
    const isValidator = ctx.ownIndex >= 0;
    switch (effect.kind) {
      case "start_round":
        this.enterRound(ctx, effect.round, out);
        return;
      case "get_value":
        if (!isValidator) return;
        ctx.awaitingValue = effect.round;
        out.push({ kind: "request_value", height, round: effect.round });
        return;
      case "propose":
        if (!isValidator) return;
        out.push({
          kind: "sign_proposal",
          height,
          round: effect.round,
          polRound: effect.polRound,
          block: effect.value.block,
        });
        return;
      case "schedule_timeout":
        out.push({
          kind: "schedule_timeout",
          height,
          round: effect.round,
          step: effect.step,
          durationMs: timeoutDuration(this.timeouts, effect.step, effect.round),
        });
        return;
      case "vote":
        if (!isValidator) return;
        out.push({
          kind: "sign_vote",
          type: effect.voteType === "prevote" ? VoteType.Prevote : VoteType.Precommit,
          height,
          round: effect.round,
          blockHash: effect.value === null ? null : effect.value.hash,
          validatorIndex: ctx.ownIndex,
        });
        return;
      case "decide": {
        ctx.decisionRound = effect.round;
        const commit = buildCommit(
          ctx.validators,
          height,
          effect.round,
          effect.value.hash,
          ctx.keeper.votesPreferring(effect.round, VoteType.Precommit, effect.value.id),
        );
        out.push({ kind: "decide", height, round: effect.round, block: effect.value.block, commit });
        return;
      }
    }
  }
}
