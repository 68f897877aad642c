/**
 * DCCN marketplace (issue 7). The core is pure, deterministic logic with plain data in and out —
 * task lifecycle, WDRF scheduler, metering checks, settlement math, reputation and rewards; the
 * app module (module/) wires it into state: msgs, escrow, EndBlock scheduling, queries.
 */
export { MarketError, type MarketErrorCode } from "./errors.js";
export { applyBps, BPS_ONE, ema, lnFixed, MAX_INT64, mulDiv, ONE } from "./fixed.js";
export {
  ALLOWED_EVENTS,
  DEFAULT_LIFECYCLE_PARAMS,
  isAckOverdue,
  isTerminal,
  type LifecycleParams,
  newTaskLifecycle,
  type TaskEvent,
  type TaskEventType,
  type TaskLifecycle,
  type TaskStatus,
  TERMINAL_STATUSES,
  transition,
} from "./lifecycle.js";
export {
  acceptUsageReport,
  acceptUsageReports,
  type MeterState,
  newMeterState,
  type UsageReport,
} from "./metering.js";
export * from "./module/index.js";
export { DEFAULT_MARKET_PARAMS, type MarketParams } from "./params.js";
export { type RatingTarget, ratingTargets } from "./rating.js";
export {
  completedRatio,
  DEFAULT_REPUTATION_PARAMS,
  type DealOutcome,
  logScaled,
  newReputation,
  type ReputationParams,
  type ReputationRecord,
  type ReputationRole,
  ratingScore,
  recordFee,
  recordOutcome,
  recordRating,
  reputationIndices,
  reputationScore,
  serviceLevel,
} from "./reputation.js";
export {
  addResources,
  assertResources,
  costOf,
  fitsWithin,
  fromVector,
  isZeroResources,
  RESOURCE_KINDS,
  type ResourceKind,
  type Resources,
  resources,
  resourcesEqual,
  scaleResources,
  subFloorZero,
  subResources,
  toVector,
  ZERO_RESOURCES,
} from "./resources.js";
export {
  assertRewardParams,
  DEFAULT_REWARD_PARAMS,
  distributeRewards,
  REWARD_FACTORS,
  REWARD_ROLES,
  type RewardDistribution,
  type RewardParams,
  type RewardParticipant,
  type RewardPayout,
  type RewardRole,
  rewardScore,
} from "./rewards.js";
export * from "./scheduler/index.js";
export {
  consumerCreditOf,
  consumerCreditPpm,
  providerServiceLevelOf,
  providerServiceLevelPpm,
} from "./service-level.js";
export {
  assertFeeParams,
  type ChargeBreakdown,
  chargeFor,
  DEFAULT_FEE_PARAMS,
  escrowForTask,
  type FeeParams,
  maxCharge,
  type SettleInput,
  type SettleResult,
  settle,
} from "./settlement.js";
export type { NodeInstance, Provider, TaskConstraints, TaskKind, TaskSpec } from "./types.js";
export {
  DEFAULT_MARKET_LIMITS,
  type MarketLimits,
  totalDemand,
  validateInstance,
  validateProviderInfo,
  validateTaskSpec,
} from "./validate.js";
