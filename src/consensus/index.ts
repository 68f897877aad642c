/** The consensus core: pure state machine, vote keeper, proposer selection and driver. */
export { buildCommit } from "./commit.js";
export {
  DEFAULT_MAX_PROPOSALS_PER_ROUND,
  DEFAULT_ROUND_WINDOW,
  Driver,
  type DriverOptions,
  type DriverOutput,
} from "./driver.js";
export { ConsensusError, type ConsensusErrorCode } from "./errors.js";
export { proposerFor, proposerSeed } from "./proposer.js";
export {
  applyStep,
  initialRoundState,
  type RoundState,
  type RoundStep,
  type StateMachineEffect,
  type StateMachineInput,
  type StateMachineOptions,
  type Transition,
} from "./state-machine.js";
export { MAX_TIMEOUT_MS, timeoutDuration } from "./timeouts.js";
export * from "./types.js";
export { type BlockValue, blockValue, type ConsensusValue } from "./value.js";
export {
  type AddVoteResult,
  NIL_KEY,
  VoteKeeper,
  type VoteKeeperOptions,
  voteValueKey,
} from "./vote-keeper.js";
