/**
 * The validator's signer. Every vote and proposal goes through the last-sign guard, and the new
 * state is durable before the signature is returned, so even a crash between signing and
 * sending cannot lead to a second, different signature for the same (height, round, step).
 * Calls are serialised: a check and its save are never interleaved with another request.
 */

import { addressFromPublicKey } from "../crypto/address.js";
import type { PrivateKey } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { type Block, blockHash } from "../types/block.js";
import { type Proposal, proposalSignBytes, type Vote, VoteType, voteSignBytes } from "../types/vote.js";
import { PrivvalError } from "./errors.js";
import { checkSign, type LastSignState, SignStep } from "./last-sign-state.js";
import { FileLastSignStore, type LastSignStore } from "./state-store.js";

export interface VoteToSign {
  readonly type: VoteType;
  readonly height: number;
  readonly round: number;
  /** Null is a vote for nil. */
  readonly blockHash: Uint8Array | null;
  /** This validator's index in the height's validator set. */
  readonly validatorIndex: number;
}

export interface ProposalToSign {
  readonly height: number;
  readonly round: number;
  readonly polRound: number;
  readonly block: Block;
}

export class Signer {
  readonly address: Uint8Array;
  readonly publicKey: Uint8Array;
  private state: LastSignState;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly key: PrivateKey,
    readonly chainId: string,
    private readonly store: LastSignStore,
    state: LastSignState,
  ) {
    this.publicKey = key.publicKey;
    this.address = addressFromPublicKey(key.publicKey);
    this.state = state;
  }

  /** Opens (or creates) the state file at `path`; a corrupt file is a PRIVVAL_STATE_CORRUPT error. */
  static async open(path: string, key: PrivateKey, chainId: string): Promise<Signer> {
    return Signer.withStore(new FileLastSignStore(path), key, chainId);
  }

  /** A signer over any store (MemoryLastSignStore for tests and simulations). */
  static async withStore(store: LastSignStore, key: PrivateKey, chainId: string): Promise<Signer> {
    return new Signer(key, chainId, store, await store.load());
  }

  /** What was signed last (after the most recent completed request). */
  get lastSignState(): LastSignState {
    return this.state;
  }

  signVote(fields: VoteToSign): Promise<Vote> {
    return this.serialise(async () => {
      assertPosition(fields.height, fields.round);
      if (fields.type !== VoteType.Prevote && fields.type !== VoteType.Precommit) {
        throw new PrivvalError("PRIVVAL_BAD_REQUEST", `unknown vote type ${String(fields.type)}`);
      }
      const step = fields.type === VoteType.Prevote ? SignStep.Prevote : SignStep.Precommit;
      const signature = await this.guardedSign(
        fields.height,
        fields.round,
        step,
        voteSignBytes(this.chainId, fields),
      );
      return {
        type: fields.type,
        height: fields.height,
        round: fields.round,
        blockHash: fields.blockHash,
        validatorAddress: this.address,
        validatorIndex: fields.validatorIndex,
        signature,
      };
    });
  }

  signProposal(fields: ProposalToSign): Promise<Proposal> {
    return this.serialise(async () => {
      assertPosition(fields.height, fields.round);
      if (!Number.isSafeInteger(fields.polRound) || fields.polRound < -1 || fields.polRound >= fields.round) {
        throw new PrivvalError("PRIVVAL_BAD_REQUEST", `pol_round ${fields.polRound} must be in [-1, round)`);
      }
      const signBytes = proposalSignBytes(this.chainId, {
        height: fields.height,
        round: fields.round,
        polRound: fields.polRound,
        blockHash: blockHash(fields.block),
      });
      const signature = await this.guardedSign(fields.height, fields.round, SignStep.Proposal, signBytes);
      return {
        height: fields.height,
        round: fields.round,
        polRound: fields.polRound,
        block: fields.block,
        signature,
      };
    });
  }

  private async guardedSign(
    height: number,
    round: number,
    step: SignStep,
    signBytes: Uint8Array,
  ): Promise<Uint8Array> {
    const signBytesHash = sha256(signBytes);
    const decision = checkSign(this.state, height, round, step, signBytesHash);
    if (decision.kind === "reuse") return decision.signature;
    const signature = this.key.sign(signBytes);
    const next: LastSignState = { height, round, step, signBytesHash, signature };
    await this.store.save(next); // durable before the signature leaves
    this.state = next;
    return signature;
  }

  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function assertPosition(height: number, round: number): void {
  if (!Number.isSafeInteger(height) || height < 1 || !Number.isSafeInteger(round) || round < 0) {
    throw new PrivvalError("PRIVVAL_BAD_REQUEST", `bad height/round ${height}/${round}`);
  }
}
