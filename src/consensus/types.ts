/**
 * The boundary between the consensus core and its host (the node).
 *
 * The core is deterministic and does no I/O: the host feeds it `ConsensusInput`s (already
 * decoded, signatures already verified against the validator set) and performs the
 * `ConsensusEffect`s it returns, in order. Every input is plain data so the host can append it
 * to a WAL and replay it after a crash.
 */
import type { Block, Commit } from "../types/block.js";
import type { ValidatorSet } from "../types/validator.js";
import type { Proposal, Vote, VoteType } from "../types/vote.js";

export type Step = "propose" | "prevote" | "precommit" | "commit";

/** Timeouts grow linearly with the round: base + delta·round (milliseconds). */
export interface TimeoutConfig {
  readonly proposeMs: number;
  readonly proposeDeltaMs: number;
  readonly prevoteMs: number;
  readonly prevoteDeltaMs: number;
  readonly precommitMs: number;
  readonly precommitDeltaMs: number;
  /** Pause after a decision before starting the next height (lets late precommits arrive). */
  readonly commitMs: number;
  /** When false, the proposer waits for txs before proposing (except when it must). */
  readonly createEmptyBlocks: boolean;
}

export const DEFAULT_TIMEOUTS: TimeoutConfig = {
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
  commitMs: 1000,
  createEmptyBlocks: true,
};

export type TimeoutStep = "propose" | "prevote" | "precommit";

export type ConsensusInput =
  /** Begin a height with the validator set that signs it. `prevBlockHash` seeds proposer choice. */
  | {
      readonly kind: "start_height";
      readonly height: number;
      readonly validators: ValidatorSet;
      readonly prevBlockHash: Uint8Array;
    }
  /**
   * A signed proposal; `valid` is the host's verdict on the block (the paper's valid(v)).
   * `signer` is the address of the validator whose key verified `proposal.signature` (the
   * proposal itself does not name its signer: a re-proposed block keeps its original
   * header.proposerAddress). The driver rejects it unless it is the round's proposer.
   */
  | {
      readonly kind: "proposal";
      readonly proposal: Proposal;
      readonly valid: boolean;
      readonly signer: Uint8Array;
    }
  /** A vote whose signature and validator membership the host has checked. */
  | { readonly kind: "vote"; readonly vote: Vote }
  | { readonly kind: "timeout"; readonly height: number; readonly round: number; readonly step: TimeoutStep }
  /** The host's answer to `request_value`: the block this node proposes. */
  | {
      readonly kind: "proposal_value";
      readonly height: number;
      readonly round: number;
      readonly block: Block;
    };

export type ConsensusEffect =
  /** Build a block for (height, round) and answer with a `proposal_value` input. */
  | { readonly kind: "request_value"; readonly height: number; readonly round: number }
  /** Sign (subject to the last-sign guard), broadcast, and feed back as a `proposal` input. */
  | {
      readonly kind: "sign_proposal";
      readonly height: number;
      readonly round: number;
      readonly polRound: number;
      readonly block: Block;
    }
  /** Sign (subject to the last-sign guard), broadcast, and feed back as a `vote` input. */
  | {
      readonly kind: "sign_vote";
      readonly type: VoteType;
      readonly height: number;
      readonly round: number;
      readonly blockHash: Uint8Array | null;
      /** This node's index in the height's validator set (goes into the Vote). */
      readonly validatorIndex: number;
    }
  | {
      readonly kind: "schedule_timeout";
      readonly height: number;
      readonly round: number;
      readonly step: TimeoutStep;
      readonly durationMs: number;
    }
  /** Entered a new round (for logs, metrics and RPC consensus_state). */
  | {
      readonly kind: "new_round";
      readonly height: number;
      readonly round: number;
      readonly proposer: Uint8Array;
    }
  /** The paper's decide: commit `block` with these +2/3 precommits. */
  | {
      readonly kind: "decide";
      readonly height: number;
      readonly round: number;
      readonly block: Block;
      readonly commit: Commit;
    }
  /** Two conflicting signed votes from one validator (evidence of equivocation). */
  | { readonly kind: "equivocation"; readonly first: Vote; readonly second: Vote };

/**
 * The driver's verdict on one input. "ignored": harmless (stale, duplicate, or for a later
 * height: the host may buffer `future_height` inputs and replay them after `start_height`).
 * "rejected": the sender misbehaved (wrong proposer, equivocation, ...), the host may penalise it.
 */
export type InputVerdict =
  | { readonly status: "accepted" }
  | { readonly status: "ignored"; readonly reason: IgnoredReason }
  | { readonly status: "rejected"; readonly reason: RejectedReason };

export type IgnoredReason =
  | "not_started"
  | "past_height"
  | "future_height"
  | "round_out_of_window"
  | "duplicate"
  | "stale"
  | "decided"
  | "not_requested";

export type RejectedReason =
  | "wrong_proposer"
  | "unknown_validator"
  | "bad_validator_index"
  | "bad_pol_round"
  | "too_many_proposals"
  | "equivocation";
