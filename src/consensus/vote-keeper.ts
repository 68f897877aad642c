/**
 * Weighted vote tallies for one height: per (round, vote type, value) the voting power of the
 * validators that voted, and the thresholds the paper's rules wait for. All lookups are Map
 * reads keyed by hex, so adding a vote and asking a threshold are O(1).
 *
 * Each validator counts once per (round, type) towards the "any value" thresholds (2f+1 ∗,
 * f+1 skip). A second vote with the same value is a harmless duplicate; a second vote with a
 * different value is equivocation: both signed votes are returned as evidence (once per
 * validator, round and type), and the second vote counts towards its own value only, as the
 * paper counts ⟨PREVOTE, h, r, id(v)⟩ messages per value. Without that, a node that first
 * received an equivocator's other vote could never see a polka or commit that needs the
 * equivocator's power, and stalls (found by the Byzantine simulator). Quorum intersection
 * still holds: two value quorums overlap in an honest validator, which never equivocates.
 * At most MAX_CONFLICTING_VALUES extra values are kept per validator, round and type.
 */
import { toHex } from "../codec/bytes.js";
import type { ValidatorSet } from "../types/validator.js";
import { type Vote, VoteType } from "../types/vote.js";

/** Extra values an equivocating validator is counted for, per (round, type), beyond its first vote. */
export const MAX_CONFLICTING_VALUES = 4;

/** The tally key of a nil vote (hex of a real hash is never this). */
export const NIL_KEY = "nil";

/** The key votes are tallied under: the block hash in hex, or NIL_KEY. */
export const voteValueKey = (blockHash: Uint8Array | null): string =>
  blockHash === null ? NIL_KEY : toHex(blockHash);

export type AddVoteResult =
  | { readonly kind: "added" }
  | { readonly kind: "duplicate" }
  | { readonly kind: "unknown_validator" }
  /** `report` is true for the first conflict of this validator at (round, type) only. */
  | { readonly kind: "equivocation"; readonly first: Vote; readonly second: Vote; readonly report: boolean };

export interface VoteKeeperOptions {
  /**
   * TEST ONLY — breaks safety on purpose so the Byzantine simulator can prove it notices:
   * an identical duplicate vote adds its validator's power again.
   */
  readonly unsafeCountDuplicateVotes?: boolean;
}

/** Votes of one type in one round. */
class Tally {
  /** First vote of each validator, by address hex. */
  readonly votes = new Map<string, Vote>();
  /** Conflicting votes counted towards their own value: address hex -> value key -> vote. */
  readonly conflicting = new Map<string, Map<string, Vote>>();
  readonly powerByValue = new Map<string, number>();
  total = 0;

  count(key: string, power: number): void {
    this.powerByValue.set(key, (this.powerByValue.get(key) ?? 0) + power);
    this.total += power;
  }
}

class RoundVotes {
  readonly prevotes = new Tally();
  readonly precommits = new Tally();
  /** Validators with any vote in this round, for skip-round (each counted once). */
  readonly voters = new Set<string>();
  voterPower = 0;
  /** validator/type pairs already reported as equivocating. */
  readonly equivocators = new Set<string>();

  tally(type: VoteType): Tally {
    return type === VoteType.Prevote ? this.prevotes : this.precommits;
  }
}

const EMPTY_VOTES: ReadonlyMap<string, Vote> = new Map();

export class VoteKeeper {
  private readonly rounds = new Map<number, RoundVotes>();
  private readonly countDuplicates: boolean;

  constructor(
    readonly validators: ValidatorSet,
    options: VoteKeeperOptions = {},
  ) {
    this.countDuplicates = options.unsafeCountDuplicateVotes === true;
  }

  /** Records a vote of this keeper's height (the caller checks height and signature). */
  add(vote: Vote): AddVoteResult {
    const validator = this.validators.getByAddress(vote.validatorAddress);
    if (validator === undefined) return { kind: "unknown_validator" };
    const who = toHex(vote.validatorAddress);
    const key = voteValueKey(vote.blockHash);
    let round = this.rounds.get(vote.round);
    if (round === undefined) {
      round = new RoundVotes();
      this.rounds.set(vote.round, round);
    }
    const tally = round.tally(vote.type);
    const first = tally.votes.get(who);
    if (first !== undefined) {
      if (voteValueKey(first.blockHash) === key) {
        if (!this.countDuplicates) return { kind: "duplicate" };
        tally.count(key, validator.votingPower);
        round.voterPower += validator.votingPower;
        return { kind: "added" };
      }
      let extra = tally.conflicting.get(who);
      if (extra?.has(key) === true) return { kind: "duplicate" };
      if ((extra?.size ?? 0) < MAX_CONFLICTING_VALUES) {
        if (extra === undefined) {
          extra = new Map();
          tally.conflicting.set(who, extra);
        }
        extra.set(key, vote);
        // Its value's tally only: the validator is already in the total and the voters.
        tally.powerByValue.set(key, (tally.powerByValue.get(key) ?? 0) + validator.votingPower);
      }
      const tag = `${vote.type}/${who}`;
      const report = !round.equivocators.has(tag);
      round.equivocators.add(tag);
      return { kind: "equivocation", first, second: vote, report };
    }
    tally.votes.set(who, vote);
    tally.count(key, validator.votingPower);
    if (!round.voters.has(who)) {
      round.voters.add(who);
      round.voterPower += validator.votingPower;
    }
    return { kind: "added" };
  }

  /** Power of `type` votes at `round` for `blockHash` (null = nil). */
  powerFor(round: number, type: VoteType, blockHash: Uint8Array | null): number {
    return this.powerForKey(round, type, voteValueKey(blockHash));
  }

  powerForKey(round: number, type: VoteType, key: string): number {
    return this.rounds.get(round)?.tally(type).powerByValue.get(key) ?? 0;
  }

  /** Power of all `type` votes at `round`, whatever their value. */
  totalPower(round: number, type: VoteType): number {
    return this.rounds.get(round)?.tally(type).total ?? 0;
  }

  /** 2f+1 ⟨PREVOTE, h, round, id(v)⟩ for the value with tally key `key` (NIL_KEY for nil). */
  hasPolkaFor(round: number, key: string): boolean {
    return this.validators.hasTwoThirds(this.powerForKey(round, VoteType.Prevote, key));
  }

  /** 2f+1 ⟨PREVOTE, h, round, nil⟩. */
  hasPolkaNil(round: number): boolean {
    return this.hasPolkaFor(round, NIL_KEY);
  }

  /** 2f+1 ⟨PREVOTE, h, round, ∗⟩. */
  hasPolkaAny(round: number): boolean {
    return this.validators.hasTwoThirds(this.totalPower(round, VoteType.Prevote));
  }

  /** 2f+1 ⟨PRECOMMIT, h, round, id(v)⟩. */
  hasPrecommitFor(round: number, key: string): boolean {
    return this.validators.hasTwoThirds(this.powerForKey(round, VoteType.Precommit, key));
  }

  /** 2f+1 ⟨PRECOMMIT, h, round, ∗⟩. */
  hasPrecommitAny(round: number): boolean {
    return this.validators.hasTwoThirds(this.totalPower(round, VoteType.Precommit));
  }

  /** f+1: validators holding more than a third of the power sent some vote at `round`. */
  hasSkipQuorum(round: number): boolean {
    return this.validators.hasOneThird(this.rounds.get(round)?.voterPower ?? 0);
  }

  /** The first vote of each validator of `type` at `round`, keyed by address hex. */
  /** Rounds with at least one vote, ascending. */
  roundsWithVotes(): number[] {
    return [...this.rounds.keys()].sort((a, b) => a - b);
  }

  votes(round: number, type: VoteType): ReadonlyMap<string, Vote> {
    return this.rounds.get(round)?.tally(type).votes ?? EMPTY_VOTES;
  }

  /**
   * Each validator's `type` vote at `round`, preferring its vote for the value `key` when it
   * equivocated (so a Commit carries every signature that counted towards the decision).
   */
  votesPreferring(round: number, type: VoteType, key: string): ReadonlyMap<string, Vote> {
    const tally = this.rounds.get(round)?.tally(type);
    if (tally === undefined) return EMPTY_VOTES;
    if (tally.conflicting.size === 0) return tally.votes;
    const out = new Map(tally.votes);
    for (const [who, extra] of tally.conflicting) {
      const vote = extra.get(key);
      if (vote !== undefined) out.set(who, vote);
    }
    return out;
  }
}
