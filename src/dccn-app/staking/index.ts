/** The staking module (SLSBFT election, slashing, rewards): its public surface. */
export {
  drawWeighted,
  electionSeed,
  type SetMember,
  setDiff,
  VOTING_POWER_TOTAL,
  votingPowers,
  type WeightedCandidate,
} from "./election.js";
export { type CandidateStanding, isEpochEnd, standingOf } from "./epoch.js";
export { BOOTSTRAP_STAKE_PER_POWER } from "./genesis.js";
export {
  REGISTER_CANDIDATE_GAS,
  STAKE_GAS,
  UNJAIL_GAS,
  UNSTAKE_GAS,
  UPDATE_CANDIDATE_GAS,
  WITHDRAW_CANDIDATE_GAS,
} from "./handlers.js";
export { REWARD_POOL, STAKING_POOL } from "./keys.js";
export { MARKET_SERVICE_LEVEL_INPUTS } from "./market-inputs.js";
export { createStakingModule, type StakingModuleOptions, stakingModule } from "./module.js";
export * from "./msgs.js";
export {
  DEFAULT_STAKING_PARAMS,
  PPM,
  parseStakingParamsJson,
  type StakingParams,
  stakingParamsToJson,
} from "./params.js";
export { Sha256Prng } from "./prng.js";
export type {
  CandidateJson,
  ElectionJson,
  ServiceLevelJson,
  StakeJson,
  UnbondingJson,
  ValidatorJson,
} from "./queries.js";
export {
  NO_MARKET_INPUTS,
  resolveServiceLevel,
  type ServiceLevel,
  type ServiceLevelInputs,
  type ServiceLevelSource,
} from "./service-level.js";
