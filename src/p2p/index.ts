/**
 * Networking: the libp2p host (identity, discovery, peer set, scoring), gossip of txs,
 * proposals and votes, consensus catch-up, and block sync. Consensus never imports this
 * folder; the node wires these modules to the consensus host through callbacks.
 */
export { allLoopback, type PeerAddress, parseListenAddress, parsePeerAddress } from "./addrs.js";
export * from "./blocksync/index.js";
export { EMPTY_ROUND_MESSAGES, type RoundMessages, type RoundRequest } from "./catchup/messages.js";
export {
  CATCHUP_PROTOCOL,
  type CatchupHandlers,
  type CatchupResult,
  type CurrentRound,
  RoundCatchup,
  type RoundCatchupModules,
  type RoundCatchupOptions,
} from "./catchup/round-catchup.js";
export { type P2pConfigInputs, p2pHostOptionsFromConfig, peerBookPath } from "./config.js";
export { P2pError, type P2pErrorCode } from "./errors.js";
export { Exchange, type ExchangeLimits } from "./exchange.js";
export {
  ConsensusGossip,
  type ConsensusGossipModules,
  type ConsensusGossipOptions,
  DEFAULT_GOSSIP_RATE_LIMITS,
  type GossipHandlers,
  type GossipRateLimits,
  type GossipVerdict,
  type TopicStats,
  verdictFromConsensus,
} from "./gossip/gossip.js";
export {
  DEFAULT_GOSSIP_LIMITS,
  type GossipLimits,
  type GossipTopics,
  gossipTopics,
  type TopicKind,
} from "./gossip/topics.js";
export { decodeTxBatch, encodeTxBatch, MAX_TX_BATCH_TXS, txBatchEntrySize } from "./gossip/tx-batch.js";
export {
  DEFAULT_TX_BATCHER_OPTIONS,
  type PublishTxBatch,
  TxBatcher,
  TxBatcherError,
  type TxBatcherOptions,
} from "./gossip/tx-batcher.js";
export {
  P2pHost,
  type P2pHostModules,
  type P2pHostOptions,
  type PeerListener,
  type PeerSummary,
  type ProtocolHandler,
} from "./host.js";
export { libp2pKeyFromSeed, peerIdFromSeed } from "./identity.js";
export { PeerBook, type PeerBookEntry, type PeerBookOptions } from "./peer-book.js";
export { type Misbehaviour, PENALTY, PeerScorer, type PeerScorerOptions } from "./peer-scorer.js";
export { PeerRateLimiter, type RateLimitOptions } from "./rate-limit.js";
export { settleWithin, withTimeout } from "./timeout.js";
