/**
 * The gas schedule. Instruction costs are baked into contract code when it is instrumented at
 * deploy (so they apply to code deployed under this schedule); host costs are charged by the
 * runtime on every host call. One unit of gas is roughly one simple wasm instruction.
 * Fees are gas used × gas price, computed by the application.
 */
export interface InstructionCosts {
  /** Any instruction not listed below (local/global access, constants, integer ALU, branches). */
  readonly base: number;
  readonly load: number;
  readonly store: number;
  readonly mul: number;
  /** Integer division and remainder. */
  readonly divRem: number;
  readonly call: number;
  readonly callIndirect: number;
  readonly memorySize: number;
  /** memory.grow: `memoryGrowBase` + pages × `memoryGrowPerPage`, charged before growing. */
  readonly memoryGrowBase: number;
  readonly memoryGrowPerPage: number;
  /** memory.copy / memory.fill: base + bytes × perByte, charged before the operation. */
  readonly bulkMemoryBase: number;
  readonly bulkMemoryPerByte: number;
}

export interface HostCosts {
  /** Every host call. */
  readonly hostCall: number;
  /** Copying bytes between linear memory and the host, per byte (inputs, results, return data). */
  readonly copyPerByte: number;
  /** Starting a call frame: a fresh instance and its memory. */
  readonly callFrame: number;
  readonly storageRead: number;
  readonly storageReadPerByte: number;
  readonly storageWrite: number;
  /** Storage writes are priced per byte of key + value. */
  readonly storageWritePerByte: number;
  readonly storageRemove: number;
  readonly storageNext: number;
  readonly balance: number;
  readonly transfer: number;
  readonly event: number;
  readonly eventPerByte: number;
  readonly sha256: number;
  readonly sha256PerByte: number;
  readonly ed25519Verify: number;
  /** A nested contract call, on top of the gas the callee uses. */
  readonly contractCall: number;
  readonly debugLog: number;
  /** Deploy: per byte of submitted code (validation, instrumentation, storage). */
  readonly deployPerByte: number;
}

export interface GasSchedule {
  /** Stamped into prepared code; bump when instruction costs or the instrumentation change. */
  readonly version: number;
  readonly instructions: InstructionCosts;
  readonly host: HostCosts;
}

export const DEFAULT_GAS_SCHEDULE: GasSchedule = Object.freeze({
  version: 1,
  instructions: Object.freeze({
    base: 1,
    load: 2,
    store: 2,
    mul: 2,
    divRem: 4,
    call: 4,
    callIndirect: 6,
    memorySize: 1,
    memoryGrowBase: 100,
    memoryGrowPerPage: 4096,
    bulkMemoryBase: 10,
    bulkMemoryPerByte: 1,
  }),
  host: Object.freeze({
    hostCall: 20,
    copyPerByte: 1,
    callFrame: 2000,
    storageRead: 300,
    storageReadPerByte: 2,
    storageWrite: 1000,
    storageWritePerByte: 30,
    storageRemove: 500,
    storageNext: 400,
    balance: 300,
    transfer: 2000,
    event: 500,
    eventPerByte: 10,
    sha256: 200,
    sha256PerByte: 1,
    ed25519Verify: 5000,
    contractCall: 5000,
    debugLog: 100,
    deployPerByte: 10,
  }),
});
