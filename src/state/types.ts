/** The chain state the block executor carries from one block to the next. */
import type { ConsensusParams } from "../types/params.js";
import type { ValidatorSet } from "../types/validator.js";

export interface ChainState {
  readonly chainId: string;
  readonly initialHeight: number;
  /** 0 before the first block (whatever the initial height). */
  readonly lastBlockHeight: number;
  /** Empty before the first block. */
  readonly lastBlockHash: Uint8Array;
  /** Genesis time before the first block. */
  readonly lastBlockTimeMs: number;
  /** The set that signed the last block (its commit is in the next block); null at genesis. */
  readonly lastValidators: ValidatorSet | null;
  /** The set that signs lastBlockHeight + 1. */
  readonly validators: ValidatorSet;
  /** The set that signs lastBlockHeight + 2. */
  readonly nextValidators: ValidatorSet;
  /** The first height signed by the current `nextValidators` (when they last changed). */
  readonly lastHeightValidatorsChanged: number;
  /** The parameters for lastBlockHeight + 1. */
  readonly consensusParams: ConsensusParams;
  readonly lastHeightConsensusParamsChanged: number;
  /** Merkle root of the last block's deterministic tx results. */
  readonly lastResultsHash: Uint8Array;
  /** The app hash after the last block (after InitChain at genesis). */
  readonly appHash: Uint8Array;
}

/** The height of the next block to execute. */
export function nextHeight(state: ChainState): number {
  return state.lastBlockHeight === 0 ? state.initialHeight : state.lastBlockHeight + 1;
}
