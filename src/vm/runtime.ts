/**
 * The contract runtime: deploy (prepare code), instantiate, execute and query.
 *
 * Every call runs in a fresh instance (fresh memory) of the cached compiled module, under a gas
 * limit, inside a host snapshot: a failed call — trap, abort, out of gas, host error — reverts
 * all of its state changes, including those of nested calls that had succeeded, and reports the
 * gas it used. Events are collected per frame and dropped with a failed frame.
 *
 * Nested calls: a contract may call another with a gas cap (at most its remaining gas). The
 * callee runs in its own snapshot; if it fails, only its changes are reverted and the caller
 * gets status 1 and may carry on or abort. Re-entrancy rule: a contract may not be entered while
 * it is already on the call stack (A → B → A, or A → A, fails with VM_REENTRANCY). Depth is
 * limited to `maxCallDepth` frames.
 */
import { toHex } from "../codec/bytes.js";
import { type Logger, silentLogger } from "../log.js";
import { ADDRESS_BYTES } from "./abi.js";
import { type PreparedCode, prepareCode } from "./deploy.js";
import { VmError } from "./errors.js";
import { Frame } from "./frame.js";
import { DEFAULT_GAS_SCHEDULE, type GasSchedule } from "./gas.js";
import {
  GAS_GLOBAL_EXPORT,
  INIT_EXPORT,
  isCallableMethodName,
  MEMORY_EXPORT,
  STACK_GLOBAL_EXPORT,
  START_EXPORT,
} from "./host-api.js";
import type { ContractEvent, HostEnv } from "./host-env.js";
import { createHostImports, type NestedCall, type NestedCallOutcome } from "./host-functions.js";
import { DEFAULT_VM_LIMITS, HOST_CALL_STACK_UNITS, type VmLimits } from "./limits.js";
import { ModuleCache, type ModuleCacheStats } from "./module-cache.js";
import { Wasm, type WasmGlobal, type WasmImports, type WasmMemory } from "./wasm-api.js";

export interface VmRuntimeOptions {
  readonly limits?: Partial<VmLimits>;
  readonly schedule?: GasSchedule;
  /** Compiled modules kept in the LRU cache. */
  readonly cacheSize?: number;
  readonly logger?: Logger;
}

export interface InstantiateRequest {
  readonly codeHash: Uint8Array;
  /** The new contract's address (the application derives it). */
  readonly contract: Uint8Array;
  readonly sender: Uint8Array;
  /** Argument bytes passed to `init` (SDK convention: JSON). */
  readonly input: Uint8Array;
  /** ANKR moved from the sender to the new contract before `init` runs. */
  readonly amount?: bigint;
  readonly gasLimit: number;
}

export interface ExecuteRequest {
  readonly contract: Uint8Array;
  readonly sender: Uint8Array;
  readonly method: string;
  readonly input: Uint8Array;
  /** ANKR moved from the sender to the contract before the method runs. */
  readonly amount?: bigint;
  readonly gasLimit: number;
}

export interface QueryRequest {
  readonly contract: Uint8Array;
  readonly method: string;
  readonly input: Uint8Array;
  readonly gasLimit: number;
  /** Reported as caller/origin; defaults to the zero address. */
  readonly sender?: Uint8Array;
}

export interface CallSuccess {
  readonly ok: true;
  readonly data: Uint8Array;
  readonly gasUsed: number;
  readonly events: readonly ContractEvent[];
}

export interface CallFailure {
  readonly ok: false;
  readonly error: VmError;
  readonly gasUsed: number;
}

export type CallResult = CallSuccess | CallFailure;

interface FrameOutcome {
  readonly ok: boolean;
  readonly data: Uint8Array;
  readonly error?: VmError;
  readonly gasUsed: bigint;
  readonly events: readonly ContractEvent[];
}

const ZERO_ADDRESS = new Uint8Array(ADDRESS_BYTES);

export class VmRuntime {
  readonly limits: VmLimits;
  readonly schedule: GasSchedule;
  private readonly cache: ModuleCache;
  private readonly logger: Logger;
  private readonly imports: WasmImports;
  private readonly frames: Frame[] = [];

  constructor(opts: VmRuntimeOptions = {}) {
    this.limits = Object.freeze({ ...DEFAULT_VM_LIMITS, ...opts.limits });
    this.schedule = opts.schedule ?? DEFAULT_GAS_SCHEDULE;
    this.cache = new ModuleCache(opts.cacheSize ?? 64);
    this.logger = opts.logger ?? silentLogger;
    this.imports = createHostImports({
      limits: this.limits,
      schedule: this.schedule,
      current: () => {
        const f = this.frames[this.frames.length - 1];
        if (f === undefined)
          throw new VmError("VM_BAD_REQUEST", "host function called outside a contract call");
        return f;
      },
      call: (parent, call) => this.nestedCall(parent, call),
    });
  }

  /**
   * Deploy: validates, instruments and compiles `wasm` (throws a VmError naming the reason on
   * rejection). The caller stores `code` under `codeHash`; the compiled module is cached.
   */
  prepareCode(wasm: Uint8Array): PreparedCode {
    const prepared = prepareCode(wasm, this.limits, this.schedule);
    this.cache.get(prepared.codeHash, () => prepared.code);
    return prepared;
  }

  cacheStats(): ModuleCacheStats {
    return this.cache.stats();
  }

  /** Creates a contract at `req.contract` running `req.codeHash`, then calls its `init` export (if any). */
  instantiate(env: HostEnv, req: InstantiateRequest): CallResult {
    this.assertIdle();
    const gasLimit = checkGasLimit(req.gasLimit);
    if (env.getCode(req.codeHash) === undefined) {
      const hash = toHex(req.codeHash);
      return failure(new VmError("VM_CODE_NOT_FOUND", `no code stored under hash ${hash}`), 0n);
    }
    if (env.getContractCodeHash(req.contract) !== undefined) {
      const at = toHex(req.contract);
      return failure(new VmError("VM_CONTRACT_EXISTS", `a contract already exists at ${at}`), 0n);
    }
    const frame = topFrame(env, req.contract, req.sender, req.amount ?? 0n, req.input, false, gasLimit);
    // The registration and the init call succeed or fail together.
    const snap = env.snapshot();
    let outcome: FrameOutcome;
    try {
      env.createContract(req.contract, req.codeHash, req.sender);
      outcome = this.runFrame(frame, INIT_EXPORT, true);
    } catch (err) {
      env.revert(snap);
      if (err instanceof VmError) return failure(err, 0n);
      throw err;
    }
    if (outcome.ok) env.release(snap);
    else env.revert(snap);
    return toResult(outcome);
  }

  /** Calls `req.method` on a contract as a state-changing transaction. */
  execute(env: HostEnv, req: ExecuteRequest): CallResult {
    this.assertIdle();
    const gasLimit = checkGasLimit(req.gasLimit);
    const frame = topFrame(env, req.contract, req.sender, req.amount ?? 0n, req.input, false, gasLimit);
    return toResult(this.runMethod(frame, req.method));
  }

  /** Calls `req.method` read-only: any write, transfer or event fails with VM_READ_ONLY. */
  query(env: HostEnv, req: QueryRequest): CallResult {
    this.assertIdle();
    const gasLimit = checkGasLimit(req.gasLimit);
    const frame = topFrame(env, req.contract, req.sender ?? ZERO_ADDRESS, 0n, req.input, true, gasLimit);
    // Belt and braces: even a successful query leaves no trace.
    const snap = env.snapshot();
    try {
      return toResult(this.runMethod(frame, req.method));
    } finally {
      env.revert(snap);
    }
  }

  private assertIdle(): void {
    if (this.frames.length > 0) {
      throw new VmError(
        "VM_BAD_REQUEST",
        "the runtime is already executing a call (calls are not re-entrant)",
      );
    }
  }

  private nestedCall(parent: Frame, call: NestedCall): NestedCallOutcome {
    const frame = new Frame({
      env: parent.env,
      contract: call.contract,
      caller: parent.contract,
      origin: parent.origin,
      amount: call.amount,
      input: call.input,
      readOnly: parent.readOnly,
      depth: parent.depth + 1,
      stackBase: parent.stackUnits() + HOST_CALL_STACK_UNITS,
      gasLimit: call.gasLimit,
    });
    const outcome = this.runMethod(frame, call.method);
    if (outcome.ok) {
      parent.events.push(...outcome.events);
      return { ok: true, data: outcome.data, gasUsed: outcome.gasUsed };
    }
    const error = outcome.error!;
    const data = new TextEncoder().encode(`${error.code}: ${error.message}`);
    return { ok: false, data, gasUsed: outcome.gasUsed };
  }

  /** Checks that apply to method calls (not init), then runs the frame. */
  private runMethod(frame: Frame, method: string): FrameOutcome {
    const l = this.limits;
    if (method.length > l.maxMethodNameBytes || !isCallableMethodName(method)) {
      return fail(
        new VmError("VM_METHOD_NOT_FOUND", `${JSON.stringify(method.slice(0, 80))} is not a callable method`),
      );
    }
    if (frame.depth > l.maxCallDepth) {
      return fail(new VmError("VM_CALL_DEPTH", `contract calls nest at most ${l.maxCallDepth} deep`));
    }
    if (this.frames.some((f) => f.contractHex === frame.contractHex)) {
      return fail(
        new VmError(
          "VM_REENTRANCY",
          `contract ${frame.contractHex} is already on the call stack (re-entrancy is not allowed)`,
        ),
      );
    }
    if (frame.stackBase > l.maxStackUnits) {
      return fail(new VmError("VM_STACK_OVERFLOW", "call stack limit reached"));
    }
    if (frame.env.getContractCodeHash(frame.contract) === undefined) {
      return fail(new VmError("VM_CONTRACT_NOT_FOUND", `no contract at ${frame.contractHex}`));
    }
    return this.runFrame(frame, method, false);
  }

  /**
   * Runs one frame inside its own snapshot. Contract failures become a failed outcome with the
   * state reverted; anything else (a bug in the host) is rethrown after reverting.
   */
  private runFrame(frame: Frame, method: string, optional: boolean): FrameOutcome {
    const { env } = frame;
    const l = this.limits;
    if (frame.input.length > l.maxInputBytes) {
      return fail(
        new VmError("VM_INPUT_TOO_LARGE", `input of ${frame.input.length} bytes exceeds ${l.maxInputBytes}`),
      );
    }
    const snap = env.snapshot();
    this.frames.push(frame);
    try {
      frame.charge(this.schedule.host.callFrame + frame.input.length * this.schedule.host.copyPerByte);
      const codeHash = env.getContractCodeHash(frame.contract);
      if (codeHash === undefined)
        throw new VmError("VM_CONTRACT_NOT_FOUND", `no contract at ${frame.contractHex}`);
      const module = this.cache.get(codeHash, () => env.getCode(codeHash));
      if (frame.amount > 0n && !env.transfer(frame.caller, frame.contract, frame.amount)) {
        throw new VmError(
          "VM_INSUFFICIENT_FUNDS",
          `caller ${toHex(frame.caller)} cannot attach ${frame.amount}: insufficient balance`,
        );
      }
      const { exports } = new Wasm.Instance(module, this.imports);
      const entry = exports[method];
      if (typeof entry !== "function") {
        if (!optional)
          throw new VmError("VM_METHOD_NOT_FOUND", `the contract has no method ${JSON.stringify(method)}`);
      }
      frame.attach(
        exports[MEMORY_EXPORT] as WasmMemory,
        exports[GAS_GLOBAL_EXPORT] as WasmGlobal,
        exports[STACK_GLOBAL_EXPORT] as WasmGlobal,
      );
      if (typeof entry === "function") {
        const start = exports[START_EXPORT];
        if (typeof start === "function") start();
        entry();
      }
      env.release(snap);
      return { ok: true, data: frame.returnData, gasUsed: frame.gasUsed(), events: frame.events };
    } catch (err) {
      env.revert(snap);
      const error = this.classify(err, frame);
      if (error === undefined) throw err;
      if (frame.depth === 1)
        this.logger.debug("contract call failed", { contract: frame.contractHex, code: error.code });
      return { ok: false, data: new Uint8Array(0), error, gasUsed: frame.gasUsed(), events: [] };
    } finally {
      this.frames.pop();
    }
  }

  /** Maps what unwound a frame to a deterministic VmError; undefined for host bugs. */
  private classify(err: unknown, frame: Frame): VmError | undefined {
    if (err instanceof VmError) return err;
    if (frame.gasLeft() < 0n) {
      return new VmError("VM_OUT_OF_GAS", `out of gas (limit ${frame.gasLimit})`, {
        gasLimit: frame.gasLimit,
      });
    }
    if (frame.stackUnits() > this.limits.maxStackUnits) {
      return new VmError(
        "VM_STACK_OVERFLOW",
        `call stack exceeded ${this.limits.maxStackUnits} units (recursion too deep)`,
      );
    }
    if (err instanceof Wasm.RuntimeError) {
      return new VmError("VM_TRAP", `contract trapped: ${err.message}`, { trap: err.message });
    }
    // V8's own stack limit: should be unreachable given maxStackUnits, mapped for safety.
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      return new VmError("VM_STACK_OVERFLOW", "native call stack exhausted");
    }
    return undefined;
  }
}

/** The frame of a call made by a transaction (or a query): caller and origin are the sender. */
function topFrame(
  env: HostEnv,
  contract: Uint8Array,
  sender: Uint8Array,
  amount: bigint,
  input: Uint8Array,
  readOnly: boolean,
  gasLimit: bigint,
): Frame {
  return new Frame({
    env,
    contract,
    caller: sender,
    origin: sender,
    amount,
    input,
    readOnly,
    depth: 1,
    stackBase: 0,
    gasLimit,
  });
}

function checkGasLimit(gasLimit: number): bigint {
  if (!Number.isSafeInteger(gasLimit) || gasLimit < 0) {
    throw new VmError("VM_BAD_REQUEST", `gas limit must be a non-negative safe integer, got ${gasLimit}`);
  }
  return BigInt(gasLimit);
}

function fail(error: VmError): FrameOutcome {
  return { ok: false, data: new Uint8Array(0), error, gasUsed: 0n, events: [] };
}

function failure(error: VmError, gasUsed: bigint): CallResult {
  return { ok: false, error, gasUsed: Number(gasUsed) };
}

function toResult(o: FrameOutcome): CallResult {
  if (o.ok) return { ok: true, data: o.data, gasUsed: Number(o.gasUsed), events: o.events };
  return failure(o.error!, o.gasUsed);
}
