import { DccnError } from "../errors.js";

export type MempoolErrorCode =
  | "MEMPOOL_BAD_OPTIONS"
  | "MEMPOOL_BAD_ARGUMENT"
  | "MEMPOOL_TX_EMPTY"
  | "MEMPOOL_TX_TOO_LARGE"
  | "MEMPOOL_TX_IN_CACHE"
  | "MEMPOOL_FULL"
  | "MEMPOOL_SENDER_PARKED_FULL"
  | "MEMPOOL_NONCE_PARKED"
  | "MEMPOOL_BUSY"
  | "MEMPOOL_APP_ERROR"
  | "MEMPOOL_WAIT_ABORTED";

/**
 * A tx the mempool refused before or around the app's CheckTx (size, duplicate, full, busy).
 * The app's own rejections are not errors: they come back as a result with a non-zero code.
 */
export class MempoolError extends DccnError<MempoolErrorCode> {
  constructor(
    code: MempoolErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "MempoolError";
  }
}
