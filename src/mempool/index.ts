export { TxCache } from "./cache.js";
export { MempoolError, type MempoolErrorCode } from "./errors.js";
export {
  type AdmissionStatus,
  Mempool,
  type MempoolCheckResult,
  type MempoolCounters,
  type MempoolModules,
  type TxsAvailableListener,
} from "./mempool.js";
export { DEFAULT_MEMPOOL_OPTIONS, type MempoolOptions, resolveMempoolOptions } from "./options.js";
export { encodedTxSize } from "./size.js";
