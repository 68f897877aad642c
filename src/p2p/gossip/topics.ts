/**
 * Gossip topics (one set per chain id, so two chains never mix messages), their size limits,
 * and gossipsub's per-topic score parameters.
 */
import type { TopicScoreParams } from "@libp2p/gossipsub/score";
import { DEFAULT_CONSENSUS_PARAMS } from "../../types/params.js";
import { txBatchEntrySize } from "./tx-batch.js";

export interface GossipTopics {
  /** Batches of txs (dccn.p2p.v1.TxBatch); version 1 carried one raw tx per message. */
  readonly tx: string;
  readonly proposal: string;
  readonly vote: string;
  /** Duplicate-vote evidence (dccn.evidence.v1.Evidence). */
  readonly evidence: string;
}

export type TopicKind = keyof GossipTopics;

export function gossipTopics(chainId: string): GossipTopics {
  return {
    tx: `/dccn/${chainId}/tx/2`,
    proposal: `/dccn/${chainId}/proposal/1`,
    vote: `/dccn/${chainId}/vote/1`,
    evidence: `/dccn/${chainId}/evidence/1`,
  };
}

/** Largest message accepted per topic; bigger ones are rejected before any decoding. */
export interface GossipLimits {
  /** Largest single tx; a tx-topic message (a batch) may be this plus its framing. */
  readonly maxTxBytes: number;
  /** A proposal carries its whole block. */
  readonly maxProposalBytes: number;
  readonly maxVoteBytes: number;
}

export const DEFAULT_GOSSIP_LIMITS: GossipLimits = {
  maxTxBytes: 1024 * 1024,
  maxProposalBytes: DEFAULT_CONSENSUS_PARAMS.block.maxBytes + 64 * 1024,
  maxVoteBytes: 1024,
};

export function topicLimit(limits: GossipLimits, kind: TopicKind): number {
  switch (kind) {
    case "tx":
      // A batch of one largest tx; senders close a batch before it would grow past this.
      return txBatchEntrySize(limits.maxTxBytes);
    case "proposal":
      return limits.maxProposalBytes;
    case "vote":
      return limits.maxVoteBytes;
    case "evidence":
      // Two votes plus the powers and time.
      return 2 * limits.maxVoteBytes + 256;
  }
}

/**
 * Score parameters for our topics. Invalid messages (P4, quadratic in their count) weigh
 * heavily: with the scorer's P5 penalty, one rejected message puts a peer below the gossip
 * threshold and three graylist it (its RPCs are then dropped unread). Mesh-delivery penalties (P3)
 * are off: consensus topics are quiet between heights and an idle tx topic would otherwise
 * punish every honest peer.
 */
export function topicScoreParams(): Partial<TopicScoreParams> {
  return {
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 0.5,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -10,
    invalidMessageDeliveriesDecay: 0.99,
  };
}
