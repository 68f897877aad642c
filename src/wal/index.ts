export { WalError, type WalErrorCode } from "./errors.js";
export { ConsensusWal, type WalModules, type WalOptions, type WalReplay } from "./wal.js";
