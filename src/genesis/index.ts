export { dccnAppStateJson, type GenesisAccount, parseGenesisAccounts } from "./app-state.js";
export { GenesisError, type GenesisErrorCode } from "./errors.js";
export {
  loadGenesisFile,
  MAX_BLOCK_SIZE_BYTES,
  MAX_CHAIN_ID_LENGTH,
  PUB_KEY_TYPE_ED25519,
  parseGenesis,
  serializeGenesis,
  validateChainId,
  writeGenesisFile,
} from "./genesis.js";
export { formatRfc3339Ms, parseRfc3339Ms } from "./time.js";
export type * from "./types.js";
