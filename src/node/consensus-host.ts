/**
 * The consensus host: runs the pure consensus driver and performs its effects — signing
 * (through the last-sign guard), broadcasting, timers, building proposals from the mempool,
 * validating received blocks, and committing decided blocks through the block executor.
 *
 * Inputs are processed strictly one at a time. Inputs the host produces itself (our own signed
 * proposal or vote, the answer to `request_value`) go to the front of the queue so the driver
 * sees them before anything that arrived later.
 */
import type { BlockExecutor } from "../abci/executor.js";
import { equalBytes, toHexUpper } from "../codec/bytes.js";
import type { Driver } from "../consensus/driver.js";
import type { ConsensusEffect, ConsensusInput, InputVerdict } from "../consensus/types.js";
import { verifySignature } from "../crypto/ed25519.js";
import { DccnError, errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import type { Mempool } from "../mempool/mempool.js";
import type { Signer } from "../privval/signer.js";
import type { StateStore } from "../state/state-store.js";
import { type ChainState, nextHeight } from "../state/types.js";
import type { BlockStore } from "../store/block-store.js";
import { type Block, type Commit, headerHash } from "../types/block.js";
import { type Proposal, proposalSignBytes, type Vote, voteSignBytes } from "../types/vote.js";

/** How consensus messages leave this node; a single validator uses `NO_NETWORK`. */
export interface ConsensusNetwork {
  broadcastProposal(proposal: Proposal): void;
  broadcastVote(vote: Vote): void;
}

export const NO_NETWORK: ConsensusNetwork = {
  broadcastProposal: () => {},
  broadcastVote: () => {},
};

export type HostErrorCode = "HOST_BAD_SIGNATURE" | "HOST_NOT_VALIDATOR";

export interface ConsensusHostOptions {
  readonly commitMs: number;
  readonly createEmptyBlocks: boolean;
  /** Wall clock for the proposer's block time (never used to validate). */
  readonly now?: () => number;
}

export interface ConsensusHostModules {
  readonly driver: Driver;
  /** Null for a node that follows without voting. */
  readonly signer: Signer | null;
  readonly executor: BlockExecutor;
  readonly blockStore: BlockStore;
  readonly stateStore: StateStore;
  readonly mempool: Mempool;
  readonly network: ConsensusNetwork;
  readonly logger: Logger;
}

/** What RPC's consensus_state and logs show. */
export interface RoundSummary {
  readonly height: number;
  readonly round: number;
  readonly step: string;
}

const MAX_FUTURE_BUFFER = 10_000;

export class ConsensusHost {
  private state: ChainState;
  private readonly queue: ConsensusInput[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly futureInputs: ConsensusInput[] = [];
  private processing = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private wakeIdle: (() => void) | undefined;
  /** The +2/3 precommits of the last decided block; goes into the next block as lastCommit. */
  private lastCommit: Commit | null = null;
  private readonly now: () => number;
  private fatal: ((err: unknown) => void) | undefined;

  constructor(
    private readonly opts: ConsensusHostOptions,
    private readonly m: ConsensusHostModules,
    state: ChainState,
  ) {
    this.state = state;
    this.now = opts.now ?? Date.now;
  }

  get chainState(): ChainState {
    return this.state;
  }

  get summary(): RoundSummary {
    const s = this.m.driver.state;
    return {
      height: this.m.driver.height,
      round: this.m.driver.round,
      step: s ? String(s.step) : "new_height",
    };
  }

  /**
   * Starts consensus at the state's next height. `onFatal` is called if committing a block fails
   * (storage or app failure): the node must stop rather than continue on a broken state.
   */
  async start(onFatal: (err: unknown) => void): Promise<void> {
    this.fatal = onFatal;
    const h = nextHeight(this.state);
    if (h > this.state.initialHeight) {
      this.lastCommit = await this.m.blockStore.loadSeenCommit(h - 1);
      if (this.lastCommit === null) {
        throw new DccnError("HOST_NO_LAST_COMMIT", `no commit for height ${h - 1} in the block store`);
      }
    }
    await this.startHeight();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
  }

  /** Resolves when the queue is empty (tests and shutdown). */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /** A proposal received from a peer: verified here, then fed to the driver. */
  async receiveProposal(proposal: Proposal): Promise<InputVerdict | "invalid_signature"> {
    const { driver } = this.m;
    if (proposal.height !== driver.height) {
      if (proposal.height === driver.height + 1)
        this.bufferFuture({ kind: "proposal", proposal, valid: false, signer: new Uint8Array(0) });
      return { status: "ignored", reason: proposal.height > driver.height ? "future_height" : "past_height" };
    }
    const proposer = driver.proposerFor(proposal.round);
    if (proposer === null) return { status: "ignored", reason: "not_started" };
    const hash = headerHash(proposal.block.header);
    const signBytes = proposalSignBytes(this.state.chainId, { ...proposal, blockHash: hash });
    if (!verifySignature(proposer.pubKey, signBytes, proposal.signature)) return "invalid_signature";
    const valid = await this.isValidBlock(proposal.block);
    this.push({ kind: "proposal", proposal, valid, signer: proposer.address });
    return { status: "accepted" };
  }

  /** A vote received from a peer: signature and membership checked, then fed to the driver. */
  receiveVote(vote: Vote): InputVerdict | "invalid_signature" {
    const { driver } = this.m;
    if (vote.height === driver.height + 1) {
      this.bufferFuture({ kind: "vote", vote });
      return { status: "ignored", reason: "future_height" };
    }
    const set = driver.validators;
    if (set === null || vote.height !== driver.height) return { status: "ignored", reason: "past_height" };
    const v = set.validators[vote.validatorIndex];
    if (v === undefined || !equalBytes(v.address, vote.validatorAddress)) {
      return { status: "rejected", reason: "unknown_validator" };
    }
    if (!verifySignature(v.pubKey, voteSignBytes(this.state.chainId, vote), vote.signature)) {
      return "invalid_signature";
    }
    this.push({ kind: "vote", vote });
    return { status: "accepted" };
  }

  private bufferFuture(input: ConsensusInput): void {
    if (this.futureInputs.length < MAX_FUTURE_BUFFER) this.futureInputs.push(input);
  }

  private async isValidBlock(block: Block): Promise<boolean> {
    try {
      await this.m.executor.validateBlock(this.state, block);
      return true;
    } catch (err) {
      this.m.logger.warn("invalid proposed block", { height: block.header.height, err: errorMessage(err) });
      return false;
    }
  }

  private async startHeight(): Promise<void> {
    if (this.stopped) return;
    if (!this.opts.createEmptyBlocks && !this.needsProofBlock()) {
      await this.m.mempool.waitForTxs();
      if (this.stopped) return;
    }
    const height = nextHeight(this.state);
    this.push({
      kind: "start_height",
      height,
      validators: this.state.validators,
      prevBlockHash: this.state.lastBlockHash,
    });
    // Replay what peers sent for this height while we were committing the previous one.
    const pending = this.futureInputs.splice(0);
    for (const input of pending) {
      if (input.kind === "vote") this.receiveVote(input.vote);
      else if (input.kind === "proposal") void this.receiveProposal(input.proposal);
    }
  }

  /** With empty blocks off, a block is still needed to put a changed app hash into a header. */
  private needsProofBlock(): boolean {
    if (this.state.lastBlockHeight === 0) return true;
    return this.lastBlockAppHash !== undefined && !equalBytes(this.lastBlockAppHash, this.state.appHash);
  }

  private lastBlockAppHash: Uint8Array | undefined;

  private push(input: ConsensusInput, front = false): void {
    if (this.stopped) return;
    if (front) this.queue.unshift(input);
    else this.queue.push(input);
    if (!this.processing) {
      this.processing = true;
      this.idle = new Promise((r) => {
        this.wakeIdle = r;
      });
      void this.drain();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped) {
        const input = this.queue.shift();
        if (input === undefined) break;
        const out = this.m.driver.apply(input);
        if (out.verdict.status === "ignored" && out.verdict.reason === "future_height")
          this.bufferFuture(input);
        await this.performAll(out.effects);
      }
    } catch (err) {
      this.m.logger.error("consensus stopped on a fatal error", { err: errorMessage(err) });
      this.stop();
      this.fatal?.(err);
    } finally {
      this.processing = false;
      this.wakeIdle?.();
    }
  }

  private async performAll(effects: readonly ConsensusEffect[]): Promise<void> {
    // Inputs produced by our own effects go to the front, in the order the effects came.
    const own: ConsensusInput[] = [];
    for (const effect of effects) {
      const input = await this.perform(effect);
      if (input !== null) own.push(input);
    }
    for (let i = own.length - 1; i >= 0; i--) this.queue.unshift(own[i]!);
  }

  private async perform(effect: ConsensusEffect): Promise<ConsensusInput | null> {
    const { logger } = this.m;
    switch (effect.kind) {
      case "new_round":
        logger.debug("new round", {
          height: effect.height,
          round: effect.round,
          proposer: toHexUpper(effect.proposer),
        });
        return null;
      case "schedule_timeout": {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.push({ kind: "timeout", height: effect.height, round: effect.round, step: effect.step });
        }, effect.durationMs);
        this.timers.add(t);
        return null;
      }
      case "request_value":
        return {
          kind: "proposal_value",
          height: effect.height,
          round: effect.round,
          block: this.buildBlock(effect.height),
        };
      case "sign_proposal": {
        const signer = this.requireSigner();
        try {
          const proposal = await signer.signProposal(effect);
          this.m.network.broadcastProposal(proposal);
          return { kind: "proposal", proposal, valid: true, signer: signer.address };
        } catch (err) {
          logger.warn("refused to sign proposal", {
            height: effect.height,
            round: effect.round,
            err: errorMessage(err),
          });
          return null;
        }
      }
      case "sign_vote": {
        const signer = this.requireSigner();
        try {
          const vote = await signer.signVote(effect);
          this.m.network.broadcastVote(vote);
          return { kind: "vote", vote };
        } catch (err) {
          logger.warn("refused to sign vote", {
            height: effect.height,
            round: effect.round,
            type: effect.type,
            err: errorMessage(err),
          });
          return null;
        }
      }
      case "decide":
        await this.commitBlock(effect.block, effect.commit);
        return null;
      case "equivocation":
        logger.warn("equivocation observed", {
          validator: toHexUpper(effect.first.validatorAddress),
          height: effect.first.height,
          round: effect.first.round,
        });
        return null;
    }
  }

  private requireSigner(): Signer {
    if (this.m.signer === null) {
      throw new DccnError<HostErrorCode>("HOST_NOT_VALIDATOR", "the driver asked a non-validator to sign");
    }
    return this.m.signer;
  }

  private buildBlock(height: number): Block {
    const params = this.state.consensusParams.block;
    const txs = this.m.mempool.reap(params.maxBytes, params.maxGas);
    const proposerAddress = this.m.signer?.address ?? new Uint8Array(20);
    return this.m.executor.createProposalBlock(this.state, {
      height,
      txs,
      lastCommit: height > this.state.initialHeight ? this.lastCommit : null,
      proposerAddress,
      timeMs: this.now(),
    });
  }

  private async commitBlock(block: Block, commit: Commit): Promise<void> {
    const hash = headerHash(block.header);
    const height = block.header.height;
    await this.m.blockStore.saveBlock(block, commit);
    const { state } = await this.m.executor.applyBlock(this.state, block, hash);
    this.state = state;
    this.lastCommit = commit;
    this.lastBlockAppHash = block.header.appHash;
    this.m.logger.info("committed block", {
      height,
      hash: toHexUpper(hash),
      txs: block.txs.length,
      round: commit.round,
    });
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const t = setTimeout(() => {
      this.timers.delete(t);
      // Precommits that arrived during the commit wait make the next block's lastCommit fuller.
      const late = this.m.driver.latestCommit();
      if (late !== null && late.height === height) this.lastCommit = late;
      this.startHeight().catch((err) => this.fatal?.(err));
    }, this.opts.commitMs);
    this.timers.add(t);
  }
}
