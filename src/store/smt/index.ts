/**
 * Authenticated application state: a versioned sparse Merkle tree whose root is the app hash.
 * Clients that only verify proofs should import `./proof.js` (no database dependency).
 */
export { BoundedCache, bytesKey } from "./cache.js";
export { SmtError, type SmtErrorCode } from "./errors.js";
export { EMPTY_HASH, innerNodeHash, keyHashOf, leafNodeHash, valueHashOf } from "./hashing.js";
export { appMetaKey, PREFIX_APP_META } from "./layout.js";
export { MAX_KEY_BYTES } from "./node.js";
export {
  assertProof,
  decodeSmtProof,
  encodeSmtProof,
  SMT_PROOF_TYPE,
  type SmtProof,
  verifyProof,
} from "./proof.js";
export {
  type RawBatchOp,
  type SmtChange,
  type SmtDb,
  type SmtProofResult,
  SmtStore,
  type SmtStoreOptions,
} from "./store.js";
