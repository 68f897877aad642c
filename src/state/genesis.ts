/** The chain state before the first block, from the genesis document (and InitChain's answer). */
import type { InitChainResponse } from "../abci/types.js";
import { equalBytes, toHexUpper } from "../codec/bytes.js";
import { addressFromPublicKey } from "../crypto/address.js";
import { merkleRoot } from "../crypto/merkle.js";
import { isDccnError } from "../errors.js";
import type { GenesisDoc } from "../genesis/types.js";
import { ValidatorSet } from "../types/validator.js";
import { StateError } from "./errors.js";
import { validateConsensusParams } from "./transition.js";
import type { ChainState } from "./types.js";

function buildSet(entries: readonly { pubKey: Uint8Array; power: number }[], source: string): ValidatorSet {
  try {
    return new ValidatorSet(
      entries.map((v) => ({
        address: addressFromPublicKey(v.pubKey),
        pubKey: v.pubKey,
        votingPower: v.power,
      })),
    );
  } catch (err) {
    if (isDccnError(err)) {
      throw new StateError(
        "STATE_INVALID_GENESIS",
        `${source} validators: ${err.message}`,
        {},
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * The genesis state. When InitChain's response carries validators they replace the genesis
 * ones, and its app hash (when non-empty) replaces the genesis app hash.
 */
export function stateFromGenesis(doc: GenesisDoc, initChain?: InitChainResponse): ChainState {
  if (doc.chainId.length === 0) throw new StateError("STATE_INVALID_GENESIS", "genesis chain id is empty");
  if (!Number.isSafeInteger(doc.initialHeight) || doc.initialHeight < 1) {
    throw new StateError("STATE_INVALID_GENESIS", `genesis initial height ${doc.initialHeight} must be >= 1`);
  }
  if (!Number.isSafeInteger(doc.genesisTimeMs) || doc.genesisTimeMs < 0) {
    throw new StateError("STATE_INVALID_GENESIS", `genesis time ${doc.genesisTimeMs} is not a valid time`);
  }
  try {
    validateConsensusParams(doc.consensusParams);
  } catch (err) {
    if (isDccnError(err)) throw new StateError("STATE_INVALID_GENESIS", `genesis ${err.message}`);
    throw err;
  }
  for (const v of doc.validators) {
    if (!equalBytes(v.address, addressFromPublicKey(v.pubKey))) {
      throw new StateError(
        "STATE_INVALID_GENESIS",
        `genesis validator ${v.name || toHexUpper(v.address)}: address does not match its public key`,
      );
    }
  }
  let validators: ValidatorSet;
  if (initChain !== undefined && initChain.validators.length > 0) {
    validators = buildSet(initChain.validators, "InitChain");
  } else if (doc.validators.length > 0) {
    validators = buildSet(doc.validators, "genesis");
  } else {
    throw new StateError(
      "STATE_NO_VALIDATORS",
      "neither the genesis file nor the application's InitChain provides any validator",
    );
  }
  const appHash = initChain !== undefined && initChain.appHash.length > 0 ? initChain.appHash : doc.appHash;
  return {
    chainId: doc.chainId,
    initialHeight: doc.initialHeight,
    lastBlockHeight: 0,
    lastBlockHash: new Uint8Array(0),
    lastBlockTimeMs: doc.genesisTimeMs,
    lastValidators: null,
    validators,
    nextValidators: validators,
    lastHeightValidatorsChanged: doc.initialHeight,
    consensusParams: doc.consensusParams,
    lastHeightConsensusParamsChanged: doc.initialHeight,
    lastResultsHash: merkleRoot([]),
    appHash,
  };
}
