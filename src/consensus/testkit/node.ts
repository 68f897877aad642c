/**
 * A test node: a consensus Driver plus the smallest host that performs its effects — verify
 * incoming signatures, buffer next-height messages, sign through a guarded signer, broadcast,
 * schedule timeouts on virtual time, start the next height after a decision. No networking
 * or storage of its own: the TestNetwork provides both.
 *
 * It also keeps the inputs of the height in progress as a WAL would, so a simulated crash and
 * restart can rebuild the driver and replay them (see `crash` and `restart`).
 */
import { equalBytes, toHex } from "../../codec/bytes.js";
import { verifySignature } from "../../crypto/ed25519.js";
import type { ProposalToSign, VoteToSign } from "../../privval/signer.js";
import { type Block, BlockIdFlag, blockHash, type Commit } from "../../types/block.js";
import type { ValidatorSet } from "../../types/validator.js";
import { type Proposal, proposalSignBytes, type Vote, VoteType, voteSignBytes } from "../../types/vote.js";
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
  /** Checks received signatures; default Ed25519 (a simulator may memoise it: it is pure). */
  readonly verifySignature?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
}

/** Messages for later heights kept per node; beyond this they are dropped. */
const MAX_BUFFERED = 10_000;

export class TestNode {
  readonly index: number;
  readonly decisions = new Map<number, Decision>();
  /** Decisions for an already decided height with another block (a bug if ever non-empty). */
  readonly conflictingDecisions: Decision[] = [];
  readonly equivocations: { readonly first: Vote; readonly second: Vote }[] = [];
  /** Errors thrown by the signer (e.g. the last-sign guard refusing). */
  readonly signErrors: unknown[] = [];
  /** Every effect performed, in order (for assertions on the exact behaviour). */
  readonly effects: ConsensusEffect[] = [];
  /** Inputs the driver did not accept, with its verdict. */
  readonly refused: { readonly input: ConsensusInput; readonly verdict: InputVerdict }[] = [];
  /** Received messages whose signature did not verify. */
  badSignatures = 0;
  /** Heights committed through `catchUp` rather than decided by the driver. */
  caughtUp = 0;
  /** A silent node neither processes nor sends anything (a crashed or mute validator). */
  silent = false;
  private currentDriver: Driver;
  private currentSigner: ConsensusSigner | null;
  private readonly env: NodeEnvironment;
  private readonly buildBlock: (req: BuildRequest) => Block;
  private readonly validateBlock: (block: Block, node: TestNode) => boolean;
  private readonly validators: ValidatorSet;
  private readonly verifySig: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
  private prevBlockHash: Uint8Array = new Uint8Array(0);
  private buffered: NetMessage[] = [];
  /** Inputs since the last accepted start_height (that one included): what a WAL replays. */
  private wal: ConsensusInput[] = [];
  private lives = 0;
  private replaying = false;

  constructor(config: TestNodeConfig) {
    this.index = config.index;
    this.currentDriver = config.driver;
    this.currentSigner = config.signer;
    this.env = config.env;
    this.buildBlock = config.buildBlock;
    this.validateBlock = config.validateBlock;
    this.validators = config.validators;
    this.verifySig = config.verifySignature ?? verifySignature;
  }

  /** The driver of the current incarnation (a restart replaces it). */
  get driver(): Driver {
    return this.currentDriver;
  }

  get signer(): ConsensusSigner | null {
    return this.currentSigner;
  }

  get address(): Uint8Array | null {
    return this.signer?.address ?? null;
  }

  /** Counts crashes and restarts; timers and local inputs of an older incarnation are dropped. */
  get incarnation(): number {
    return this.lives;
  }

  /** The logged inputs of the height in progress, in the order the driver received them. */
  get walInputs(): readonly ConsensusInput[] {
    return this.wal;
  }

  /** Simulated crash: the node goes silent and loses everything held only in memory. */
  crash(): void {
    this.silent = true;
    this.lives++;
    this.buffered = [];
  }

  /**
   * Simulated restart after `crash`: a fresh driver (and a signer reopened on the persisted
   * last-sign state) is fed the logged inputs, as a WAL replay does. Messages were already
   * signed and sent before the crash, so replay re-signs nothing; it re-arms timeouts,
   * re-requests a pending value, and re-decides a height whose next one had not started.
   * Returns the number of inputs replayed.
   */
  async restart(driver: Driver, signer: ConsensusSigner | null): Promise<number> {
    this.currentDriver = driver;
    this.currentSigner = signer;
    this.silent = false;
    this.lives++;
    this.buffered = [];
    const log = this.wal;
    this.wal = [];
    this.replaying = true;
    try {
      for (const input of log) await this.apply(input);
    } finally {
      this.replaying = false;
    }
    // The height was committed (by catch-up) but the next one had not started: start it.
    const stored = this.decisions.get(this.driver.height);
    if (stored !== undefined && this.driver.state?.decision === null) this.scheduleNextHeight(stored);
    return log.length;
  }

  /**
   * Block-sync catch-up: a peer's decided block for this node's current height, with the
   * +2/3 precommits that commit it. Verified like a synced block (every counted signature
   * checked, more than two thirds of the power, the block valid), then committed as if
   * decided; the next height starts after the commit wait. A node left behind needs this
   * once its peers have moved on (after a restart, or when the precommits it missed are no
   * longer gossiped). Returns false (and changes nothing) when the commit does not prove it.
   */
  catchUp(block: Block, commit: Commit): boolean {
    if (this.silent) return false;
    const height = this.driver.height;
    if (height === 0 || this.decisions.has(height) || block.header.height !== height) return false;
    const hash = blockHash(block);
    if (commit.height !== height || !equalBytes(commit.blockHash, hash)) return false;
    if (commit.signatures.length !== this.validators.size) return false;
    const signBytes = voteSignBytes(this.env.chainId, {
      type: VoteType.Precommit,
      height,
      round: commit.round,
      blockHash: hash,
    });
    let power = 0;
    for (let i = 0; i < commit.signatures.length; i++) {
      const sig = commit.signatures[i]!;
      const validator = this.validators.validators[i]!;
      if (sig.flag !== BlockIdFlag.Commit) continue;
      if (!equalBytes(sig.validatorAddress, validator.address)) return false;
      if (!this.verifySig(validator.pubKey, signBytes, sig.signature)) return false;
      power += validator.votingPower;
    }
    if (!this.validators.hasTwoThirds(power) || !this.validateBlock(block, this)) return false;
    const decision: Decision = {
      height,
      round: commit.round,
      block,
      commit,
      decidedAt: this.env.now(),
    };
    this.decisions.set(height, decision);
    this.caughtUp++;
    this.scheduleNextHeight(decision);
    return true;
  }

  private scheduleNextHeight(decision: Decision): void {
    const next = this.startHeight(decision.height + 1, decision.commit.blockHash);
    this.env.schedule(this.index, this.env.timeouts.commitMs, next);
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
    const accepted = out.verdict.status === "accepted";
    if (input.kind === "start_height" && accepted) this.wal = [input];
    else this.wal.push(input);
    if (!accepted) this.refused.push({ input, verdict: out.verdict });
    for (const effect of out.effects) {
      if (this.replaying && !replayPerforms(effect)) continue;
      await this.perform(effect);
    }
    if (input.kind === "start_height" && accepted) await this.replayBuffered();
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
      return this.verifySig(validator.pubKey, voteSignBytes(chainId, v), v.signature)
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
    if (!this.verifySig(proposer.pubKey, signBytes, p.signature)) return null;
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
        const decision: Decision = {
          height: effect.height,
          round: effect.round,
          block: effect.block,
          commit: effect.commit,
          decidedAt: env.now(),
        };
        // The first record of a height stays (a replay, or a height committed by catch-up);
        // a different block would be a bug.
        const earlier = this.decisions.get(effect.height);
        if (earlier === undefined) this.decisions.set(effect.height, decision);
        else if (!equalBytes(earlier.commit.blockHash, effect.commit.blockHash))
          this.conflictingDecisions.push(decision);
        if (earlier === undefined || this.replaying) this.scheduleNextHeight(decision);
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

/**
 * During a WAL replay: what was signed went out before the crash (and is in the log as an
 * input, or comes back from peers), and equivocations were reported already.
 */
function replayPerforms(effect: ConsensusEffect): boolean {
  return effect.kind !== "sign_proposal" && effect.kind !== "sign_vote" && effect.kind !== "equivocation";
}
