import { DccnError } from "../errors.js";

export type WalErrorCode =
  /** A record in the middle of the log fails its checksum or is malformed (not a torn tail). */
  | "WAL_CORRUPT"
  /** An entry larger than `maxEntryBytes`. */
  | "WAL_ENTRY_TOO_LARGE"
  /** The log was closed, or a previous write failed and the log refuses further use. */
  | "WAL_CLOSED"
  | "WAL_IO"
  /** The log already records the requested height (or a later one) as ended. */
  | "WAL_AHEAD_OF_STATE"
  | "WAL_BAD_HEIGHT";

export class WalError extends DccnError<WalErrorCode> {
  constructor(
    code: WalErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "WalError";
  }
}
