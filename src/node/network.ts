/**
 * Wires the libp2p layer to the node: gossip of txs, proposals and votes into the mempool and
 * the consensus host; the round catch-up protocol; the block sync server and client. Consensus
 * never sees libp2p: it talks to this module through `ConsensusNetwork` and the host's
 * receive* methods.
 */
import type { NodeConfig } from "../config/types.js";
import { ResultCode } from "../dccn-app/codes.js";
import { EvidenceError } from "../evidence/errors.js";
import type { EvidencePool } from "../evidence/pool.js";
import type { Logger } from "../log.js";
import { MempoolError } from "../mempool/errors.js";
import type { Mempool } from "../mempool/mempool.js";
import {
  BlockSync,
  BlockSyncServer,
  ConsensusGossip,
  type GossipVerdict,
  P2pHost,
  p2pHostOptionsFromConfig,
  RoundCatchup,
  type SyncProgress,
  verdictFromConsensus,
} from "../p2p/index.js";
import type { BlockStore } from "../store/block-store.js";
import type { Block, Commit } from "../types/block.js";
import type { ValidatorSet } from "../types/validator.js";
import type { Proposal, Vote } from "../types/vote.js";
import type { ConsensusHost, ConsensusNetwork } from "./consensus-host.js";

/** App result codes that no honest node would relay (src/dccn-app/codes.ts). */
const FORGED_TX_CODES = new Set<number>([
  ResultCode.TX_DECODE,
  ResultCode.TX_TOO_LARGE,
  ResultCode.WRONG_CHAIN_ID,
  ResultCode.BAD_SIGNATURE,
]);

/**
 * The verdict on a tx batch from a peer: every tx goes to the mempool, and the batch is relayed
 * unless one is forged or malformed. Already seen, a stale nonce, an emptied balance, a full
 * mempool: not the relayer's fault (news that had not reached it yet), and gossipsub's
 * seen-cache stops the batch from looping. Our own failures throw (the batch is then ignored).
 */
export async function checkTxBatch(
  mempool: { checkTx(tx: Uint8Array): Promise<{ readonly code: number }> },
  txs: readonly Uint8Array[],
): Promise<GossipVerdict> {
  // Every check is issued before any is awaited: the mempool runs them in call order, and its
  // signature stage verifies the txs waiting in its queue together.
  const results = await Promise.allSettled(txs.map((tx) => mempool.checkTx(tx)));
  let failure: unknown = null;
  for (const r of results) {
    if (r.status === "fulfilled") {
      if (FORGED_TX_CODES.has(r.value.code)) return "reject";
    } else if (r.reason instanceof MempoolError) {
      if (r.reason.code === "MEMPOOL_TX_TOO_LARGE") return "reject";
    } else {
      failure ??= r.reason;
    }
  }
  if (failure !== null) throw failure;
  return "accept";
}

export interface NodeNetworkInputs {
  readonly config: NodeConfig;
  readonly chainId: string;
  readonly nodeKeySeed: Uint8Array;
  readonly maxBlockBytes: number;
}

/** What block sync needs from the node: the chain tip and a way to apply verified blocks. */
export interface ChainFollower {
  lastBlockHeight(): number;
  currentValidators(): ValidatorSet;
  applyBlock(block: Block, commit: Commit): Promise<void>;
}

export interface NodeNetworkModules {
  readonly blockStore: BlockStore;
  readonly mempool: Mempool;
  readonly evidence: EvidencePool;
  readonly logger: Logger;
}

/** Evidence errors that prove the sender forged or mangled it (others may be timing). */
const FORGED_EVIDENCE = new Set<string>([
  "EVIDENCE_MALFORMED",
  "EVIDENCE_BAD_SIGNATURE",
  "EVIDENCE_UNKNOWN_VALIDATOR",
  "EVIDENCE_MISMATCH",
]);

export class NodeNetwork implements ConsensusNetwork {
  private gossip: ConsensusGossip | null = null;
  private catchup: RoundCatchup | null = null;
  private sync: BlockSync | null = null;
  private server: BlockSyncServer | null = null;
  private consensus: ConsensusHost | null = null;
  private unsubscribeEvidence: (() => void) | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private behindAttempt: Promise<unknown> | null = null;

  private constructor(
    readonly host: P2pHost,
    private readonly m: NodeNetworkModules,
    private readonly txBatchWaitMs: number,
  ) {}

  static async create(inputs: NodeNetworkInputs, m: NodeNetworkModules): Promise<NodeNetwork> {
    const opts = p2pHostOptionsFromConfig(inputs.config, {
      chainId: inputs.chainId,
      nodeKeySeed: inputs.nodeKeySeed,
      maxBlockBytes: inputs.maxBlockBytes,
    });
    const host = await P2pHost.create(opts, { logger: m.logger });
    return new NodeNetwork(host, m, inputs.config.mempool.gossipBatchWaitMs);
  }

  /** Whether any peer is configured: a node without peers is alone and skips block sync. */
  static hasPeers(config: NodeConfig): boolean {
    return config.p2p.bootstrapPeers.length + config.p2p.persistentPeers.length > 0;
  }

  /** Starts listening, gossip (txs only until consensus attaches) and the block sync server. */
  async start(): Promise<void> {
    await this.host.start();
    this.server = new BlockSyncServer(
      {},
      {
        host: this.host,
        source: {
          base: () => this.m.blockStore.base(),
          height: () => this.m.blockStore.height(),
          loadBlock: (h) => this.m.blockStore.loadBlock(h),
          loadCommit: (h) => this.m.blockStore.loadCommit(h),
        },
        logger: this.m.logger.child("blocksync"),
      },
    );
    await this.server.start();
    this.gossip = new ConsensusGossip(
      { txBatch: { delayMs: this.txBatchWaitMs } },
      {
        host: this.host,
        logger: this.m.logger.child("gossip"),
        handlers: {
          onTxBatch: (txs) => checkTxBatch(this.m.mempool, txs),
          onProposal: (p) => this.onProposal(p),
          onVote: (v) => this.onVote(v),
          onEvidence: (e) => this.onEvidence(e),
        },
      },
    );
    this.gossip.start();
    // What operators need to see when a node seems deaf: per topic, who is subscribed and meshed.
    this.statusTimer = setInterval(() => this.logGossipStatus(), 10_000);
    this.statusTimer.unref();
    // Evidence this node found or was handed (RPC) goes to every peer.
    this.unsubscribeEvidence = this.m.evidence.subscribe((bytes) => this.gossip?.broadcastEvidence(bytes));
  }

  /**
   * Fetches blocks from peers until none is ahead; resolves with the height reached. The
   * follower applies each verified block.
   */
  async syncToTip(chainId: string, follower: ChainFollower): Promise<number> {
    let resolve: (h: number) => void = () => {};
    let reject: (err: unknown) => void = () => {};
    const caughtUp = new Promise<number>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const sync = new BlockSync(
      { chainId },
      {
        host: this.host,
        logger: this.m.logger.child("blocksync"),
        handlers: {
          lastBlockHeight: () => follower.lastBlockHeight(),
          currentValidators: () => follower.currentValidators(),
          applyBlock: (block, commit) => follower.applyBlock(block, commit),
          onCaughtUp: (height) => resolve(height),
          onFatal: (err) => reject(err),
        },
      },
    );
    this.sync = sync;
    sync.start();
    try {
      return await caughtUp;
    } finally {
      await sync.stop().catch(() => {});
      this.sync = null;
    }
  }

  /** True while block sync runs (RPC status `catching_up`). */
  get catchingUp(): boolean {
    return this.sync !== null;
  }

  syncProgress(): SyncProgress | null {
    return this.sync?.progress() ?? null;
  }

  /**
   * Proposals and votes go to `host` from now on (before consensus starts it keeps those for the
   * height it will start at).
   */
  deliverTo(host: ConsensusHost): void {
    this.consensus = host;
  }

  /** Peers are at `height`, beyond our next one: fetch decided blocks now rather than after a stall. */
  onBehind(height: number): void {
    const catchup = this.catchup;
    if (catchup === null || this.behindAttempt !== null) return;
    this.m.logger.debug("peers are ahead; catching up", { height });
    this.behindAttempt = catchup.catchUp().finally(() => {
      this.behindAttempt = null;
    });
  }

  /** Starts consensus catch-up for `host`: stalled rounds and missed heights are fetched from peers. */
  async attachConsensus(host: ConsensusHost): Promise<void> {
    this.consensus = host;
    this.catchup = new RoundCatchup(
      {},
      {
        host: this.host,
        logger: this.m.logger.child("catchup"),
        handlers: {
          currentRound: () => {
            const s = host.summary;
            return { height: s.height, round: s.round, hasProposal: host.hasProposal() };
          },
          getRoundMessages: (height, round) => host.roundMessages(height, round),
          onProposal: (p) => this.onProposal(p),
          onVote: (v) => this.onVote(v),
          onDecided: async (block, commit) => verdictFromConsensus(await host.receiveDecided(block, commit)),
        },
      },
    );
    await this.catchup.start();
  }

  broadcastProposal(proposal: Proposal): void {
    this.gossip?.broadcastProposal(proposal);
  }

  broadcastVote(vote: Vote): void {
    this.gossip?.broadcastVote(vote);
  }

  /** A tx this node admitted (RPC): relayed to peers in the next tx batch. */
  broadcastTx(tx: Uint8Array): void {
    // A node alone (a dev chain) has nobody to tell: skip the batching, encoding and hashing.
    if (this.host.pubsub.getSubscribers(this.host.topics.tx).length === 0) return;
    this.gossip?.broadcastTx(tx);
  }

  close(): Promise<void> {
    return this.stop();
  }

  async stop(): Promise<void> {
    await this.catchup?.stop().catch(() => {});
    await this.sync?.stop().catch(() => {});
    this.unsubscribeEvidence?.();
    if (this.statusTimer !== null) clearInterval(this.statusTimer);
    this.gossip?.stop();
    await this.server?.stop().catch(() => {});
    await this.host.stop();
  }

  private logGossipStatus(): void {
    const { pubsub, topics } = this.host;
    const stats = this.gossip?.stats();
    this.m.logger.debug("gossip status", {
      peers: this.host.connectedPeers().length,
      connections: this.host.connectionCount(),
      votes: {
        subscribers: pubsub.getSubscribers(topics.vote).length,
        mesh: this.host.meshPeers(topics.vote).length,
        ...stats?.vote,
      },
      proposals: {
        subscribers: pubsub.getSubscribers(topics.proposal).length,
        mesh: this.host.meshPeers(topics.proposal).length,
        ...stats?.proposal,
      },
      // Counted in txs (not batches).
      txs: {
        subscribers: pubsub.getSubscribers(topics.tx).length,
        mesh: this.host.meshPeers(topics.tx).length,
        ...stats?.tx,
      },
    });
  }

  private async onProposal(p: Proposal): Promise<GossipVerdict> {
    if (this.consensus === null) return "ignore";
    return verdictFromConsensus(await this.consensus.receiveProposal(p));
  }

  private async onEvidence(bytes: Uint8Array): Promise<GossipVerdict> {
    if (this.consensus === null) return "ignore";
    try {
      return (await this.m.evidence.add(bytes, this.consensus.chainState)) === "added" ? "accept" : "ignore";
    } catch (err) {
      if (err instanceof EvidenceError) return FORGED_EVIDENCE.has(err.code) ? "reject" : "ignore";
      throw err;
    }
  }

  private onVote(v: Vote): GossipVerdict {
    if (this.consensus === null) return "ignore";
    const verdict = this.consensus.receiveVote(v);
    // A conflicting vote is validly signed: relay it so every node sees the equivocation and
    // can build evidence; the relaying peer may well be honest.
    if (
      verdict !== "invalid_signature" &&
      verdict.status === "rejected" &&
      verdict.reason === "equivocation"
    ) {
      return "accept";
    }
    return verdictFromConsensus(verdict);
  }
}
