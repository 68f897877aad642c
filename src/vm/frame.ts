/**
 * One contract call in progress: its context, its wasm instance and the gas/stack globals the
 * instrumentation injected, plus bounds-checked access to its linear memory.
 */
import { toHex } from "../codec/bytes.js";
import { VmError } from "./errors.js";
import type { ContractEvent, HostEnv } from "./host-env.js";
import type { WasmGlobal, WasmMemory } from "./wasm-api.js";

export interface FrameInit {
  readonly env: HostEnv;
  readonly contract: Uint8Array;
  readonly caller: Uint8Array;
  readonly origin: Uint8Array;
  readonly amount: bigint;
  readonly input: Uint8Array;
  readonly readOnly: boolean;
  readonly depth: number;
  /** Stack units already used by the calling frames. */
  readonly stackBase: number;
  readonly gasLimit: bigint;
}

export class Frame {
  readonly env: HostEnv;
  readonly contract: Uint8Array;
  readonly contractHex: string;
  readonly caller: Uint8Array;
  readonly origin: Uint8Array;
  readonly amount: bigint;
  readonly input: Uint8Array;
  readonly readOnly: boolean;
  readonly depth: number;
  readonly stackBase: number;
  readonly gasLimit: bigint;
  /** Variable-length host results waiting to be copied out by `result_read`. */
  register: Uint8Array = new Uint8Array(0);
  returnData: Uint8Array = new Uint8Array(0);
  readonly events: ContractEvent[] = [];
  private memory: WasmMemory | undefined;
  private gas: WasmGlobal | undefined;
  private stack: WasmGlobal | undefined;
  /** Gas left while no instance exists yet (fixed per-call charges). */
  private gasBeforeStart: bigint;

  constructor(init: FrameInit) {
    this.env = init.env;
    this.contract = init.contract;
    this.contractHex = toHex(init.contract);
    this.caller = init.caller;
    this.origin = init.origin;
    this.amount = init.amount;
    this.input = init.input;
    this.readOnly = init.readOnly;
    this.depth = init.depth;
    this.stackBase = init.stackBase;
    this.gasLimit = init.gasLimit;
    this.gasBeforeStart = init.gasLimit;
  }

  attach(memory: WasmMemory, gas: WasmGlobal, stack: WasmGlobal): void {
    this.memory = memory;
    this.gas = gas;
    this.stack = stack;
    gas.value = this.gasBeforeStart;
    stack.value = this.stackBase;
  }

  /** Gas left; negative after the injected metering trapped. */
  gasLeft(): bigint {
    return this.gas === undefined ? this.gasBeforeStart : (this.gas.value as bigint);
  }

  gasUsed(): bigint {
    const left = this.gasLeft();
    return left < 0n ? this.gasLimit : this.gasLimit - left;
  }

  stackUnits(): number {
    return this.stack === undefined ? this.stackBase : (this.stack.value as number);
  }

  /** Deducts host-side gas; on exhaustion leaves the frame with none and throws VM_OUT_OF_GAS. */
  charge(amount: number): void {
    const left = this.gasLeft() - BigInt(amount);
    if (left < 0n) {
      this.setGasLeft(-1n);
      throw new VmError("VM_OUT_OF_GAS", `out of gas (limit ${this.gasLimit})`, { gasLimit: this.gasLimit });
    }
    this.setGasLeft(left);
  }

  private setGasLeft(value: bigint): void {
    if (this.gas === undefined) this.gasBeforeStart = value;
    else this.gas.value = value;
  }

  private bytes(ptr: number, len: number): Uint8Array {
    if (this.memory === undefined)
      throw new VmError("VM_MEMORY_ACCESS", "the contract has no memory attached");
    const p = ptr >>> 0;
    const n = len >>> 0;
    const buffer = this.memory.buffer;
    if (p + n > buffer.byteLength) {
      throw new VmError(
        "VM_MEMORY_ACCESS",
        `host access [${p}, ${p + n}) is outside linear memory (${buffer.byteLength} bytes)`,
      );
    }
    return new Uint8Array(buffer, p, n);
  }

  /** A copy of `len` bytes at `ptr`. */
  read(ptr: number, len: number): Uint8Array {
    return this.bytes(ptr, len).slice();
  }

  write(ptr: number, data: Uint8Array): void {
    this.bytes(ptr, data.length).set(data);
  }

  /** Reads an AssemblyScript string (UTF-16LE, byte length at ptr-4); lenient, for messages. */
  readAsString(ptr: number, maxChars = 1024): string {
    const p = ptr >>> 0;
    if (p === 0 || this.memory === undefined || p < 4 || p > this.memory.buffer.byteLength) return "";
    const byteLen = new DataView(this.memory.buffer).getUint32(p - 4, true);
    const len = Math.min(byteLen, maxChars * 2, this.memory.buffer.byteLength - p) & ~1;
    const view = new DataView(this.read(p, len).buffer);
    let s = "";
    for (let i = 0; i < len; i += 2) s += String.fromCharCode(view.getUint16(i, true));
    return s;
  }
}
