/**
 * The pure state transition after a block, and the checks on what the app may change.
 * EndBlock validator updates at height H take effect at H+2 (they change `nextValidators`);
 * consensus parameter updates at H take effect at H+1.
 */
import type { ValidatorUpdate } from "../abci/types.js";
import { toHex } from "../codec/bytes.js";
import { addressFromPublicKey } from "../crypto/address.js";
import { assertPublicKey } from "../crypto/ed25519.js";
import { isDccnError } from "../errors.js";
import type { Header } from "../types/block.js";
import type { ConsensusParams } from "../types/params.js";
import { MAX_TOTAL_VOTING_POWER, type Validator, type ValidatorSet } from "../types/validator.js";
import { type AbciResponses, resultsHash } from "./abci-responses.js";
import { StateError } from "./errors.js";
import type { ChainState } from "./types.js";

/** CometBFT's upper bound for a block (100 MiB). */
export const MAX_BLOCK_BYTES = 104_857_600;

/** Applies validator updates to `current`, rejecting anything that would break consensus. */
export function applyValidatorUpdates(
  current: ValidatorSet,
  updates: readonly ValidatorUpdate[],
): ValidatorSet {
  const invalid = (why: string, meta: Record<string, unknown> = {}) =>
    new StateError("STATE_INVALID_VALIDATOR_UPDATES", `invalid validator update: ${why}`, meta);
  const seen = new Set<string>();
  const changes: Validator[] = [];
  for (const u of updates) {
    try {
      assertPublicKey(u.pubKey);
    } catch {
      throw invalid(`public key must be a valid 32-byte Ed25519 key (got ${u.pubKey.length} bytes)`);
    }
    const id = toHex(u.pubKey);
    if (!Number.isSafeInteger(u.power) || u.power < 0 || u.power > MAX_TOTAL_VOTING_POWER) {
      throw invalid(`power ${u.power} of ${id} must be an integer in [0, ${MAX_TOTAL_VOTING_POWER}]`, {
        pubKey: id,
      });
    }
    if (seen.has(id)) throw invalid(`${id} appears twice`, { pubKey: id });
    seen.add(id);
    const address = addressFromPublicKey(u.pubKey);
    if (u.power === 0 && current.indexOf(address) < 0) {
      throw invalid(`cannot remove ${id}: not in the validator set`, { pubKey: id });
    }
    changes.push({ address, pubKey: u.pubKey, votingPower: u.power });
  }
  try {
    return current.update(changes);
  } catch (err) {
    if (isDccnError(err, "VALSET_EMPTY")) throw invalid("the resulting validator set would be empty");
    if (isDccnError(err)) throw invalid(err.message);
    throw err;
  }
}

/** Rejects consensus parameters that no chain could run with. */
export function validateConsensusParams(p: ConsensusParams): void {
  const bad = (why: string) => new StateError("STATE_INVALID_PARAMS", `invalid consensus params: ${why}`);
  const ints = [p.block.maxBytes, p.block.maxGas, p.evidence.maxAgeBlocks, p.evidence.maxBytes];
  if (!ints.every((n) => Number.isSafeInteger(n) && n >= 0))
    throw bad("values must be non-negative integers");
  if (p.block.maxBytes <= 0 || p.block.maxBytes > MAX_BLOCK_BYTES) {
    throw bad(`block.maxBytes ${p.block.maxBytes} must be in [1, ${MAX_BLOCK_BYTES}]`);
  }
  if (p.evidence.maxAgeBlocks <= 0) throw bad("evidence.maxAgeBlocks must be positive");
  if (p.evidence.maxBytes > p.block.maxBytes) {
    throw bad(`evidence.maxBytes ${p.evidence.maxBytes} exceeds block.maxBytes ${p.block.maxBytes}`);
  }
}

/**
 * The state after executing `header`'s block with `responses` and committing to `appHash`.
 * Pure: the same inputs give the same state on every node.
 */
export function updateState(
  state: ChainState,
  blockHash: Uint8Array,
  header: Header,
  responses: AbciResponses,
  appHash: Uint8Array,
): ChainState {
  const height = header.height;
  let nextValidators = state.nextValidators;
  let lastHeightValidatorsChanged = state.lastHeightValidatorsChanged;
  if (responses.endBlock.validatorUpdates.length > 0) {
    nextValidators = applyValidatorUpdates(state.nextValidators, responses.endBlock.validatorUpdates);
    lastHeightValidatorsChanged = height + 2;
  }
  let consensusParams = state.consensusParams;
  let lastHeightConsensusParamsChanged = state.lastHeightConsensusParamsChanged;
  const paramUpdates = responses.endBlock.consensusParamUpdates;
  if (paramUpdates !== undefined) {
    validateConsensusParams(paramUpdates);
    consensusParams = paramUpdates;
    lastHeightConsensusParamsChanged = height + 1;
  }
  return {
    chainId: state.chainId,
    initialHeight: state.initialHeight,
    lastBlockHeight: height,
    lastBlockHash: blockHash,
    lastBlockTimeMs: header.timeMs,
    lastValidators: state.validators,
    validators: state.nextValidators,
    nextValidators,
    lastHeightValidatorsChanged,
    consensusParams,
    lastHeightConsensusParamsChanged,
    lastResultsHash: resultsHash(responses.txResults),
    appHash,
  };
}
