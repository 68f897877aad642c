/**
 * A test node: a consensus Driver plus the smallest host that performs its effects — verify
 * incoming signatures, buffer next-height messages, sign through a guarded signer, broadcast,
 * schedule timeouts on virtual time, start the next height after a decision. No networking
 * or storage of its own: the TestNetwork provides both.
 */
import { toHex } from "../../codec/bytes.js";
import { verifySignature } from "../../crypto/ed25519.js";
import type { ProposalToSign, VoteToSign } from "../../privval/signer.js";
import { type Block, blockHash, type Commit } from "../../types/block.js";
import type { ValidatorSet } from "../../types/validator.js";
import { type Proposal, proposalSignBytes, type Vote, voteSignBytes } from "../../types/vote.js";
import type { Driver } from "../driver.js";
import type { ConsensusEffect, ConsensusInput, InputVerdict, TimeoutConfig } from "../types.js";

/** What signs for a node: the privval Signer, or a deliberately unguarded one in simulations. */
export interface ConsensusSigner {
  readonly address: Uint8Array;
  signVote(fields: VoteToSign): Promise<Vote>;
  signProposal(fields: ProposalToSign): Promise<Proposal>;
}

export type NetMessage =
  | { readonly kind: "proposal"; readonly proposal: Proposal }
  | { readonly kind: "vote"; readonly vote: Vote };

/** What the network offers a node. */
export interface NodeEnvironment {
  readonly chainId: string;
  readonly timeouts: TimeoutConfig;
  now(): number;
  /** Sends to every other node (subject to the delivery policy). */
  broadcast(from: number, message: NetMessage): void;
  /** Queues an input for this node itself (answers and self-delivery; never dropped). */
  enqueueLocal(node: number, input: ConsensusInput): void;
  schedule(node: number, delayMs: number, input: ConsensusInput): void;
}

export interface BuildRequest {
  readonly node: TestNode;
  readonly height: number;
  readonly round: number;
  readonly prevBlockHash: Uint8Array;
  readonly validators: ValidatorSet;
}

export interface Decision {
  readonly height: number;
  readonly round: number;
  readonly block: Block;
  readonly commit: Commit;
  readonly decidedAt: number;
}

export interface TestNodeConfig {
  readonly index: number;
  readonly driver: Driver;
  readonly signer: ConsensusSigner | null;
  readonly env: NodeEnvironment;
  readonly buildBlock: (req: BuildRequest) => Block;
  readonly validateBlock: (block: Block, node: TestNode) => boolean;
  /** The validator set of every height (the testkit keeps it fixed). */
  readonly validators: ValidatorSet;
}

/** Messages for later heights kept per node; beyond this they are dropped. */
const MAX_BUFFERED = 10_000;

export class TestNode {
  readonly index: number;
  readonly driver: Driver;
  readonly signer: ConsensusSigner | null;
  readonly decisions = new Map<number, Decision>();
  readonly equivocations: { readonly first: Vote; readonly second: Vote }[] = [];
  /** Errors thrown by the signer (e.g. the last-sign guard refusing). */
  readonly signErrors: unknown[] = [];
  /** Every effect performed, in order (for assertions on the exact behaviour). */
  readonly effects: ConsensusEffect[] = [];
  /** Inputs the driver did not accept, with its verdict. */
  readonly refused: { readonly input: ConsensusInput; readonly verdict: InputVerdict }[] = [];
  /** Received messages whose signature did not verify. */
  badSignatures = 0;
  /** A silent node neither processes nor sends anything (a crashed or mute validator). */
  silent = false;
  private readonly env: NodeEnvironment;
  private readonly buildBlock: (req: BuildRequest) => Block;
  private readonly validateBlock: (block: Block, node: TestNode) => boolean;
  private readonly validators: ValidatorSet;
  private prevBlockHash: Uint8Array = new Uint8Array(0);
  private buffered: NetMessage[] = [];

  constructor(config: TestNodeConfig) {
    this.index = config.index;
    this.driver = config.driver;
    this.signer = config.signer;
    this.env = config.env;
    this.buildBlock = config.buildBlock;
    this.validateBlock = config.validateBlock;
    this.validators = config.validators;
  }

  get address(): Uint8Array | null {
    return this.signer?.address ?? null;
  }

  /** Starts `height`; prevBlockHash seeds the proposer choice (empty at the first height). */
  startHeight(height: number, prevBlockHash: Uint8Array): ConsensusInput {
    return { kind: "start_height", height, validators: this.validators, prevBlockHash };
  }

  /** A message from the network: verify, buffer if it is for a later height, else apply. */
  async receive(message: NetMessage): Promise<void> {
    if (this.silent) return;
    const height = message.kind === "vote" ? message.vote.height : message.proposal.height;
    if (height > this.driver.height) {
      if (this.buffered.length < MAX_BUFFERED) this.buffered.push(message);
      return;
    }
    if (height < this.driver.height) return;
    const input = this.verify(message);
    if (input === null) {
      this.badSignatures++;
      return;
    }
    await this.apply(input);
  }

  /** An input from this node's own queue (timeouts, answers, its own signed messages). */
  async apply(input: ConsensusInput): Promise<void> {
    if (this.silent) return;
    if (input.kind === "start_height") this.prevBlockHash = input.prevBlockHash;
    const out = this.driver.apply(input);
    if (out.verdict.status !== "accepted") this.refused.push({ input, verdict: out.verdict });
    for (const effect of out.effects) await this.perform(effect);
    if (input.kind === "start_height" && out.verdict.status === "accepted") await this.replayBuffered();
  }

  private async replayBuffered(): Promise<void> {
    const pending = this.buffered;
    this.buffered = [];
    for (const message of pending) await this.receive(message);
  }

  private verify(message: NetMessage): ConsensusInput | null {
    const chainId = this.env.chainId;
    if (message.kind === "vote") {
      const v = message.vote;
      const validator = this.validators.getByAddress(v.validatorAddress);
      if (validator === undefined) return null;
      return verifySignature(validator.pubKey, voteSignBytes(chainId, v), v.signature)
        ? { kind: "vote", vote: v }
        : null;
    }
    const p = message.proposal;
    const proposer = this.driver.proposerFor(p.round);
    if (proposer === null) return null;
    const signBytes = proposalSignBytes(chainId, {
      height: p.height,
      round: p.round,
      polRound: p.polRound,
      blockHash: blockHash(p.block),
    });
    if (!verifySignature(proposer.pubKey, signBytes, p.signature)) return null;
    return {
      kind: "proposal",
      proposal: p,
      valid: this.validateBlock(p.block, this),
      signer: proposer.address,
    };
  }

  private async perform(effect: ConsensusEffect): Promise<void> {
    this.effects.push(effect);
    const env = this.env;
    switch (effect.kind) {
      case "request_value": {
        const block = this.buildBlock({
          node: this,
          height: effect.height,
          round: effect.round,
          prevBlockHash: this.prevBlockHash,
          validators: this.validators,
        });
        env.enqueueLocal(this.index, {
          kind: "proposal_value",
          height: effect.height,
          round: effect.round,
          block,
        });
        return;
      }
      case "sign_proposal": {
        const proposal = await this.sign(() => this.signer?.signProposal(effect));
        if (proposal === undefined || this.signer === null) return;
        env.broadcast(this.index, { kind: "proposal", proposal });
        env.enqueueLocal(this.index, {
          kind: "proposal",
          proposal,
          valid: true,
          signer: this.signer.address,
        });
        return;
      }
      case "sign_vote": {
        const vote = await this.sign(() => this.signer?.signVote(effect));
        if (vote === undefined) return;
        env.broadcast(this.index, { kind: "vote", vote });
        env.enqueueLocal(this.index, { kind: "vote", vote });
        return;
      }
      case "schedule_timeout":
        env.schedule(this.index, effect.durationMs, {
          kind: "timeout",
          height: effect.height,
          round: effect.round,
          step: effect.step,
        });
        return;
      case "decide": {
        this.decisions.set(effect.height, {
          height: effect.height,
          round: effect.round,
          block: effect.block,
          commit: effect.commit,
          decidedAt: env.now(),
        });
        const next = this.startHeight(effect.height + 1, blockHash(effect.block));
        env.schedule(this.index, env.timeouts.commitMs, next);
        return;
      }
      case "equivocation":
        this.equivocations.push({ first: effect.first, second: effect.second });
        return;
      case "new_round":
        return;
    }
  }

  private async sign<T>(task: () => Promise<T> | undefined): Promise<T | undefined> {
    try {
      return await task();
    } catch (err) {
      this.signErrors.push(err);
      return undefined;
    }
  }

  /** Hex of the block this node decided at `height` (for agreement checks). */
  decidedHash(height: number): string | undefined {
    const d = this.decisions.get(height);
    return d === undefined ? undefined : toHex(blockHash(d.block));
  }
}
