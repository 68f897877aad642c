/** The validator's private signer: key file, last-sign guard, and the Signer that uses both. */
export { createFileAtomic, writeFileAtomic } from "./atomic-file.js";
export { PrivvalError, type PrivvalErrorCode } from "./errors.js";
export {
  generateValidatorKeyFile,
  loadValidatorKey,
  PRIVKEY_TYPE,
  PUBKEY_TYPE,
  saveValidatorKey,
} from "./key-file.js";
export {
  checkSign,
  decodeSignState,
  encodeSignState,
  INITIAL_SIGN_STATE,
  type LastSignState,
  type SignDecision,
  SignStep,
} from "./last-sign-state.js";
export { type ProposalToSign, Signer, type VoteToSign } from "./signer.js";
export { FileLastSignStore, type LastSignStore, MemoryLastSignStore } from "./state-store.js";
