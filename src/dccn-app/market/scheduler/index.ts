export { aggregateAllocations, instanceKey } from "./allocations.js";
export { MinHeap } from "./heap.js";
export { type IndexedInstance, type IndexQuery, InstanceIndex, type SearchResult } from "./instance-index.js";
export {
  idleShare,
  PROVIDER_INDEX_NAMES,
  type ProviderIndexInput,
  providerIndices,
} from "./provider-indices.js";
export { scheduleTasks } from "./schedule.js";
export {
  DEFAULT_WEIGHT_PARAMS,
  dominantShare,
  dominantShareOf,
  type WeightParams,
  weightedDominantShare,
  weightedShareOf,
  weightFromReputation,
} from "./share.js";
export {
  type Assignment,
  checkSchedulerParams,
  DEFAULT_SCHEDULER_PARAMS,
  type InstanceState,
  type PendingTask,
  type ProviderView,
  type ScheduleInput,
  type ScheduleResult,
  type SchedulerParams,
  type UserUsage,
  type UserView,
} from "./types.js";
