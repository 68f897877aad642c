import { DccnError } from "../../errors.js";

export type BlockSyncErrorCode =
  /** A synced block does not match its own header (hashes), or is for the wrong chain/height. */
  | "BLOCKSYNC_INVALID_BLOCK"
  /** The block's commit is not +2/3 of the right validator set signing this block. */
  | "BLOCKSYNC_INVALID_COMMIT"
  /** Applying a verified block failed: local state or storage trouble, sync stops. */
  | "BLOCKSYNC_APPLY_FAILED"
  | "BLOCKSYNC_STOPPED";

export class BlockSyncError extends DccnError<BlockSyncErrorCode> {
  constructor(
    code: BlockSyncErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "BlockSyncError";
  }
}
