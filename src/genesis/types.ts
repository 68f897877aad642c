/**
 * The genesis document. On disk it is CometBFT's genesis.json shape (genesis_time, chain_id,
 * initial_height, consensus_params, validators, app_hash, app_state); in memory, this type.
 */
import type { ConsensusParams } from "../types/params.js";

export interface GenesisValidatorEntry {
  readonly address: Uint8Array;
  readonly pubKey: Uint8Array;
  readonly power: number;
  readonly name: string;
}

export interface GenesisDoc {
  readonly genesisTimeMs: number;
  readonly chainId: string;
  readonly initialHeight: number;
  readonly consensusParams: ConsensusParams;
  readonly validators: readonly GenesisValidatorEntry[];
  readonly appHash: Uint8Array;
  /** The `app_state` value as JSON text, handed to the application's InitChain untouched. */
  readonly appStateJson: string;
}
