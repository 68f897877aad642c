/**
 * The consensus host: runs the pure consensus driver and performs its effects — signing
 * (through the last-sign guard), broadcasting, timers, building proposals from the mempool,
 * validating received blocks, and committing decided blocks through the block executor.
 *
 * Inputs are processed strictly one at a time. Inputs the host produces itself (our own signed
 * proposal or vote, the answer to `request_value`) go to the front of the queue so the driver
 * sees them before anything that arrived later.
 *
 * Crash safety: every input is appended to the consensus WAL before the driver sees it; our own
 * signed messages are fsynced there before they leave the node; the end of a height is marked
 * between saving the block and applying it. On restart the current height's inputs are replayed
 * (the block we had built as proposer is reused), so locks survive and the last-sign guard
 * hands out the same signatures again.
 */

import { verifyCommit } from "../abci/commit-verify.js";
import type { BlockExecutor } from "../abci/executor.js";
import { equalBytes, toHexUpper } from "../codec/bytes.js";
import type { Driver } from "../consensus/driver.js";
import { proposerFor } from "../consensus/proposer.js";
import type { RoundStep } from "../consensus/state-machine.js";
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
import { type Proposal, proposalSignBytes, type Vote, VoteType, voteSignBytes } from "../types/vote.js";
import type { ConsensusWal } from "../wal/wal.js";
import { CommitWait } from "./commit-wait.js";
import { decodeWalInput, encodeWalInput, type LoggedInput } from "./wal-codec.js";

/** How consensus messages leave this node (the node's libp2p gossip). */
export interface ConsensusNetwork {
  broadcastProposal(proposal: Proposal): void;
  broadcastVote(vote: Vote): void;
}

/** The evidence pool as the host uses it. */
export interface EvidenceSink {
  reportConflictingVotes(first: Vote, second: Vote): void;
  /** Evidence for the block built on `state`. */
  pending(state: ChainState): Uint8Array[];
}

/** What this node holds for one round of the height in progress, or a decided height. */
export interface HostRoundMessages {
  readonly proposal: Proposal | null;
  readonly votes: readonly Vote[];
  readonly decided: { readonly block: Block; readonly commit: Commit } | null;
}

/** A block decided elsewhere (a peer's +2/3 precommits), committed without running the rounds. */
interface DecidedInput {
  readonly kind: "decided";
  readonly block: Block;
  readonly commit: Commit;
}

type HostInput = ConsensusInput | DecidedInput;

export type HostErrorCode =
  | "HOST_BAD_SIGNATURE"
  | "HOST_NOT_VALIDATOR"
  | "HOST_NO_LAST_COMMIT"
  | "HOST_OUT_OF_ORDER";

export interface ConsensusHostOptions {
  readonly commitMs: number;
  readonly createEmptyBlocks: boolean;
  /**
   * TEST-ONLY (double-sign e2e test): returns a second, conflicting vote for one of ours, which
   * is broadcast but never fed to this node's own driver.
   */
  readonly unsafeDoubleSign?: ((vote: Vote) => Vote | null) | undefined;
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
  /** Null: no crash recovery (tests of the host alone). */
  readonly wal?: ConsensusWal | null;
  readonly evidence?: EvidenceSink | null;
  /** Peers sent messages for a height beyond the next one: this node is behind. */
  readonly onBehind?: (height: number) => void;
  /** Called after each block this host committed (state is the state after it). */
  readonly onCommitted?: (block: Block, state: ChainState) => Promise<void> | void;
}

/** What RPC's consensus_state and logs show. */
export interface RoundSummary {
  readonly height: number;
  readonly round: number;
  readonly step: string;
}

/** The round state in the shape RPC's consensus_state reports. */
export interface HostConsensusSnapshot {
  readonly height: number;
  readonly round: number;
  readonly step: RoundStep;
  readonly startTimeMs: number;
  readonly validators: ChainState["validators"];
  readonly proposerIndex: number;
  readonly proposalBlockHash: Uint8Array | null;
  readonly lockedRound: number;
  readonly lockedBlockHash: Uint8Array | null;
  readonly validRound: number;
  readonly validBlockHash: Uint8Array | null;
  readonly votes: readonly {
    readonly round: number;
    readonly prevotes: readonly (Vote | null)[];
    readonly precommits: readonly (Vote | null)[];
  }[];
}

const MAX_FUTURE_BUFFER = 10_000;
/**
 * Heights past the working one whose messages are kept for later. Two, so a node one height
 * behind still holds the proposal of the height after next when it gets there.
 */
const FUTURE_HEIGHTS = 2;

export class ConsensusHost {
  private state: ChainState;
  private readonly queue: HostInput[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly commitWait = new CommitWait();
  private futureInputs: ConsensusInput[] = [];
  private processing = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private wakeIdle: (() => void) | undefined;
  /** The app hash in the last block's header (see needsProofBlock). */
  private lastBlockAppHash: Uint8Array | undefined;
  /** The +2/3 precommits of the last decided block; goes into the next block as lastCommit. */
  private lastCommit: Commit | null = null;
  private readonly now: () => number;
  private fatal: ((err: unknown) => void) | undefined;
  /** Inputs already in the WAL (our own signed messages, replayed entries). */
  private readonly logged = new WeakSet<object>();
  /** Blocks we built as proposer before a restart, by "height/round" (replayed from the WAL). */
  private readonly replayValues = new Map<string, Block>();
  private replayInputs: LoggedInput[] = [];
  private heightStartedMs = 0;
  /** Consensus runs (start() was called); before that, received messages are only buffered. */
  private started = false;

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
    this.started = true;
    const h = nextHeight(this.state);
    if (h > this.state.initialHeight) {
      this.lastCommit = await this.m.blockStore.loadSeenCommit(h - 1);
      if (this.lastCommit === null) {
        throw new DccnError<HostErrorCode>(
          "HOST_NO_LAST_COMMIT",
          `no commit for height ${h - 1} in the block store`,
        );
      }
    }
    if (this.m.wal) {
      for (const bytes of await this.m.wal.recover(h)) {
        const input = decodeWalInput(bytes);
        if (input.kind === "proposal_value")
          this.replayValues.set(`${input.height}/${input.round}`, input.block);
        else this.replayInputs.push(input);
      }
      if (this.replayInputs.length > 0 || this.replayValues.size > 0) {
        this.m.logger.info("replaying consensus WAL", { height: h, inputs: this.replayInputs.length });
      }
    }
    await this.startHeight();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.commitWait.cancel();
    this.queue.length = 0;
  }

  /** Resolves when the queue is empty (tests and shutdown). */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /**
   * The height messages are judged against: the driver's once consensus runs; before that, the
   * last committed one, so messages for the height consensus will start at are kept.
   */
  private get workingHeight(): number {
    return this.started ? this.m.driver.height : this.state.lastBlockHeight;
  }

  /**
   * Sorts a message by height: the height in progress goes on; the next ones are kept for
   * later; two or more ahead means peers are past us, which `onBehind` hears about.
   */
  private triage(height: number, input: ConsensusInput): InputVerdict | null {
    const current = this.workingHeight;
    if (height === current && this.started) return null;
    if (height > current) {
      if (height <= current + FUTURE_HEIGHTS) this.bufferFuture(input);
      if (this.commitWait.canHurry && height === nextHeight(this.state) && this.signedForNextHeight(input)) {
        this.commitWait.hurry();
      }
      if (height > current + 1) this.m.onBehind?.(height);
      return { status: "ignored", reason: "future_height" };
    }
    return { status: "ignored", reason: height < current ? "past_height" : "not_started" };
  }

  /** A proposal received from a peer: verified here, then fed to the driver. */
  async receiveProposal(proposal: Proposal): Promise<InputVerdict | "invalid_signature"> {
    const { driver } = this.m;
    const early = this.triage(proposal.height, {
      kind: "proposal",
      proposal,
      valid: false,
      signer: new Uint8Array(0),
    });
    if (early !== null) return early;
    const proposer = driver.proposerFor(proposal.round);
    if (proposer === null) return { status: "ignored", reason: "not_started" };
    const hash = headerHash(proposal.block.header);
    const signBytes = proposalSignBytes(this.state.chainId, { ...proposal, blockHash: hash });
    if (!verifySignature(proposer.pubKey, signBytes, proposal.signature)) return "invalid_signature";
    const block = this.withHeldTxs(proposal.block);
    const valid = await this.isValidBlock(block);
    this.push({ kind: "proposal", proposal: { ...proposal, block }, valid, signer: proposer.address });
    return { status: "accepted" };
  }

  /** A vote received from a peer: signature and membership checked, then fed to the driver. */
  receiveVote(vote: Vote): InputVerdict | "invalid_signature" {
    const early = this.triage(vote.height, { kind: "vote", vote });
    if (early !== null) return early;
    const set = this.m.driver.validators;
    if (set === null) return { status: "ignored", reason: "not_started" };
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

  /**
   * A block a peer already decided for the height in progress, with its +2/3 precommits
   * (consensus catch-up). Verified here; committed as if this node had decided it.
   */
  async receiveDecided(block: Block, commit: Commit): Promise<InputVerdict | "invalid_signature"> {
    const { driver } = this.m;
    const height = block.header.height;
    if (height !== driver.height || driver.validators === null) {
      return { status: "ignored", reason: height > driver.height ? "future_height" : "past_height" };
    }
    try {
      verifyCommit(this.state.chainId, driver.validators, height, headerHash(block.header), commit);
    } catch {
      return "invalid_signature";
    }
    // A block with +2/3 precommits is the chain's, valid or not here: a failure shows up at apply.
    this.push({ kind: "decided", block, commit });
    return { status: "accepted" };
  }

  /** What a peer stuck at (height, round) needs from us (consensus catch-up serving side). */
  async roundMessages(height: number, round: number): Promise<HostRoundMessages> {
    const { driver } = this.m;
    if (height < driver.height || (height === driver.height && height <= this.state.lastBlockHeight)) {
      const block = await this.m.blockStore.loadBlock(height);
      const commit = await this.m.blockStore.loadSeenCommit(height);
      return { proposal: null, votes: [], decided: block && commit ? { block, commit } : null };
    }
    if (height !== driver.height) return { proposal: null, votes: [], decided: null };
    const keeper = driver.voteKeeper;
    const votes: Vote[] = [];
    if (keeper !== null) {
      // The asked round and everything later (f+1 of a later round lets the peer skip ahead).
      for (const r of keeper.roundsWithVotes()) {
        if (r < round) continue;
        votes.push(
          ...keeper.votes(r, VoteType.Prevote).values(),
          ...keeper.votes(r, VoteType.Precommit).values(),
        );
      }
    }
    return { proposal: driver.proposalsFor(round)[0] ?? null, votes, decided: null };
  }

  /**
   * A block fetched by block sync (its commit already verified against the current set),
   * applied before consensus starts.
   */
  async applySynced(block: Block, commit: Commit): Promise<void> {
    const height = block.header.height;
    if (height !== this.state.lastBlockHeight + 1) {
      throw new DccnError<HostErrorCode>(
        "HOST_OUT_OF_ORDER",
        `block sync delivered height ${height}, expected ${this.state.lastBlockHeight + 1}`,
      );
    }
    await this.m.blockStore.saveBlock(block, commit);
    await this.m.wal?.endHeight(height);
    const { state } = await this.m.executor.applyBlock(this.state, block, headerHash(block.header));
    this.state = state;
    this.lastBlockAppHash = block.header.appHash;
    await this.m.onCommitted?.(block, state);
  }

  /** Whether the round in progress has a proposal (peers then leave it out of catch-up). */
  hasProposal(): boolean {
    return this.m.driver.proposalsFor(this.m.driver.round).length > 0;
  }

  /** The round in progress for RPC (consensus_state, dump_consensus_state). */
  snapshot(): HostConsensusSnapshot {
    const { driver } = this.m;
    const s = driver.state;
    const validators = driver.validators ?? this.state.validators;
    const keeper = driver.voteKeeper;
    const slots = (round: number, type: VoteType): (Vote | null)[] => {
      const byAddr = keeper?.votes(round, type);
      return validators.validators.map((v) => {
        if (byAddr === undefined) return null;
        for (const vote of byAddr.values()) if (equalBytes(vote.validatorAddress, v.address)) return vote;
        return null;
      });
    };
    const rounds = keeper?.roundsWithVotes() ?? [];
    const proposer = driver.proposerFor(driver.round);
    return {
      height: driver.height,
      round: driver.round,
      step: s === null ? "unstarted" : s.step,
      startTimeMs: this.heightStartedMs,
      validators,
      proposerIndex: proposer === null ? -1 : validators.indexOf(proposer.address),
      proposalBlockHash: proposalHash(driver.proposalsFor(driver.round)[0]),
      lockedRound: s?.lockedRound ?? -1,
      lockedBlockHash: s?.lockedValue?.hash ?? null,
      validRound: s?.validRound ?? -1,
      validBlockHash: s?.validValue?.hash ?? null,
      votes: rounds.map((round) => ({
        round,
        prevotes: slots(round, VoteType.Prevote),
        precommits: slots(round, VoteType.Precommit),
      })),
    };
  }

  private bufferFuture(input: ConsensusInput): void {
    if (this.futureInputs.length >= MAX_FUTURE_BUFFER) {
      // Full: drop what the chain has moved past (a long block sync leaves such entries behind).
      const h = this.workingHeight;
      this.futureInputs = this.futureInputs.filter((i) => inputHeight(i) > h);
      if (this.futureInputs.length >= MAX_FUTURE_BUFFER) return;
    }
    this.futureInputs.push(input);
  }

  /** `block` with each tx the mempool holds replaced by the mempool's equal copy (see Mempool.heldCopy). */
  private withHeldTxs(block: Block): Block {
    const { mempool } = this.m;
    let txs: Uint8Array[] | null = null;
    for (let i = 0; i < block.txs.length; i++) {
      const held = mempool.heldCopy(block.txs[i]!);
      if (held === undefined) continue;
      txs ??= block.txs.slice();
      txs[i] = held;
    }
    return txs === null ? block : { ...block, txs };
  }

  private async isValidBlock(block: Block): Promise<boolean> {
    try {
      await this.m.executor.validateBlock(this.state, block);
      return true;
    } catch (err) {
      // Committed meanwhile (catch-up): the driver ignores the stale proposal; nothing to report.
      if (block.header.height <= this.state.lastBlockHeight) return false;
      this.m.logger.warn("invalid proposed block", { height: block.header.height, err: errorMessage(err) });
      return false;
    }
  }

  private async startHeight(): Promise<void> {
    if (this.stopped) return;
    if (!this.opts.createEmptyBlocks && !this.needsProofBlock() && this.replayInputs.length === 0) {
      await this.m.mempool.waitForTxs();
      if (this.stopped) return;
    }
    const height = nextHeight(this.state);
    this.heightStartedMs = this.now();
    this.push({
      kind: "start_height",
      height,
      validators: this.state.validators,
      prevBlockHash: this.state.lastBlockHash,
    });
  }

  /**
   * After `start_height`: the WAL's inputs for this height, then what peers sent for it while we
   * were finishing the previous one, checked now that the driver knows the height's validator set.
   */
  private replayBuffered(): void {
    // First what the WAL recorded before a restart (already checked and logged), in its order.
    for (const input of this.replayInputs.splice(0)) {
      this.logged.add(input);
      this.queue.push(input);
    }
    for (const input of this.futureInputs.splice(0)) {
      if (input.kind === "vote") this.receiveVote(input.vote);
      else if (input.kind === "proposal") void this.receiveProposal(input.proposal);
    }
  }

  /** With empty blocks off, a block is still needed to put a changed app hash into a header. */
  private needsProofBlock(): boolean {
    if (this.state.lastBlockHeight === 0) return true;
    return this.lastBlockAppHash !== undefined && !equalBytes(this.lastBlockAppHash, this.state.appHash);
  }

  private push(input: HostInput, front = false): void {
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
        if (input.kind === "decided") {
          // Peers are past this height already: go straight on to the next one.
          await this.commitBlock(input.block, input.commit, 0);
          continue;
        }
        if (input.kind !== "start_height" && this.m.wal && !this.logged.has(input)) {
          this.m.wal.append(encodeWalInput(input));
        }
        const out = this.m.driver.apply(input);
        if (input.kind === "start_height") this.replayBuffered();
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
      case "request_value": {
        const key = `${effect.height}/${effect.round}`;
        const replayed = this.replayValues.get(key);
        this.replayValues.delete(key);
        return {
          kind: "proposal_value",
          height: effect.height,
          round: effect.round,
          block: replayed ?? this.buildBlock(effect.height),
        };
      }
      case "sign_proposal": {
        const signer = this.requireSigner();
        try {
          const proposal = await signer.signProposal(effect);
          const input: ConsensusInput = { kind: "proposal", proposal, valid: true, signer: signer.address };
          await this.logDurably(input);
          this.m.network.broadcastProposal(proposal);
          return input;
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
          const input: ConsensusInput = { kind: "vote", vote };
          await this.logDurably(input);
          this.m.network.broadcastVote(vote);
          const evil = this.opts.unsafeDoubleSign?.(vote);
          if (evil) this.m.network.broadcastVote(evil);
          return input;
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
        this.m.evidence?.reportConflictingVotes(effect.first, effect.second);
        return null;
    }
  }

  /** Our own signed message: in the WAL and on disk before it leaves the node. */
  private async logDurably(input: LoggedInput): Promise<void> {
    if (!this.m.wal) return;
    this.m.wal.append(encodeWalInput(input));
    this.logged.add(input);
    await this.m.wal.flushAndSync();
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
      evidence: this.m.evidence?.pending(this.state) ?? [],
      proposerAddress,
      timeMs: this.now(),
    });
  }

  private async commitBlock(block: Block, commit: Commit, waitMs = this.opts.commitMs): Promise<void> {
    const hash = headerHash(block.header);
    const height = block.header.height;
    if (height <= this.state.lastBlockHeight) return; // decided here and by catch-up: once is enough
    // The commit wait counts from the decision, as CometBFT's timeout_commit counts from its
    // CommitTime: saving and executing the block use up part of it rather than adding to it.
    const decidedAt = performance.now();
    await this.m.blockStore.saveBlock(block, commit);
    await this.m.wal?.endHeight(height);
    const { state } = await this.m.executor.applyBlock(this.state, block, hash);
    this.state = state;
    await this.m.onCommitted?.(block, state);
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
    this.commitWait.begin(waitMs - (performance.now() - decidedAt), this.proposesFirstRound(), () => {
      // Precommits that arrived during the commit wait make the next block's lastCommit fuller.
      const late = this.m.driver.latestCommit();
      if (late !== null && late.height === height) this.lastCommit = late;
      this.startHeight().catch((err) => this.fatal?.(err));
    });
    // Peers whose messages for the next height came in while we finished this one are ahead.
    if (this.futureInputs.some((i) => inputHeight(i) === height + 1 && this.signedForNextHeight(i))) {
      this.commitWait.hurry();
    }
  }

  /**
   * Whether `input` is a vote or proposal for the next height signed by the key the next
   * height's validator set expects: proof that peers have started that height (an unsigned
   * claim must not cut the commit wait short).
   */
  private signedForNextHeight(input: ConsensusInput): boolean {
    const { validators, lastBlockHash, chainId } = this.state;
    if (input.kind === "vote") {
      const { vote } = input;
      const v = validators.validators[vote.validatorIndex];
      return (
        v !== undefined &&
        equalBytes(v.address, vote.validatorAddress) &&
        verifySignature(v.pubKey, voteSignBytes(chainId, vote), vote.signature)
      );
    }
    if (input.kind === "proposal" && validators.validators.length > 0) {
      const { proposal } = input;
      const proposer = proposerFor(validators, lastBlockHash, proposal.height, proposal.round);
      const signBytes = proposalSignBytes(chainId, {
        ...proposal,
        blockHash: headerHash(proposal.block.header),
      });
      return verifySignature(proposer.pubKey, signBytes, proposal.signature);
    }
    return false;
  }

  /** Whether this node proposes round 0 of the next height (the state is the committed one). */
  private proposesFirstRound(): boolean {
    const signer = this.m.signer;
    if (signer === null) return false;
    const { validators, lastBlockHash } = this.state;
    if (validators.validators.length === 0) return false;
    return equalBytes(
      proposerFor(validators, lastBlockHash, nextHeight(this.state), 0).address,
      signer.address,
    );
  }
}

const proposalHash = (p: Proposal | undefined): Uint8Array | null => (p ? headerHash(p.block.header) : null);

function inputHeight(input: ConsensusInput): number {
  switch (input.kind) {
    case "vote":
      return input.vote.height;
    case "proposal":
      return input.proposal.height;
    default:
      return input.height;
  }
}
