/** Event indexer (tx_index.db) and the CometBFT query language used by search and subscriptions. */
export type { BlockRecord, IndexedTx } from "./codec.js";
export { IndexerError, type IndexerErrorCode, QueryError, type QueryErrorCode } from "./errors.js";
export {
  type EncodedBlock,
  EventIndexer,
  type EventIndexReader,
  type IndexableBlock,
  type IndexerOptions,
  type IndexSource,
} from "./indexer.js";
export { type CompiledQuery, compileQuery, type EventMap, eventMapOf } from "./matcher.js";
export {
  type Condition,
  conditionPredicate,
  conditionText,
  parseQuery,
  type Query,
  type QueryArg,
  type QueryOp,
} from "./query.js";
export { searchBlocks, searchTxs, type TxRef } from "./search.js";
export { type ThreadedIndexable, ThreadedIndexer, type ThreadedIndexerOptions } from "./threaded.js";
