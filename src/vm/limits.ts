/**
 * Size and resource limits. Validation limits are checked once at deploy; runtime limits on every
 * call. All of them feed consensus (a limit decides whether a tx fails), so every node must run
 * with the same values: treat a change as a chain upgrade.
 */
export interface VmLimits {
  /** Bytes of the wasm binary as submitted. */
  readonly maxCodeBytes: number;
  /** Functions defined by the module (imports excluded). */
  readonly maxFunctions: number;
  /** Bytes of one function body in the code section. */
  readonly maxFunctionBodyBytes: number;
  /** Parameters plus declared locals of one function. */
  readonly maxLocals: number;
  /** Nesting depth of one function's expression tree (binaryen IR), checked at instrumentation. */
  readonly maxExpressionDepth: number;
  readonly maxImports: number;
  readonly maxGlobals: number;
  readonly maxTypes: number;
  readonly maxExports: number;
  /** Linear memory cap in 64 KiB pages; a module's declared maximum is lowered to it. */
  readonly maxMemoryPages: number;
  /** Initial (= final: tables cannot grow without reference types) function table size. */
  readonly maxTableElements: number;
  /**
   * Injected call-stack budget in "stack units" (~8 bytes of native stack each). A function
   * frame costs FRAME_BASE_UNITS + params + locals + expression depth; nested contract calls
   * share the budget. Chosen so V8's own ~1 MB stack can never be exhausted first.
   */
  readonly maxStackUnits: number;
  /** Contract-to-contract nesting, counting the outermost call as depth 1. */
  readonly maxCallDepth: number;
  readonly maxInputBytes: number;
  readonly maxReturnBytes: number;
  readonly maxStorageKeyBytes: number;
  readonly maxStorageValueBytes: number;
  readonly maxEventTypeBytes: number;
  readonly maxEventAttributes: number;
  readonly maxEventBytes: number;
  readonly maxEventsPerCall: number;
  readonly maxDebugLogBytes: number;
  readonly maxMethodNameBytes: number;
}

export const DEFAULT_VM_LIMITS: VmLimits = Object.freeze({
  maxCodeBytes: 512 * 1024,
  maxFunctions: 4096,
  maxFunctionBodyBytes: 128 * 1024,
  maxLocals: 1024,
  maxExpressionDepth: 1024,
  maxImports: 64,
  maxGlobals: 512,
  maxTypes: 1024,
  maxExports: 256,
  maxMemoryPages: 64,
  maxTableElements: 8192,
  maxStackUnits: 40_000,
  maxCallDepth: 8,
  maxInputBytes: 64 * 1024,
  maxReturnBytes: 64 * 1024,
  maxStorageKeyBytes: 256,
  maxStorageValueBytes: 64 * 1024,
  maxEventTypeBytes: 64,
  maxEventAttributes: 32,
  maxEventBytes: 8 * 1024,
  maxEventsPerCall: 256,
  maxDebugLogBytes: 4 * 1024,
  maxMethodNameBytes: 64,
});

/** Fixed native-stack overhead of a wasm frame, in stack units (measured ~56 bytes in Liftoff). */
export const FRAME_BASE_UNITS = 8;
/** Stack units charged for the JS frames between a contract and the contract it calls. */
export const HOST_CALL_STACK_UNITS = 512;
