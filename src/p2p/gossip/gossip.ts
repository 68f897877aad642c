/**
 * Consensus and transaction gossip over gossipsub. Every received message is validated before
 * gossipsub relays it, in order of cost: size (before any decoding), per-peer rate, strict
 * canonical decoding, then the node's own checks (signature, known validator, height/round
 * window, CheckTx) through `GossipHandlers`. The verdict maps to gossipsub's Accept (deliver
 * and relay), Ignore (drop quietly) or Reject (drop and lower the sender's gossipsub score);
 * rejections, oversize messages and floods are also reported to the host's peer scorer, which
 * disconnects and bans repeat offenders.
 *
 * Handlers are also where delivery happens: an accepted vote has already been fed to consensus
 * when the handler returns, so there is no separate message event to wire.
 *
 * Txs travel in batches (`TxBatch`): `broadcastTx` queues a tx in a `TxBatcher`, which publishes
 * a batch when it is full or shortly after its first tx. On the tx topic the rate limit and the
 * stats count txs, not messages.
 */

import type { GossipsubMessage, Message } from "@libp2p/gossipsub";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import { decodeCanonical } from "../../codec/proto.js";
import type { InputVerdict } from "../../consensus/types.js";
import { errorMessage } from "../../errors.js";
import type { Logger } from "../../log.js";
import {
  decodeProposal,
  decodeVote,
  encodeProposal,
  encodeVote,
  type Proposal,
  type Vote,
} from "../../types/vote.js";
import type { P2pHost } from "../host.js";
import type { Misbehaviour } from "../peer-scorer.js";
import { PeerRateLimiter } from "../rate-limit.js";
import { type TopicKind, topicLimit } from "./topics.js";
import { decodeTxBatch, encodeTxBatch } from "./tx-batch.js";
import { DEFAULT_TX_BATCHER_OPTIONS, TxBatcher, type TxBatcherOptions } from "./tx-batcher.js";

export type GossipVerdict = "accept" | "ignore" | "reject";

/** The node's checks; each returns whether the message is valid, and delivers it if so. */
export interface GossipHandlers {
  /**
   * One received batch, in the sender's order. "reject" when any tx is forged or malformed:
   * the whole message is dropped and its sender penalised.
   */
  onTxBatch(txs: readonly Uint8Array[], from: string): GossipVerdict | Promise<GossipVerdict>;
  onProposal(proposal: Proposal, from: string): GossipVerdict | Promise<GossipVerdict>;
  onVote(vote: Vote, from: string): GossipVerdict | Promise<GossipVerdict>;
  /** Encoded evidence; absent: the topic's messages are ignored (not relayed). */
  onEvidence?(evidence: Uint8Array, from: string): GossipVerdict | Promise<GossipVerdict>;
}

/** Maps the consensus host's verdict (`receiveVote` / `receiveProposal`) to a gossip verdict. */
export function verdictFromConsensus(v: InputVerdict | "invalid_signature"): GossipVerdict {
  if (v === "invalid_signature") return "reject";
  if (v.status === "accepted") return "accept";
  return v.status === "rejected" ? "reject" : "ignore";
}

export interface GossipRateLimits {
  /**
   * Txs per second accepted from one peer (a batch costs its number of txs; burst: twice that).
   * A batch larger than the burst costs the whole burst, so it still passes from an idle peer.
   */
  readonly txPerSecond: number;
  /** Messages per second accepted from one peer on the other topics (burst: twice that). */
  readonly proposalPerSecond: number;
  readonly votePerSecond: number;
  /** Default 50. */
  readonly evidencePerSecond?: number;
}

/** Well above what an honest peer relays (a 4-validator localnet peaks near 2000 tx/s). */
export const DEFAULT_GOSSIP_RATE_LIMITS: GossipRateLimits = {
  txPerSecond: 10_000,
  proposalPerSecond: 20,
  votePerSecond: 2000,
};

/**
 * How long an accepted message waits before it is relayed, per topic. Peers that send us the
 * same message meanwhile, or tell us (IDONTWANT) they have it, are skipped: in a network where
 * every node hears the publisher directly that is every peer, and without the wait each large
 * message reached each node about three times (a relay decides as soon as its own validation
 * ends, before it has read its peers' IDONTWANTs). Small, latency-bound messages go at once.
 */
export const DEFAULT_RELAY_DELAY_MS: Readonly<Record<TopicKind, number>> = {
  tx: 50,
  proposal: 50,
  vote: 0,
  evidence: 0,
};

export interface ConsensusGossipOptions {
  readonly rateLimits?: GossipRateLimits;
  /** Per-topic relay delay (`DEFAULT_RELAY_DELAY_MS`). */
  readonly relayDelayMs?: Partial<Record<TopicKind, number>>;
  /** How outgoing txs are batched (`DEFAULT_TX_BATCHER_OPTIONS`); maxBytes is capped at the topic limit. */
  readonly txBatch?: TxBatcherOptions;
}

export interface ConsensusGossipModules {
  readonly host: P2pHost;
  readonly handlers: GossipHandlers;
  readonly logger: Logger;
}

/**
 * Counts per topic. On the tx topic every count but `oversize` is in txs (a batch counts as its
 * txs; a batch that does not decode counts as one rejected); elsewhere counts are messages.
 */
export interface TopicStats {
  accepted: number;
  ignored: number;
  rejected: number;
  oversize: number;
  rateLimited: number;
  published: number;
}

const KINDS: readonly TopicKind[] = ["tx", "proposal", "vote", "evidence"];

export class ConsensusGossip {
  private readonly limiters: Record<TopicKind, PeerRateLimiter>;
  private readonly counters: Record<TopicKind, TopicStats>;
  /** The tx limiter's burst: the most one batch can cost. */
  private readonly txBurst: number;
  private batcher: TxBatcher | null = null;
  private running = false;
  /** Topic name → its relay delay. */
  private readonly relayDelay = new Map<string, number>();
  private readonly relayTimers = new Set<NodeJS.Timeout>();
  private readonly onAccepted = (ev: CustomEvent<GossipsubMessage>) => this.scheduleRelay(ev.detail);

  constructor(
    private readonly opts: ConsensusGossipOptions,
    private readonly m: ConsensusGossipModules,
  ) {
    const rl = opts.rateLimits ?? DEFAULT_GOSSIP_RATE_LIMITS;
    const limiter = (perSecond: number) => new PeerRateLimiter({ perSecond, burst: perSecond * 2 });
    this.txBurst = rl.txPerSecond * 2;
    this.limiters = {
      tx: limiter(rl.txPerSecond),
      proposal: limiter(rl.proposalPerSecond),
      vote: limiter(rl.votePerSecond),
      evidence: limiter(rl.evidencePerSecond ?? 50),
    };
    const zero = (): TopicStats => ({
      accepted: 0,
      ignored: 0,
      rejected: 0,
      oversize: 0,
      rateLimited: 0,
      published: 0,
    });
    this.counters = { tx: zero(), proposal: zero(), vote: zero(), evidence: zero() };
  }

  /** Installs the topic validators and subscribes to the chain's topics. */
  start(): void {
    if (this.running) return;
    const { pubsub, topics } = this.m.host;
    const maxBytes = Math.min(
      this.opts.txBatch?.maxBytes ?? DEFAULT_TX_BATCHER_OPTIONS.maxBytes,
      topicLimit(this.m.host.gossipLimits, "tx"),
    );
    this.batcher = new TxBatcher(
      { ...this.opts.txBatch, maxBytes },
      (txs) => this.broadcastTxBatch(txs),
      (err) => this.m.logger.debug("tx batch publish failed", { err: errorMessage(err) }),
    );
    for (const kind of KINDS) {
      this.relayDelay.set(topics[kind], this.opts.relayDelayMs?.[kind] ?? DEFAULT_RELAY_DELAY_MS[kind]);
      pubsub.topicValidators.set(topics[kind], (peer, msg) => this.validate(kind, peer, msg));
      pubsub.subscribe(topics[kind]);
    }
    pubsub.addEventListener("gossipsub:message", this.onAccepted);
    this.running = true;
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.batcher?.stop();
    this.batcher = null;
    const { pubsub, topics } = this.m.host;
    pubsub.removeEventListener("gossipsub:message", this.onAccepted);
    for (const t of this.relayTimers) clearTimeout(t);
    this.relayTimers.clear();
    for (const kind of KINDS) {
      try {
        pubsub.unsubscribe(topics[kind]);
      } catch {
        // The router may already be stopped.
      }
      pubsub.topicValidators.delete(topics[kind]);
    }
  }

  stats(): Readonly<Record<TopicKind, Readonly<TopicStats>>> {
    return this.counters;
  }

  /** Queues `tx` for the next batch (nothing happens unless started). */
  broadcastTx(tx: Uint8Array): void {
    if (tx.length === 0 || tx.length > this.m.host.gossipLimits.maxTxBytes) {
      // Every peer would reject its batch (and penalise us): a local bug or misconfiguration.
      this.m.logger.error("not gossiping a tx of invalid size", {
        size: tx.length,
        limit: this.m.host.gossipLimits.maxTxBytes,
      });
      return;
    }
    this.batcher?.add(tx);
  }

  /** Publishes the queued txs now; resolves once they were handed to gossipsub. */
  flushTxs(): Promise<void> {
    return this.batcher?.flush() ?? Promise.resolve();
  }

  /** Publishes `txs` as one batch now, bypassing the queue (the batcher's sink). */
  broadcastTxBatch(txs: readonly Uint8Array[]): Promise<void> {
    return this.publish("tx", encodeTxBatch(txs), txs.length);
  }

  broadcastProposal(proposal: Proposal): void {
    void this.publish("proposal", encodeProposal(proposal));
  }

  broadcastVote(vote: Vote): void {
    void this.publish("vote", encodeVote(vote));
  }

  broadcastEvidence(evidence: Uint8Array): void {
    void this.publish("evidence", evidence);
  }

  private async publish(kind: TopicKind, data: Uint8Array, units = 1): Promise<void> {
    const limit = topicLimit(this.m.host.gossipLimits, kind);
    if (data.length > limit) {
      // Every peer would reject it (and penalise us): a local bug or misconfiguration.
      this.m.logger.error("not gossiping an oversize message", { kind, size: data.length, limit });
      return;
    }
    try {
      await this.m.host.pubsub.publish(this.m.host.topics[kind], data);
      this.counters[kind].published += units;
    } catch (err) {
      this.m.logger.debug("gossip publish failed", { kind, err: errorMessage(err) });
    }
  }

  private async validate(kind: TopicKind, peerId: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const peer = peerId.toString();
    const stats = this.counters[kind];
    const limit = topicLimit(this.m.host.gossipLimits, kind);
    if (msg.data.length > limit) {
      stats.oversize++;
      this.m.logger.debug("rejected oversize gossip", { kind, peer, size: msg.data.length, limit });
      return this.reject(peer, "oversize_message");
    }
    let txs: Uint8Array[] = [];
    if (kind === "tx") {
      // Decoded before the rate check, which counts txs (framing only: cheap next to CheckTx).
      try {
        txs = decodeTxBatch(msg.data);
      } catch (err) {
        return this.malformed(kind, peer, err);
      }
    }
    // Units of the rate limit and the stats: txs on the tx topic, messages elsewhere.
    const units = kind === "tx" ? txs.length : 1;
    // A batch bigger than the whole burst costs the burst, or it could never pass.
    const cost = kind === "tx" ? Math.max(1, Math.min(units, this.txBurst)) : 1;
    if (!this.limiters[kind].take(peer, cost)) {
      stats.rateLimited += units;
      this.m.host.penalize(peer, "flood");
      return TopicValidatorResult.Ignore;
    }
    let verdict: GossipVerdict;
    try {
      verdict = await (kind === "tx"
        ? this.m.handlers.onTxBatch(txs, peer)
        : this.deliver(kind, msg.data, peer));
    } catch (err) {
      if (err instanceof MalformedGossip) return this.malformed(kind, peer, err.cause);
      // Our handler failed: not the peer's fault.
      this.m.logger.warn("gossip handler failed", { kind, peer, err: errorMessage(err) });
      stats.ignored += units;
      return TopicValidatorResult.Ignore;
    }
    if (verdict === "accept") {
      stats.accepted += units;
      return TopicValidatorResult.Accept;
    }
    if (verdict === "reject") {
      stats.rejected += units;
      return this.reject(peer, "invalid_gossip");
    }
    stats.ignored += units;
    return TopicValidatorResult.Ignore;
  }

  /** Relays an accepted message (gossipsub emits only those) once its topic's delay is over. */
  private scheduleRelay({ msgId, propagationSource, msg }: GossipsubMessage): void {
    const delay = this.relayDelay.get(msg.topic);
    if (delay === undefined) return;
    const relay = () => {
      if (!this.running) return;
      try {
        this.m.host.relayAccepted(msgId, propagationSource.toString());
      } catch (err) {
        // The router may already be stopped.
        this.m.logger.debug("gossip relay failed", { err: errorMessage(err) });
      }
    };
    if (delay <= 0) {
      relay();
      return;
    }
    const timer = setTimeout(() => {
      this.relayTimers.delete(timer);
      relay();
    }, delay);
    this.relayTimers.add(timer);
  }

  private reject(peer: string, reason: Misbehaviour): TopicValidatorResult {
    this.m.host.penalize(peer, reason);
    return TopicValidatorResult.Reject;
  }

  /** Bytes that do not decode (canonically) as the topic's message: the sender's fault. */
  private malformed(kind: TopicKind, peer: string, cause: unknown): TopicValidatorResult {
    this.counters[kind].rejected++;
    this.m.logger.debug("rejected malformed gossip", { kind, peer, err: errorMessage(cause) });
    return this.reject(peer, "malformed_message");
  }

  private deliver(
    kind: Exclude<TopicKind, "tx">,
    data: Uint8Array,
    peer: string,
  ): GossipVerdict | Promise<GossipVerdict> {
    const { handlers } = this.m;
    switch (kind) {
      case "proposal":
        return handlers.onProposal(decodeStrict(data, "Proposal", decodeProposal, encodeProposal), peer);
      case "vote":
        return handlers.onVote(decodeStrict(data, "Vote", decodeVote, encodeVote), peer);
      case "evidence":
        return handlers.onEvidence?.(data, peer) ?? "ignore";
    }
  }
}

class MalformedGossip extends Error {}

/** Canonical decoding: a re-encoded variant of a message would dodge gossipsub's content-id dedup. */
function decodeStrict<T>(
  data: Uint8Array,
  name: string,
  decode: (b: Uint8Array) => T,
  encode: (v: T) => Uint8Array,
): T {
  try {
    return decodeCanonical(data, name, decode, encode);
  } catch (err) {
    throw new MalformedGossip(`malformed ${name}`, { cause: err });
  }
}
