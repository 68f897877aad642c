/**
 * CometBFT v0.38 JSON-RPC result shapes as they travel: int64 as decimal strings, bytes as
 * base64, hashes as upper-case hex. Only the members clients here rely on are spelled out.
 */

export interface RpcPubKey {
  readonly type: string;
  readonly value: string;
}

export interface RpcEventAttribute {
  readonly key: string;
  readonly value: string;
  readonly index?: boolean;
}

export interface RpcEvent {
  readonly type: string;
  readonly attributes: readonly RpcEventAttribute[];
}

export interface StatusResult {
  readonly node_info: {
    readonly id: string;
    readonly listen_addr: string;
    /** The chain id. */
    readonly network: string;
    readonly version: string;
    readonly moniker: string;
    readonly [key: string]: unknown;
  };
  readonly sync_info: {
    readonly latest_block_hash: string;
    readonly latest_app_hash: string;
    readonly latest_block_height: string;
    readonly latest_block_time: string;
    readonly earliest_block_height?: string;
    readonly catching_up: boolean;
    readonly [key: string]: unknown;
  };
  readonly validator_info: {
    readonly address: string;
    readonly pub_key: RpcPubKey;
    readonly voting_power: string;
  };
}

export interface BlockId {
  readonly hash: string;
  readonly parts: { readonly total: number; readonly hash: string };
}

export interface BlockResult {
  readonly block_id: BlockId;
  readonly block: {
    readonly header: {
      readonly chain_id: string;
      readonly height: string;
      readonly time: string;
      readonly proposer_address: string;
      readonly app_hash: string;
      readonly [key: string]: unknown;
    };
    /** base64 txs. */
    readonly data: { readonly txs: readonly string[] | null };
    readonly [key: string]: unknown;
  };
}

export interface ExecTxResultJson {
  readonly code: number;
  readonly data?: string | null;
  readonly log: string;
  readonly info?: string;
  readonly gas_wanted: string;
  readonly gas_used: string;
  readonly events: readonly RpcEvent[];
  readonly codespace?: string;
}

export interface BlockResultsResult {
  readonly height: string;
  readonly txs_results: readonly ExecTxResultJson[] | null;
  readonly finalize_block_events: readonly RpcEvent[];
  readonly validator_updates: readonly unknown[] | null;
  readonly consensus_param_updates: unknown;
  readonly app_hash: string;
}

export interface TxResult {
  readonly hash: string;
  readonly height: string;
  readonly index: number;
  readonly tx_result: ExecTxResultJson;
  /** base64 tx bytes. */
  readonly tx: string;
  readonly proof?: unknown;
}

export interface AbciQueryResult {
  readonly response: {
    readonly code: number;
    readonly log: string;
    readonly info: string;
    readonly index: string;
    /** base64 */
    readonly key: string | null;
    /** base64 */
    readonly value: string | null;
    readonly proofOps: unknown;
    readonly height: string;
    readonly codespace: string;
  };
}

export interface BroadcastTxSyncResult {
  readonly code: number;
  readonly data: string | null;
  readonly log: string;
  readonly codespace: string;
  readonly hash: string;
}

export interface BroadcastTxCommitResult {
  readonly check_tx: ExecTxResultJson;
  readonly tx_result: ExecTxResultJson;
  readonly hash: string;
  readonly height: string;
}

export interface NumUnconfirmedTxsResult {
  readonly n_txs: string;
  readonly total: string;
  readonly total_bytes: string;
  readonly txs: readonly string[] | null;
}

export interface ValidatorsResult {
  readonly block_height: string;
  readonly validators: readonly {
    readonly address: string;
    readonly pub_key: RpcPubKey;
    readonly voting_power: string;
    readonly proposer_priority: string;
  }[];
  readonly count: string;
  readonly total: string;
}

/** `code` is always 0: async broadcasts return before CheckTx. */
export type BroadcastTxAsyncResult = BroadcastTxSyncResult;

/** `check_tx`: the app's CheckTx answer (the tx does not enter the mempool). */
export type CheckTxResultJson = ExecTxResultJson;

export interface AbciInfoResult {
  readonly response: {
    readonly data: string;
    readonly version: string;
    readonly app_version: string;
    readonly last_block_height: string;
    /** base64 */
    readonly last_block_app_hash: string;
  };
}

export interface HeaderResult {
  readonly header: BlockResult["block"]["header"] | null;
}

export interface BlockMetaJson {
  readonly block_id: BlockId;
  readonly block_size: string;
  readonly header: BlockResult["block"]["header"];
  readonly num_txs: string;
}

export interface BlockchainResult {
  readonly last_height: string;
  readonly block_metas: readonly BlockMetaJson[];
}

export interface CommitResult {
  readonly signed_header: {
    readonly header: BlockResult["block"]["header"];
    readonly commit: {
      readonly height: string;
      readonly round: number;
      readonly block_id: BlockId;
      readonly signatures: readonly unknown[];
    } | null;
  };
  readonly canonical: boolean;
}

export interface TxSearchResult {
  readonly txs: readonly TxResult[];
  readonly total_count: string;
}

export interface BlockSearchResult {
  readonly blocks: readonly BlockResult[];
  readonly total_count: string;
}

export interface GenesisResult {
  readonly genesis: {
    readonly genesis_time: string;
    readonly chain_id: string;
    readonly initial_height: string;
    readonly [key: string]: unknown;
  };
}

export interface GenesisChunkResult {
  readonly chunk: string;
  readonly total: string;
  /** base64 */
  readonly data: string;
}

export interface ConsensusParamsResult {
  readonly block_height: string;
  readonly consensus_params: Readonly<Record<string, unknown>>;
}

export interface NetInfoResult {
  readonly listening: boolean;
  readonly listeners: readonly string[];
  readonly n_peers: string;
  readonly peers: readonly unknown[];
}

export type UnconfirmedTxsResult = NumUnconfirmedTxsResult;
