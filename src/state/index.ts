export {
  type AbciResponses,
  decodeAbciResponses,
  encodeAbciResponses,
  encodeDeterministicTxResult,
  resultsHash,
} from "./abci-responses.js";
export { decodeChainState, encodeChainState } from "./codec.js";
export { StateError, type StateErrorCode } from "./errors.js";
export { stateFromGenesis } from "./genesis.js";
export { StateStore } from "./state-store.js";
export {
  applyValidatorUpdates,
  MAX_BLOCK_BYTES,
  updateState,
  validateConsensusParams,
} from "./transition.js";
export { type ChainState, nextHeight } from "./types.js";
