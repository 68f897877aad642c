/**
 * Drives one real Driver by hand: other validators' votes and proposals are signed with real
 * keys and fed in directly, so each test can build the exact message pattern a rule needs.
 * Validator i means the i-th validator in set order.
 */
import { toHex, utf8 } from "../../../src/codec/bytes.js";
import { Driver, type DriverOptions, type DriverOutput } from "../../../src/consensus/driver.js";
import { proposerFor } from "../../../src/consensus/proposer.js";
import { makeTestBlock, testKeys, testValidatorSet } from "../../../src/consensus/testkit/fixtures.js";
import {
  type ConsensusEffect,
  DEFAULT_TIMEOUTS,
  type TimeoutConfig,
  type TimeoutStep,
} from "../../../src/consensus/types.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import type { PrivateKey } from "../../../src/crypto/ed25519.js";
import { type Block, blockHash } from "../../../src/types/block.js";
import type { ValidatorSet } from "../../../src/types/validator.js";
import {
  type Proposal,
  proposalSignBytes,
  type Vote,
  VoteType,
  voteSignBytes,
} from "../../../src/types/vote.js";

export const CHAIN_ID = "harness-chain";

export const TIMEOUTS: TimeoutConfig = {
  ...DEFAULT_TIMEOUTS,
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 250,
  precommitMs: 1200,
  precommitDeltaMs: 300,
};

export type Kind = "prevote" | "precommit";

export class Harness {
  readonly keys: PrivateKey[];
  readonly validators: ValidatorSet;
  readonly driver: Driver;
  readonly height: number;
  readonly prevBlockHash: Uint8Array;
  /** Index of the driver's own validator, or null for a non-validator. */
  readonly me: number | null;

  constructor(
    powers: readonly number[],
    me: number | null,
    options: Partial<DriverOptions> & { height?: number; prevBlockHash?: Uint8Array; keyTag?: string } = {},
  ) {
    const keys = testKeys(powers.length, options.keyTag ?? "harness");
    // The set sorts by address; keep powers attached to keys, then order keys like the set.
    this.validators = testValidatorSet(keys, powers);
    const byAddress = new Map(keys.map((k) => [toHex(addressFromPublicKey(k.publicKey)), k]));
    this.keys = this.validators.validators.map((v) => byAddress.get(toHex(v.address))!);
    this.height = options.height ?? 1;
    this.prevBlockHash = options.prevBlockHash ?? new Uint8Array(32).fill(7);
    this.me = me;
    this.driver = new Driver({
      timeouts: TIMEOUTS,
      ...options,
      address: me === null ? null : this.address(me),
    });
  }

  address(i: number): Uint8Array {
    return this.validators.validators[i]!.address;
  }

  start(): DriverOutput {
    return this.driver.apply({
      kind: "start_height",
      height: this.height,
      validators: this.validators,
      prevBlockHash: this.prevBlockHash,
    });
  }

  /** Index (set order) of the proposer of `round`. */
  proposerIndex(round: number): number {
    const p = proposerFor(this.validators, this.prevBlockHash, this.height, round);
    return this.validators.indexOf(p.address);
  }

  /** First round >= from whose proposer is (or, with `not`, is not) validator i. */
  roundProposedBy(i: number, from = 0, not = false): number {
    for (let r = from; r < from + 1000; r++) if ((this.proposerIndex(r) === i) !== not) return r;
    throw new Error("no such round");
  }

  /** A distinct valid block for this height. */
  block(tag: string): Block {
    return makeTestBlock({
      chainId: CHAIN_ID,
      height: this.height,
      proposer: this.address(0),
      prevBlockHash: this.prevBlockHash,
      validators: this.validators,
      txs: [utf8(tag)],
    });
  }

  signVote(i: number, kind: Kind, round: number, block: Block | null, height = this.height): Vote {
    const type = kind === "prevote" ? VoteType.Prevote : VoteType.Precommit;
    const fields = { type, height, round, blockHash: block === null ? null : blockHash(block) };
    return {
      ...fields,
      validatorAddress: this.address(i),
      validatorIndex: i,
      signature: this.keys[i]!.sign(voteSignBytes(CHAIN_ID, fields)),
    };
  }

  vote(i: number, kind: Kind, round: number, block: Block | null): DriverOutput {
    return this.driver.apply({ kind: "vote", vote: this.signVote(i, kind, round, block) });
  }

  /** Votes from several validators; returns all effects in order. */
  votes(indices: readonly number[], kind: Kind, round: number, block: Block | null): ConsensusEffect[] {
    return indices.flatMap((i) => this.vote(i, kind, round, block).effects);
  }

  signProposal(round: number, block: Block, polRound = -1, by = this.proposerIndex(round)): Proposal {
    const signBytes = proposalSignBytes(CHAIN_ID, {
      height: this.height,
      round,
      polRound,
      blockHash: blockHash(block),
    });
    return { height: this.height, round, polRound, block, signature: this.keys[by]!.sign(signBytes) };
  }

  /** A proposal signed by the round's proposer (or `by`), fed to the driver. */
  propose(
    round: number,
    block: Block,
    polRound = -1,
    opts: { valid?: boolean; by?: number } = {},
  ): DriverOutput {
    const by = opts.by ?? this.proposerIndex(round);
    return this.driver.apply({
      kind: "proposal",
      proposal: this.signProposal(round, block, polRound, by),
      valid: opts.valid ?? true,
      signer: this.address(by),
    });
  }

  timeout(step: TimeoutStep, round: number, height = this.height): DriverOutput {
    return this.driver.apply({ kind: "timeout", height, round, step });
  }

  /**
   * Moves the driver to `round` (> current) through L55: prevotes for nil at `round` from
   * validators other than `me` until more than a third of the power has voted there.
   */
  skipTo(round: number): ConsensusEffect[] {
    const effects: ConsensusEffect[] = [];
    for (let i = 0; i < this.validators.size && this.driver.round < round; i++) {
      if (i === this.me) continue;
      effects.push(...this.vote(i, "prevote", round, null).effects);
    }
    if (this.driver.round !== round) throw new Error(`could not skip to round ${round}`);
    return effects;
  }
}

/** The sign_vote effects in `effects`, as [type, round, block hash hex or "nil"]. */
export function signedVotes(effects: readonly ConsensusEffect[]): [Kind, number, string][] {
  return effects.flatMap((e) =>
    e.kind === "sign_vote"
      ? [
          [
            e.type === VoteType.Prevote ? "prevote" : "precommit",
            e.round,
            e.blockHash ? toHex(e.blockHash) : "nil",
          ],
        ]
      : [],
  ) as [Kind, number, string][];
}

export const hashHex = (b: Block): string => toHex(blockHash(b));

export function timeoutsScheduled(effects: readonly ConsensusEffect[]): [TimeoutStep, number, number][] {
  return effects.flatMap((e) =>
    e.kind === "schedule_timeout" ? [[e.step, e.round, e.durationMs] as [TimeoutStep, number, number]] : [],
  );
}
