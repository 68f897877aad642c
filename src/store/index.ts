export { BlockStore, BlockStoreError, type BlockStoreErrorCode } from "./block-store.js";
export {
  type BatchOp,
  Database,
  DEFAULT_CLOSE_TIMEOUT_MS,
  type KV,
  type OpenOptions,
  prefixEnd,
  type RangeOptions,
  StoreError,
  type StoreErrorCode,
  type WriteOptions,
} from "./db.js";
export { heightKey, heightOfKey, tableKey } from "./keys.js";
export { type DataPaths, dataPaths } from "./paths.js";
export type { BlockMeta, BlockStoreRange } from "./records.js";
