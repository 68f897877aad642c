/**
 * The node configuration, `<home>/config/config.toml`. TOML keys are the snake_case forms of
 * these property names, grouped in CometBFT-like sections; top-level keys form `BaseConfig`.
 */
import type { LogLevel } from "../log.js";

export interface BaseConfig {
  /** A name for this node, shown to peers and in `/status`. */
  readonly moniker: string;
  /** Paths below are relative to the home directory unless absolute. */
  readonly dbDir: string;
  readonly genesisFile: string;
  readonly nodeKeyFile: string;
  readonly privValidatorKeyFile: string;
  readonly privValidatorStateFile: string;
}

export interface RpcConfig {
  /** `tcp://host:port` the JSON-RPC server listens on. */
  readonly laddr: string;
  readonly maxBodyBytes: number;
  readonly maxBatchSize: number;
  readonly corsAllowedOrigins: readonly string[];
  readonly timeoutBroadcastTxCommitMs: number;
  /** 0 = unlimited. */
  readonly maxOpenConnections: number;
  /** Requests per second per client IP; 0 = unlimited. */
  readonly rateLimitPerIp: number;
  /** Websocket connections at once; 0 turns /websocket off. */
  readonly maxSubscriptionClients: number;
  readonly maxSubscriptionsPerClient: number;
  /** Unread messages a websocket client may pile up before it is dropped as slow. */
  readonly subscriptionBufferSize: number;
  /** Serve the unsafe methods (dial_peers, unsafe_flush_mempool) to callers with the admin token. */
  readonly unsafe: boolean;
  /** `Authorization: Bearer <token>` for unsafe methods (at least 16 characters when `unsafe`). */
  readonly adminToken: string;
}

export interface P2pConfig {
  /** libp2p multiaddr to listen on, e.g. `/ip4/127.0.0.1/tcp/26656`. */
  readonly laddr: string;
  readonly bootstrapPeers: readonly string[];
  readonly persistentPeers: readonly string[];
}

export interface MempoolConfig {
  /** Maximum number of txs. */
  readonly size: number;
  readonly maxTxsBytes: number;
  readonly maxTxBytes: number;
  /** Recently seen tx hashes remembered to drop duplicates cheaply. */
  readonly cacheSize: number;
  /** Re-run CheckTx on the remaining txs after every block. */
  readonly recheck: boolean;
  /** Longest a locally admitted tx waits to be gossiped in a batch with others. */
  readonly gossipBatchWaitMs: number;
}

export interface ConsensusConfig {
  readonly walFile: string;
  readonly timeoutProposeMs: number;
  readonly timeoutProposeDeltaMs: number;
  readonly timeoutPrevoteMs: number;
  readonly timeoutPrevoteDeltaMs: number;
  readonly timeoutPrecommitMs: number;
  readonly timeoutPrecommitDeltaMs: number;
  readonly timeoutCommitMs: number;
  readonly createEmptyBlocks: boolean;
}

export interface AppConfig {
  /** Base units per gas below which CheckTx refuses a tx. */
  readonly minimumGasPrice: bigint;
  /** Threads verifying tx signatures beside the main thread; -1: one per spare core (at most 4), 0: none. */
  readonly signatureWorkers: number;
}

export type TxIndexer = "kv" | "null";

export interface TxIndexConfig {
  readonly indexer: TxIndexer;
  readonly retainHeights: number;
}

export interface InstrumentationConfig {
  readonly prometheus: boolean;
  /** `host:port` of the metrics endpoint. */
  readonly prometheusListenAddr: string;
}

export type LogFormat = "plain" | "json";

export interface LogConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

/** The sections of config.toml; `base` holds the top-level keys. */
export interface ConfigSections {
  readonly base: BaseConfig;
  readonly rpc: RpcConfig;
  readonly p2p: P2pConfig;
  readonly mempool: MempoolConfig;
  readonly consensus: ConsensusConfig;
  readonly app: AppConfig;
  readonly txIndex: TxIndexConfig;
  readonly instrumentation: InstrumentationConfig;
  readonly log: LogConfig;
}

export type SectionName = Exclude<keyof ConfigSections, "base">;

export interface NodeConfig extends BaseConfig, Omit<ConfigSections, "base"> {
  /** Absolute home directory (not stored in the file: the file lives inside it). */
  readonly home: string;
}

/** What `writeDefaultConfig` may change from the defaults. */
export type ConfigOverrides = Partial<BaseConfig> & {
  readonly [S in SectionName]?: Partial<ConfigSections[S]>;
};
