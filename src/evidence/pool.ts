/**
 * The evidence pool: collects duplicate-vote evidence (from this node's consensus driver and
 * from peers / broadcast_evidence), hands the proposer what fits in a block, verifies the
 * evidence of every block (it is the executor's EvidenceVerifier), and remembers what was
 * committed so no offence reaches the application twice.
 *
 * Wiring (the node host): driver `equivocation` effect → `reportConflictingVotes`; peers and
 * RPC → `add`; proposer → `pending(state)` into createProposalBlock({evidence}); after each
 * committed block (also blocks replayed at start-up) → `markCommitted(block, newState)`;
 * `subscribe` → gossip of newly added evidence.
 *
 * Persistence (the caller's LevelDB): 0x01‖key → encoded pending evidence, 0x02‖key →
 * committed marker, 0x03 → last height marked committed. Keys start with the evidence height
 * (see evidenceKey), so everything is in height order. Each change is one atomic batch.
 */
import type { EvidenceVerifier } from "../abci/executor.js";
import type { Misbehavior } from "../abci/types.js";
import { concatBytes, equalBytes, fromHex, readU64be, toHex, u64be } from "../codec/bytes.js";
import { errorMessage } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { type ChainState, nextHeight } from "../state/types.js";
import type { BatchOp, KV } from "../store/db.js";
import type { Block } from "../types/block.js";
import type { Vote } from "../types/vote.js";
import {
  checkPair,
  type DuplicateVoteEvidence,
  decodeEvidence,
  encodeEvidence,
  evidenceKey,
  misbehaviorOf,
  newDuplicateVoteEvidence,
  orderVotes,
} from "./duplicate-vote.js";
import { EvidenceError } from "./errors.js";
import {
  checkWindow,
  type EvidenceChainView,
  type EvidenceWindow,
  isExpired,
  verifyDuplicateVoteEvidence,
} from "./verify.js";

const PENDING = 0x01;
const COMMITTED = 0x02;
const META = Uint8Array.of(0x03);

/** Conflicting votes reported by consensus and not yet turned into evidence (per node, in memory). */
export const MAX_REPORTED_CONFLICTS = 1000;

export interface EvidencePoolOptions extends EvidenceChainView {
  readonly logger?: Logger;
}

export type AddEvidenceResult = "added" | "duplicate" | "committed";

interface PendingEntry {
  readonly key: string;
  readonly evidence: DuplicateVoteEvidence;
  readonly bytes: Uint8Array;
}

const windowFor = (state: ChainState): EvidenceWindow => ({
  lastBlockHeight: state.lastBlockHeight,
  blockHeight: nextHeight(state),
  maxAgeBlocks: state.consensusParams.evidence.maxAgeBlocks,
});

const heightOfKeyHex = (key: string): number => Number(readU64be(fromHex(key.slice(0, 16))));

export class EvidencePool implements EvidenceVerifier {
  private readonly pendingByKey = new Map<string, PendingEntry>();
  /** Committed offence keys (pruned once expired). */
  private readonly committed = new Set<string>();
  private readonly reported = new Map<string, { first: Vote; second: Vote }>();
  private readonly listeners = new Set<(bytes: Uint8Array, evidence: DuplicateVoteEvidence) => void>();
  private lastMarked = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  private constructor(
    private readonly db: KV,
    private readonly chain: EvidenceChainView,
    logger: Logger,
  ) {
    this.logger = logger;
  }

  /** Opens the pool on `db` and loads what it holds (pending and committed sets survive restarts). */
  static async open(db: KV, options: EvidencePoolOptions): Promise<EvidencePool> {
    const pool = new EvidencePool(db, options, options.logger ?? silentLogger);
    await pool.load();
    return pool;
  }

  private async load(): Promise<void> {
    for await (const [key, value] of this.db.entries({ prefix: Uint8Array.of(PENDING) })) {
      let evidence: DuplicateVoteEvidence;
      try {
        evidence = decodeEvidence(value);
      } catch (err) {
        throw new EvidenceError(
          "EVIDENCE_STORE_CORRUPT",
          `the evidence database holds an undecodable entry: ${errorMessage(err)}`,
          {},
          { cause: err },
        );
      }
      const k = toHex(key.subarray(1));
      this.pendingByKey.set(k, { key: k, evidence, bytes: value });
    }
    for await (const [key] of this.db.entries({ prefix: Uint8Array.of(COMMITTED) })) {
      this.committed.add(toHex(key.subarray(1)));
    }
    const meta = await this.db.get(META);
    if (meta !== undefined) {
      if (meta.length !== 8) throw new EvidenceError("EVIDENCE_STORE_CORRUPT", "bad evidence-store marker");
      this.lastMarked = Number(readU64be(meta));
    }
  }

  /** The last height whose block was passed to markCommitted (0: none). */
  get lastCommittedHeight(): number {
    return this.lastMarked;
  }

  get pendingCount(): number {
    return this.pendingByKey.size;
  }

  /** Pending evidence in key order (height first). */
  pendingEvidence(): DuplicateVoteEvidence[] {
    return this.sortedPending().map((e) => e.evidence);
  }

  isPending(evidence: DuplicateVoteEvidence): boolean {
    return this.pendingByKey.has(toHex(evidenceKey(evidence)));
  }

  isCommitted(evidence: DuplicateVoteEvidence): boolean {
    return this.committed.has(toHex(evidenceKey(evidence)));
  }

  /** Called with each newly added evidence (for gossip); returns the unsubscribe function. */
  subscribe(listener: (bytes: Uint8Array, evidence: DuplicateVoteEvidence) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * From the driver's `equivocation` effect. The votes are already verified; they become
   * evidence once their height is committed (the evidence carries that block's time).
   */
  reportConflictingVotes(first: Vote, second: Vote): void {
    const [voteA, voteB] = orderVotes(first, second);
    const probe = { voteA, voteB, totalVotingPower: 0, validatorPower: 0, timeMs: 0 };
    try {
      checkPair(probe);
    } catch (err) {
      this.logger.warn("ignoring a malformed conflicting-vote report", { err: errorMessage(err) });
      return;
    }
    const key = toHex(evidenceKey(probe));
    if (this.committed.has(key) || this.pendingByKey.has(key) || this.reported.has(key)) return;
    if (this.reported.size >= MAX_REPORTED_CONFLICTS) return;
    this.reported.set(key, { first: voteA, second: voteB });
  }

  /**
   * From a peer or broadcast_evidence: verified against `state` (it must be includable in
   * the next block), then kept and announced. Invalid evidence throws an EvidenceError.
   */
  add(input: Uint8Array | DuplicateVoteEvidence, state: ChainState): Promise<AddEvidenceResult> {
    return this.serialise(async () => {
      const evidence = input instanceof Uint8Array ? decodeEvidence(input) : input;
      const bytes = input instanceof Uint8Array ? input : encodeEvidence(evidence);
      const key = toHex(evidenceKey(evidence));
      if (this.committed.has(key)) return "committed";
      if (this.pendingByKey.has(key)) return "duplicate";
      await verifyDuplicateVoteEvidence(evidence, this.chain, windowFor(state));
      await this.db.put(this.pendingKey(key), bytes);
      this.addPending({ key, evidence, bytes });
      return "added";
    });
  }

  /**
   * What the proposer of the next block after `state` includes: unexpired pending evidence,
   * oldest first, while it fits in consensus_params.evidence.maxBytes.
   */
  pending(state: ChainState): Uint8Array[] {
    const { maxBytes, maxAgeBlocks } = state.consensusParams.evidence;
    const blockHeight = nextHeight(state);
    const out: Uint8Array[] = [];
    let size = 0;
    for (const entry of this.sortedPending()) {
      if (isExpired(entry.evidence.voteA.height, blockHeight, maxAgeBlocks)) continue;
      if (entry.evidence.voteA.height > state.lastBlockHeight) continue;
      if (size + entry.bytes.length > maxBytes) break;
      size += entry.bytes.length;
      out.push(entry.bytes);
    }
    return out;
  }

  /**
   * The executor's check of a block's evidence (block at nextHeight(state)): each item
   * decodes canonically, is valid, appears once in the block and was never committed.
   * Returns the misbehaviour for BeginBlock, in block order.
   */
  async verify(state: ChainState, evidence: readonly Uint8Array[]): Promise<readonly Misbehavior[]> {
    const window = windowFor(state);
    const seen = new Set<string>();
    const out: Misbehavior[] = [];
    for (const [i, bytes] of evidence.entries()) {
      const ev = decodeEvidence(bytes);
      const key = toHex(evidenceKey(ev));
      const at = { index: i, height: ev.voteA.height };
      if (seen.has(key)) {
        throw new EvidenceError(
          "EVIDENCE_DUPLICATE",
          `evidence #${i} repeats an offence already in this block`,
          at,
        );
      }
      seen.add(key);
      if (this.committed.has(key)) {
        throw new EvidenceError(
          "EVIDENCE_COMMITTED",
          `evidence #${i} (height ${ev.voteA.height}) was already committed in an earlier block`,
          at,
        );
      }
      const known = this.pendingByKey.get(key);
      if (known !== undefined && equalBytes(known.bytes, bytes)) {
        // Verified when it entered the pool; the past does not change, only the window moves.
        checkWindow(ev, window);
      } else {
        await verifyDuplicateVoteEvidence(ev, this.chain, window);
      }
      out.push(misbehaviorOf(ev));
    }
    return out;
  }

  /**
   * After `block` was committed (`state` is the state after it): its evidence becomes
   * committed, reported conflicts of committed heights become pending evidence, and expired
   * entries are dropped. Idempotent; one atomic write.
   */
  markCommitted(block: Block, state: ChainState): Promise<void> {
    return this.serialise(async () => {
      const height = block.header.height;
      const ops: BatchOp[] = [];
      const committedNow: string[] = [];
      for (const bytes of block.evidence) {
        let ev: DuplicateVoteEvidence;
        try {
          ev = decodeEvidence(bytes);
        } catch (err) {
          // A committed block's evidence was verified; this only happens with a foreign block.
          this.logger.error("committed block carries undecodable evidence", {
            height,
            err: errorMessage(err),
          });
          continue;
        }
        const key = toHex(evidenceKey(ev));
        committedNow.push(key);
        ops.push({ type: "put", key: this.committedKey(key), value: new Uint8Array(0) });
        ops.push({ type: "del", key: this.pendingKey(key) });
      }
      const created = await this.evidenceFromReports(height, block, state, new Set(committedNow));
      for (const entry of created)
        ops.push({ type: "put", key: this.pendingKey(entry.key), value: entry.bytes });

      // Drop what can no longer be included in the next block.
      const { maxAgeBlocks } = state.consensusParams.evidence;
      const next = nextHeight(state);
      const expiredPending = [...this.pendingByKey.values()]
        .filter((e) => isExpired(e.evidence.voteA.height, next, maxAgeBlocks))
        .map((e) => e.key);
      const expiredCommitted = [...this.committed].filter((k) =>
        isExpired(heightOfKeyHex(k), next, maxAgeBlocks),
      );
      for (const key of expiredPending) ops.push({ type: "del", key: this.pendingKey(key) });
      for (const key of expiredCommitted) ops.push({ type: "del", key: this.committedKey(key) });
      const marked = Math.max(this.lastMarked, height);
      ops.push({ type: "put", key: META, value: u64be(marked) });
      await this.db.batch(ops);

      for (const key of committedNow) {
        this.pendingByKey.delete(key);
        this.committed.add(key);
      }
      for (const key of expiredPending) this.pendingByKey.delete(key);
      for (const key of expiredCommitted) this.committed.delete(key);
      this.lastMarked = marked;
      for (const entry of created) {
        if (!this.committed.has(entry.key)) this.addPending(entry);
      }
    });
  }

  /** Evidence for reported conflicts at heights up to `height`, verified against the chain. */
  private async evidenceFromReports(
    height: number,
    block: Block,
    state: ChainState,
    committedNow: ReadonlySet<string>,
  ): Promise<PendingEntry[]> {
    const created: PendingEntry[] = [];
    for (const [key, { first, second }] of [...this.reported]) {
      if (first.height > height) continue;
      this.reported.delete(key);
      if (this.committed.has(key) || committedNow.has(key) || this.pendingByKey.has(key)) continue;
      try {
        const validators = await this.chain.loadValidators(first.height);
        const validator = validators?.getByAddress(first.validatorAddress);
        const timeMs =
          first.height === height ? block.header.timeMs : await this.chain.loadBlockTime(first.height);
        if (validators === null || validator === undefined || timeMs === null) continue;
        const evidence = newDuplicateVoteEvidence(first, second, {
          totalVotingPower: validators.totalVotingPower,
          validatorPower: validator.votingPower,
          timeMs,
        });
        const chain: EvidenceChainView = {
          chainId: this.chain.chainId,
          loadValidators: async (h) => (h === first.height ? validators : this.chain.loadValidators(h)),
          loadBlockTime: async (h) => (h === first.height ? timeMs : this.chain.loadBlockTime(h)),
        };
        await verifyDuplicateVoteEvidence(evidence, chain, windowFor(state));
        created.push({ key, evidence, bytes: encodeEvidence(evidence) });
      } catch (err) {
        this.logger.warn("dropping a reported conflict that is not valid evidence", {
          height: first.height,
          err: errorMessage(err),
        });
      }
    }
    return created;
  }

  private addPending(entry: PendingEntry): void {
    this.pendingByKey.set(entry.key, entry);
    for (const listener of this.listeners) {
      try {
        listener(entry.bytes, entry.evidence);
      } catch (err) {
        this.logger.warn("evidence listener failed", { err: errorMessage(err) });
      }
    }
  }

  private sortedPending(): PendingEntry[] {
    // Keys have one length, so hex order is byte order (height first).
    return [...this.pendingByKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private pendingKey(key: string): Uint8Array {
    return concatBytes(Uint8Array.of(PENDING), fromHex(key));
  }

  private committedKey(key: string): Uint8Array {
    return concatBytes(Uint8Array.of(COMMITTED), fromHex(key));
  }

  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
