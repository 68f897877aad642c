/**
 * The in-process Application interface between consensus and the app (the seed's diagram:
 * Info, InitChain, CheckTx, BeginBlock, DeliverTx, EndBlock, Commit, Query).
 *
 * Consensus and the block executor depend only on this file; the app implements it and knows
 * nothing of consensus or the network. Calls for one block come strictly in the order
 * beginBlock → deliverTx* → endBlock → commit, never interleaved with another block.
 * checkTx and query may interleave with block execution; the app serves them from its own
 * check/committed state, never from the state of the block being executed.
 */
import type { Header } from "../types/block.js";
import type { ConsensusParams } from "../types/params.js";

export interface EventAttribute {
  readonly key: string;
  readonly value: string;
  /** Whether the indexer should index it (CometBFT's `index` flag). */
  readonly index: boolean;
}

export interface AbciEvent {
  readonly type: string;
  readonly attributes: readonly EventAttribute[];
}

/** Result codes shared by CheckTx and DeliverTx: 0 is success; the app defines the rest. */
export const CODE_OK = 0;

export interface ExecTxResult {
  readonly code: number;
  readonly codespace: string;
  readonly log: string;
  readonly info: string;
  readonly data: Uint8Array;
  readonly gasWanted: number;
  readonly gasUsed: number;
  readonly events: readonly AbciEvent[];
}

export type CheckTxMode = "new" | "recheck";

export interface CheckTxResult extends ExecTxResult {
  /** Sender and nonce let the mempool order txs per sender (set when the tx decoded). */
  readonly sender?: Uint8Array;
  readonly nonce?: number;
  /**
   * The nonce this sender's next tx must carry given the check state, when the tx was
   * rejected only because its nonce is ahead (`nonceAhead`); the mempool may park it.
   */
  readonly nonceAhead?: boolean;
  readonly priority?: bigint;
}

export interface InfoResponse {
  readonly data: string;
  readonly version: string;
  readonly appVersion: number;
  /** 0 before InitChain's state was ever committed. */
  readonly lastBlockHeight: number;
  readonly lastBlockAppHash: Uint8Array;
}

export interface GenesisValidator {
  readonly pubKey: Uint8Array;
  readonly power: number;
}

export interface InitChainRequest {
  readonly timeMs: number;
  readonly chainId: string;
  readonly initialHeight: number;
  readonly consensusParams: ConsensusParams;
  readonly validators: readonly GenesisValidator[];
  /** The genesis file's `app_state`, as JSON text. */
  readonly appStateJson: string;
}

export interface InitChainResponse {
  /** If non-empty, replaces the genesis validator set. */
  readonly validators: readonly GenesisValidator[];
  /** The app hash that goes into the header of the initial height. */
  readonly appHash: Uint8Array;
}

export interface VoteInfo {
  readonly validatorAddress: Uint8Array;
  readonly power: number;
  /** Whether its precommit for the previous block is in the block's last commit. */
  readonly signedLastBlock: boolean;
}

export interface Misbehavior {
  readonly type: "duplicate_vote";
  readonly validatorAddress: Uint8Array;
  readonly power: number;
  readonly height: number;
  readonly timeMs: number;
  readonly totalVotingPower: number;
}

export interface BeginBlockRequest {
  readonly hash: Uint8Array;
  readonly header: Header;
  readonly lastCommitInfo: { readonly round: number; readonly votes: readonly VoteInfo[] };
  readonly byzantineValidators: readonly Misbehavior[];
}

export interface BeginBlockResponse {
  readonly events: readonly AbciEvent[];
}

export interface ValidatorUpdate {
  readonly pubKey: Uint8Array;
  /** 0 removes the validator. Takes effect at height + 2. */
  readonly power: number;
}

export interface EndBlockRequest {
  readonly height: number;
}

export interface EndBlockResponse {
  readonly validatorUpdates: readonly ValidatorUpdate[];
  readonly consensusParamUpdates?: ConsensusParams;
  readonly events: readonly AbciEvent[];
}

export interface CommitResponse {
  /** The state root after this block; goes into the next block's header. */
  readonly appHash: Uint8Array;
  /** Blocks below this height may be pruned (0 = keep everything). */
  readonly retainHeight: number;
}

export interface QueryRequest {
  readonly path: string;
  readonly data: Uint8Array;
  /** 0 = latest committed height. */
  readonly height: number;
  readonly prove: boolean;
}

export interface ProofOp {
  readonly type: string;
  readonly key: Uint8Array;
  readonly data: Uint8Array;
}

export interface QueryResponse {
  readonly code: number;
  readonly log: string;
  readonly info: string;
  readonly index: number;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly proofOps: readonly ProofOp[] | null;
  readonly height: number;
  readonly codespace: string;
}

export interface Application {
  info(): Promise<InfoResponse>;
  initChain(req: InitChainRequest): Promise<InitChainResponse>;
  checkTx(tx: Uint8Array, mode: CheckTxMode): Promise<CheckTxResult>;
  /**
   * Optional: the stateless part of CheckTx/DeliverTx (decoding, signature) done ahead and
   * concurrently — the mempool calls it before a tx joins its serial CheckTx queue, the block
   * executor for a block's txs before BeginBlock — so it can run on other threads. It only
   * warms caches: CheckTx and DeliverTx still judge the tx. Never rejects. Returns undefined
   * when there is nothing to do ahead (no promise to wait for on the hot path).
   */
  preCheckTx?(tx: Uint8Array): Promise<void> | undefined;
  beginBlock(req: BeginBlockRequest): Promise<BeginBlockResponse>;
  deliverTx(tx: Uint8Array): Promise<ExecTxResult>;
  endBlock(req: EndBlockRequest): Promise<EndBlockResponse>;
  commit(): Promise<CommitResponse>;
  query(req: QueryRequest): Promise<QueryResponse>;
  /** Releases resources (database handles). */
  close(): Promise<void>;
}
