/**
 * What the RPC server needs from the node: a narrow view over the block store, the state
 * store, the mempool, the application and the event bus. The node passes its real objects;
 * method names follow the stores in src/store and src/state. Every read may be synchronous or
 * asynchronous (the server always awaits), and a missing entry may be `undefined` or `null`.
 */
import type {
  Application,
  BeginBlockResponse,
  CheckTxResult,
  EndBlockResponse,
  ExecTxResult,
} from "../abci/types.js";
import type { EventBus } from "../events/bus.js";
import type { EventIndexReader } from "../indexer/indexer.js";
import type { Block, Commit, Header } from "../types/block.js";
import type { ConsensusParams } from "../types/params.js";
import type { ValidatorSet } from "../types/validator.js";
import type { Vote } from "../types/vote.js";

export type MaybePromise<T> = T | Promise<T>;
type Maybe<T> = T | null | undefined;

export interface RpcBlockMeta {
  readonly blockHash: Uint8Array;
  /** Size of the encoded block in bytes. */
  readonly blockSize: number;
  readonly header: Header;
  readonly numTxs: number;
}

export interface RpcBlockStore {
  /** Latest stored height; 0 when empty. */
  height(): MaybePromise<number>;
  /** Lowest stored height (after pruning); 0 when empty. */
  base(): MaybePromise<number>;
  loadBlock(height: number): MaybePromise<Maybe<Block>>;
  loadBlockByHash(hash: Uint8Array): MaybePromise<Maybe<Block>>;
  loadBlockMeta(height: number): MaybePromise<Maybe<RpcBlockMeta>>;
  /** The canonical commit for `height` (carried by block height+1). */
  loadCommit(height: number): MaybePromise<Maybe<Commit>>;
  /** The commit this node saw for `height` (for the latest block, before height+1 exists). */
  loadSeenCommit(height: number): MaybePromise<Maybe<Commit>>;
}

export interface RpcAbciResponses {
  readonly beginBlock: BeginBlockResponse;
  readonly txResults: readonly ExecTxResult[];
  readonly endBlock: EndBlockResponse;
}

export interface RpcStateStore {
  /** The set that signs block `height` (stored up to latest height + 1). */
  loadValidators(height: number): MaybePromise<Maybe<ValidatorSet>>;
  loadConsensusParams(height: number): MaybePromise<Maybe<ConsensusParams>>;
  loadAbciResponses(height: number): MaybePromise<Maybe<RpcAbciResponses>>;
}

/** The committed chain state the RPC reads beyond the block store (a subset of ChainState). */
export interface RpcChainState {
  readonly lastBlockHeight: number;
  /** The app hash after executing `lastBlockHeight` (goes into the next header). */
  readonly appHash: Uint8Array;
}

export interface RpcProtocolVersion {
  readonly p2p: number;
  readonly block: number;
  readonly app: number;
}

export interface RpcNodeInfo {
  /** Node id: lower-case hex of the node key's address (cosmjs parses it as hex). */
  readonly id: string;
  readonly listenAddr: string;
  /** The chain id. */
  readonly network: string;
  readonly version: string;
  readonly moniker: string;
  readonly protocolVersion: RpcProtocolVersion;
  /** Hex of the p2p channel ids; empty when not applicable. */
  readonly channels?: string;
}

export interface RpcPeer {
  readonly nodeInfo: RpcNodeInfo;
  readonly isOutbound: boolean;
  readonly remoteIp: string;
  readonly connectedForMs: number;
}

export interface RpcNetInfo {
  readonly listening: boolean;
  readonly listeners: readonly string[];
  readonly peers: readonly RpcPeer[];
}

export interface RpcMempool {
  /** Admits a tx through the app's CheckTx; throws (typed) when the mempool refuses it outright. */
  /** The result carries the tx hash when the mempool computed it (saves hashing again). */
  checkTx(tx: Uint8Array): Promise<CheckTxResult & { readonly hash?: Uint8Array }>;
  size(): number;
  sizeBytes(): number;
  /** Up to `limit` pending txs in reap order. */
  unconfirmedTxs(limit: number): MaybePromise<readonly Uint8Array[]>;
}

export interface RpcValidatorKey {
  readonly address: Uint8Array;
  readonly pubKey: Uint8Array;
}

export interface RpcEnv {
  readonly blockStore: RpcBlockStore;
  readonly stateStore: RpcStateStore;
  chainState(): MaybePromise<RpcChainState>;
  nodeInfo(): RpcNodeInfo;
  /** This node's consensus key; null on a node without one. Its power is read from the state store. */
  readonly validatorKey: RpcValidatorKey | null;
  /** True while the node is block-syncing rather than following consensus. */
  isCatchingUp(): boolean;
  /** The genesis file (CometBFT genesis.json shape), served verbatim. */
  readonly genesisJson: string;
  readonly mempool: RpcMempool;
  /** The app's query connection. `check_tx` calls checkTx in mode "new" without the mempool. */
  readonly app: Pick<Application, "info" | "query" | "checkTx">;
  readonly eventBus: EventBus;
  /** Peers and listeners; absent until the p2p layer reports them. */
  netInfo?(): MaybePromise<RpcNetInfo>;
  /** The event index (tx, tx_search, block_search); absent: indexing is off. */
  readonly indexer?: EventIndexReader;
  /** A snapshot of the consensus round (consensus_state, dump_consensus_state). */
  consensusState?(): MaybePromise<RpcConsensusState>;
  /** Hands evidence (its encoded bytes) to the evidence pool; returns the evidence hash. */
  broadcastEvidence?(evidence: Uint8Array): MaybePromise<Uint8Array>;
  /** Unsafe `dial_peers`: dials `peers` (multiaddrs or id@host:port). */
  dialPeers?(peers: readonly string[], opts: RpcDialOptions): MaybePromise<void>;
  /** Unsafe `unsafe_flush_mempool`: drops every pending tx. */
  flushMempool?(): MaybePromise<void>;
}

export interface RpcDialOptions {
  readonly persistent: boolean;
  readonly unconditional: boolean;
  readonly private: boolean;
}

/** The votes of one round, one slot per validator in set order (null: none received). */
export interface RpcRoundVotes {
  readonly round: number;
  readonly prevotes: readonly (Vote | null)[];
  readonly precommits: readonly (Vote | null)[];
}

export interface RpcConsensusPeer {
  /** `id@host:port` or a multiaddr. */
  readonly nodeAddress: string;
  readonly height: number;
  readonly round: number;
  readonly step: RpcRoundStep;
}

export type RpcRoundStep = "unstarted" | "propose" | "prevote" | "precommit" | "commit";

/** What the consensus driver reports about the height in progress. */
export interface RpcConsensusState {
  readonly height: number;
  readonly round: number;
  readonly step: RpcRoundStep;
  /** When this height started (wall clock, ms). */
  readonly startTimeMs: number;
  readonly validators: ValidatorSet;
  /** Index of this round's proposer in `validators`; -1 if unknown. */
  readonly proposerIndex: number;
  readonly proposalBlockHash: Uint8Array | null;
  readonly lockedRound: number;
  readonly lockedBlockHash: Uint8Array | null;
  readonly validRound: number;
  readonly validBlockHash: Uint8Array | null;
  readonly votes: readonly RpcRoundVotes[];
  /** What peers last told us of their round (dump_consensus_state). */
  readonly peers?: readonly RpcConsensusPeer[];
}
