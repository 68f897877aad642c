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
