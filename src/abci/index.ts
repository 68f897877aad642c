export { CommitError, type CommitErrorCode, type CommitTally, verifyCommit } from "./commit-verify.js";
export {
  type ApplyBlockResult,
  type BlockErrorCode,
  BlockExecutor,
  type BlockExecutorModules,
  type BlockExecutorOptions,
  BlockValidationError,
  type EvidenceVerifier,
  ExecError,
  type ExecErrorCode,
  executeBlockOnApp,
  lastCommitInfo,
  minNextBlockTime,
  type ProposalInput,
  rejectAllEvidence,
} from "./executor.js";
export {
  HandshakeError,
  type HandshakeErrorCode,
  type HandshakeModules,
  type HandshakeResult,
  handshake,
} from "./handshake.js";
export * from "./types.js";
