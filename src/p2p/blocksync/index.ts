export { BlockSyncError, type BlockSyncErrorCode } from "./errors.js";
export {
  type BlockSyncRequest,
  type BlockSyncResponse,
  decodeBlockSyncRequest,
  decodeBlockSyncResponse,
  encodeBlockSyncRequest,
  encodeBlockSyncResponse,
} from "./messages.js";
export {
  BLOCKSYNC_PROTOCOL,
  type BlockRange,
  type BlockSource,
  type BlockSyncLimits,
  BlockSyncServer,
  type BlockSyncServerModules,
  type BlockSyncServerOptions,
  type PeerStatus,
  requestBlocks,
  requestStatus,
  type SyncedBlock,
} from "./protocol.js";
export {
  BlockSync,
  type BlockSyncHandlers,
  type BlockSyncModules,
  type BlockSyncOptions,
  type SyncProgress,
} from "./sync.js";
export { verifySyncedBlock } from "./verify.js";
