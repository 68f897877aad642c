/** Every tunable of the marketplace core in one place; phase 2 stores these as chain params. */
import { DEFAULT_LIFECYCLE_PARAMS, type LifecycleParams } from "./lifecycle.js";
import { DEFAULT_REPUTATION_PARAMS, type ReputationParams } from "./reputation.js";
import { DEFAULT_REWARD_PARAMS, type RewardParams } from "./rewards.js";
import { DEFAULT_WEIGHT_PARAMS, type WeightParams } from "./scheduler/share.js";
import { DEFAULT_SCHEDULER_PARAMS, type SchedulerParams } from "./scheduler/types.js";
import { DEFAULT_FEE_PARAMS, type FeeParams } from "./settlement.js";
import { DEFAULT_MARKET_LIMITS, type MarketLimits } from "./validate.js";

export interface MarketParams {
  readonly limits: MarketLimits;
  readonly lifecycle: LifecycleParams;
  readonly scheduler: SchedulerParams;
  readonly userWeight: WeightParams;
  readonly fees: FeeParams;
  readonly reputation: ReputationParams;
  readonly rewards: RewardParams;
}

export const DEFAULT_MARKET_PARAMS: MarketParams = {
  limits: DEFAULT_MARKET_LIMITS,
  lifecycle: DEFAULT_LIFECYCLE_PARAMS,
  scheduler: DEFAULT_SCHEDULER_PARAMS,
  userWeight: DEFAULT_WEIGHT_PARAMS,
  fees: DEFAULT_FEE_PARAMS,
  reputation: DEFAULT_REPUTATION_PARAMS,
  rewards: DEFAULT_REWARD_PARAMS,
};
