/** Errors of the event indexer and of the CometBFT query language. */
import { DccnError } from "../errors.js";

export type QueryErrorCode =
  /** The text is not a query of the grammar (the message names the offset and what was expected). */
  | "QUERY_SYNTAX"
  /** Longer than the caller allows (subscriptions: 512 characters, as CometBFT). */
  | "QUERY_TOO_LONG";

export class QueryError extends DccnError<QueryErrorCode> {
  constructor(code: QueryErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "QueryError";
  }
}

export type IndexerErrorCode =
  /** A stored record does not decode: the index is damaged and must be rebuilt. */
  | "INDEXER_CORRUPT"
  /** Bad options (negative retain height, ...). */
  | "INDEXER_BAD_OPTIONS"
  /** The indexer was closed. */
  | "INDEXER_CLOSED"
  /** The indexer's worker thread failed to start or stopped; restart the node to index again. */
  | "INDEXER_UNAVAILABLE"
  /** A message between the node and the indexer's worker thread is malformed. */
  | "INDEXER_BAD_MESSAGE"
  /** The worker's indexer failed with an error that is not an IndexerError (meta.workerCode). */
  | "INDEXER_FAILED";

export class IndexerError extends DccnError<IndexerErrorCode> {
  constructor(
    code: IndexerErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "IndexerError";
  }
}
