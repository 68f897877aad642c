/** Evidence of equivocation: duplicate-vote evidence, its verification, and the evidence pool. */
export {
  checkPair,
  type DuplicateVoteEvidence,
  decodeEvidence,
  encodeEvidence,
  evidenceHeight,
  evidenceKey,
  evidenceKeyHex,
  misbehaviorOf,
  newDuplicateVoteEvidence,
  orderVotes,
} from "./duplicate-vote.js";
export { EvidenceError, type EvidenceErrorCode } from "./errors.js";
export {
  type AddEvidenceResult,
  EvidencePool,
  type EvidencePoolOptions,
  MAX_REPORTED_CONFLICTS,
} from "./pool.js";
export {
  checkWindow,
  type EvidenceChainView,
  type EvidenceWindow,
  isExpired,
  verifyDuplicateVoteEvidence,
} from "./verify.js";
