/**
 * WebAssembly contract runtime: deploy-time validation and gas/stack instrumentation, the host
 * API, a compiled-module cache, and instantiate/execute/query over a `HostEnv` the application
 * provides. See contracts/README.md for the contract-side ABI and SDK.
 */
export { ADDRESS_BYTES, decodeEvent, decodeU128, encodeEvent, encodeU128, U128_MAX } from "./abi.js";
export { type PreparedCode, prepareCode } from "./deploy.js";
export { isVmError, VmError, type VmErrorCode } from "./errors.js";
export { DEFAULT_GAS_SCHEDULE, type GasSchedule, type HostCosts, type InstructionCosts } from "./gas.js";
export {
  HOST_FUNCTIONS,
  HOST_MODULE,
  type HostFunctionName,
  INIT_EXPORT,
  isCallableMethodName,
} from "./host-api.js";
export type { ContractEvent, HostEnv, SnapshotId, StorageEntry } from "./host-env.js";
export { DEFAULT_VM_LIMITS, type VmLimits } from "./limits.js";
export { ModuleCache, type ModuleCacheStats } from "./module-cache.js";
export {
  type CallFailure,
  type CallResult,
  type CallSuccess,
  type ExecuteRequest,
  type InstantiateRequest,
  type QueryRequest,
  VmRuntime,
  type VmRuntimeOptions,
} from "./runtime.js";
export { type ValidatedModule, validateWasm } from "./validate.js";
