/**
 * The host API implementation (see host-api.ts for the ABI). One import object serves every
 * instance of a runtime: each function acts on the frame on top of the call stack, which is the
 * frame whose wasm is running (calls are synchronous).
 *
 * Every function charges gas before doing work; failures throw a VmError that unwinds the wasm
 * and fails the frame.
 */
import { fromUtf8, utf8 } from "../codec/bytes.js";
import { verifySignature } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { ADDRESS_BYTES, decodeEvent, decodeU128, encodeU128, storageEntryBytes, U128_BYTES } from "./abi.js";
import { VmError } from "./errors.js";
import type { Frame } from "./frame.js";
import type { GasSchedule } from "./gas.js";
import { ABORT_MODULE, ABORT_NAME, HOST_FUNCTIONS, HOST_MODULE, type HostFunctionName } from "./host-api.js";
import type { VmLimits } from "./limits.js";
import type { WasmImports } from "./wasm-api.js";

export interface NestedCall {
  readonly contract: Uint8Array;
  readonly method: string;
  readonly input: Uint8Array;
  readonly amount: bigint;
  readonly gasLimit: bigint;
}

export interface NestedCallOutcome {
  readonly ok: boolean;
  /** Return data on success; `CODE: message` on failure. */
  readonly data: Uint8Array;
  readonly gasUsed: bigint;
}

export interface HostContext {
  readonly limits: VmLimits;
  readonly schedule: GasSchedule;
  /** The frame whose code is running. */
  current(): Frame;
  /** Runs a nested call to completion (its own snapshot, rollback on failure). */
  call(parent: Frame, call: NestedCall): NestedCallOutcome;
}

type HostImpl = { [K in HostFunctionName]: (...args: never[]) => unknown };

const lenient = new TextDecoder("utf-8");

export function createHostImports(ctx: HostContext): WasmImports {
  const { limits } = ctx;
  const h = ctx.schedule.host;
  const top = () => ctx.current();
  const writable = (f: Frame, what: string) => {
    if (f.readOnly) throw new VmError("VM_READ_ONLY", `${what} is not allowed in a read-only query`);
  };
  const key = (f: Frame, ptr: number, len: number): Uint8Array => {
    const n = len >>> 0;
    if (n === 0 || n > limits.maxStorageKeyBytes) {
      throw new VmError(
        "VM_BAD_HOST_ARGS",
        `storage keys must be 1..${limits.maxStorageKeyBytes} bytes, got ${n}`,
      );
    }
    return f.read(ptr, n);
  };
  const address = (f: Frame, ptr: number) => f.read(ptr, ADDRESS_BYTES);

  const impl: HostImpl = {
    input_len: () => {
      const f = top();
      f.charge(h.hostCall);
      return f.input.length;
    },
    input_read: (ptr: number) => {
      const f = top();
      f.charge(h.hostCall + f.input.length * h.copyPerByte);
      f.write(ptr, f.input);
    },
    return_data: (ptr: number, len: number) => {
      const f = top();
      const n = len >>> 0;
      f.charge(h.hostCall + Math.min(n, limits.maxReturnBytes + 1) * h.copyPerByte);
      if (n > limits.maxReturnBytes) {
        throw new VmError(
          "VM_RETURN_TOO_LARGE",
          `return data of ${n} bytes exceeds the limit of ${limits.maxReturnBytes} bytes`,
          { size: n, limit: limits.maxReturnBytes },
        );
      }
      f.returnData = f.read(ptr, n);
    },
    result_len: () => {
      const f = top();
      f.charge(h.hostCall);
      return f.register.length;
    },
    result_read: (ptr: number) => {
      const f = top();
      f.charge(h.hostCall + f.register.length * h.copyPerByte);
      f.write(ptr, f.register);
    },
    storage_get: (kp: number, kl: number) => {
      const f = top();
      f.charge(h.storageRead + (kl >>> 0) * h.storageReadPerByte);
      const value = f.env.storageGet(f.contract, key(f, kp, kl));
      if (value === undefined) {
        f.register = new Uint8Array(0);
        return -1;
      }
      f.charge(value.length * h.storageReadPerByte);
      f.register = value;
      return value.length;
    },
    storage_has: (kp: number, kl: number) => {
      const f = top();
      f.charge(h.storageRead + (kl >>> 0) * h.storageReadPerByte);
      return f.env.storageHas(f.contract, key(f, kp, kl)) ? 1 : 0;
    },
    storage_set: (kp: number, kl: number, vp: number, vl: number) => {
      const f = top();
      writable(f, "storage_set");
      const n = vl >>> 0;
      if (n > limits.maxStorageValueBytes) {
        throw new VmError(
          "VM_BAD_HOST_ARGS",
          `storage value of ${n} bytes exceeds the limit of ${limits.maxStorageValueBytes}`,
        );
      }
      f.charge(h.storageWrite + ((kl >>> 0) + n) * h.storageWritePerByte);
      f.env.storageSet(f.contract, key(f, kp, kl), f.read(vp, n));
    },
    storage_remove: (kp: number, kl: number) => {
      const f = top();
      writable(f, "storage_remove");
      f.charge(h.storageRemove + (kl >>> 0) * h.storageReadPerByte);
      f.env.storageRemove(f.contract, key(f, kp, kl));
    },
    storage_next: (pp: number, pl: number, ap: number, al: number) => {
      const f = top();
      const pn = pl >>> 0;
      const an = al >>> 0;
      if (pn > limits.maxStorageKeyBytes || an > limits.maxStorageKeyBytes) {
        throw new VmError(
          "VM_BAD_HOST_ARGS",
          `iteration prefix and cursor are limited to ${limits.maxStorageKeyBytes} bytes`,
        );
      }
      f.charge(h.storageNext + (pn + an) * h.storageReadPerByte);
      const entry = f.env.storageNext(f.contract, f.read(pp, pn), an === 0 ? undefined : f.read(ap, an));
      if (entry === undefined) {
        f.register = new Uint8Array(0);
        return -1;
      }
      f.charge((entry.key.length + entry.value.length) * h.storageReadPerByte);
      f.register = storageEntryBytes(entry.key, entry.value);
      return entry.key.length;
    },
    caller: (out: number) => {
      const f = top();
      f.charge(h.hostCall);
      f.write(out, f.caller);
    },
    origin: (out: number) => {
      const f = top();
      f.charge(h.hostCall);
      f.write(out, f.origin);
    },
    self_address: (out: number) => {
      const f = top();
      f.charge(h.hostCall);
      f.write(out, f.contract);
    },
    attached_amount: (out: number) => {
      const f = top();
      f.charge(h.hostCall);
      f.write(out, encodeU128(f.amount));
    },
    block_height: () => {
      const f = top();
      f.charge(h.hostCall);
      return BigInt(f.env.blockHeight);
    },
    block_time: () => {
      const f = top();
      f.charge(h.hostCall);
      return BigInt(f.env.blockTimeMs);
    },
    chain_id: () => {
      const f = top();
      f.charge(h.hostCall);
      f.register = utf8(f.env.chainId);
      return f.register.length;
    },
    gas_left: () => {
      const f = top();
      f.charge(h.hostCall);
      return f.gasLeft();
    },
    gas_price: (out: number) => {
      const f = top();
      f.charge(h.hostCall);
      f.write(out, encodeU128(f.env.gasPrice));
    },
    balance: (addr: number, out: number) => {
      const f = top();
      f.charge(h.balance);
      f.write(out, encodeU128(f.env.balanceOf(address(f, addr))));
    },
    transfer: (to: number, amountPtr: number) => {
      const f = top();
      writable(f, "transfer");
      f.charge(h.transfer);
      const recipient = address(f, to);
      const amount = decodeU128(f.read(amountPtr, U128_BYTES));
      if (amount === 0n) return 0;
      return f.env.transfer(f.contract, recipient, amount) ? 0 : 1;
    },
    emit_event: (ptr: number, len: number) => {
      const f = top();
      writable(f, "emit_event");
      const n = len >>> 0;
      if (n > limits.maxEventBytes) {
        throw new VmError(
          "VM_BAD_HOST_ARGS",
          `event of ${n} bytes exceeds the limit of ${limits.maxEventBytes}`,
        );
      }
      f.charge(h.event + n * h.eventPerByte);
      const { type, attributes } = decodeEvent(f.read(ptr, n));
      if (utf8(type).length > limits.maxEventTypeBytes || !/^[A-Za-z0-9_.-]+$/.test(type)) {
        throw new VmError(
          "VM_BAD_HOST_ARGS",
          `event type ${JSON.stringify(type.slice(0, 80))} is not allowed`,
        );
      }
      if (attributes.length > limits.maxEventAttributes) {
        throw new VmError("VM_BAD_HOST_ARGS", `events carry at most ${limits.maxEventAttributes} attributes`);
      }
      if (f.events.length >= limits.maxEventsPerCall) {
        throw new VmError("VM_BAD_HOST_ARGS", `a call emits at most ${limits.maxEventsPerCall} events`);
      }
      f.events.push({ contract: f.contract, type, attributes });
    },
    call: (
      addr: number,
      mp: number,
      ml: number,
      ip: number,
      il: number,
      amountPtr: number,
      gasCap: bigint,
    ) => {
      const f = top();
      const mn = ml >>> 0;
      const inLen = il >>> 0;
      if (mn > limits.maxMethodNameBytes) {
        throw new VmError(
          "VM_BAD_HOST_ARGS",
          `method names are limited to ${limits.maxMethodNameBytes} bytes`,
        );
      }
      if (inLen > limits.maxInputBytes) {
        throw new VmError(
          "VM_INPUT_TOO_LARGE",
          `call input of ${inLen} bytes exceeds ${limits.maxInputBytes}`,
        );
      }
      f.charge(h.contractCall + (mn + inLen) * h.copyPerByte);
      const contract = address(f, addr);
      let method: string;
      try {
        method = fromUtf8(f.read(mp, mn));
      } catch {
        throw new VmError("VM_BAD_HOST_ARGS", "method name is not UTF-8");
      }
      const amount = decodeU128(f.read(amountPtr, U128_BYTES));
      if (amount > 0n) writable(f, "sending ANKR with a call");
      const left = f.gasLeft();
      const gasLimit = gasCap <= 0n || gasCap > left ? left : gasCap;
      const outcome = ctx.call(f, { contract, method, input: f.read(ip, inLen), amount, gasLimit });
      f.charge(Number(outcome.gasUsed));
      f.register = outcome.data;
      return outcome.ok ? 0 : 1;
    },
    sha256: (ptr: number, len: number, out: number) => {
      const f = top();
      const n = len >>> 0;
      f.charge(h.sha256 + n * h.sha256PerByte);
      f.write(out, sha256(f.read(ptr, n)));
    },
    ed25519_verify: (pk: number, msg: number, ml: number, sig: number) => {
      const f = top();
      const n = ml >>> 0;
      f.charge(h.ed25519Verify + n * h.sha256PerByte);
      return verifySignature(f.read(pk, 32), f.read(msg, n), f.read(sig, 64)) ? 1 : 0;
    },
    debug_log: (ptr: number, len: number) => {
      const f = top();
      const n = Math.min(len >>> 0, limits.maxDebugLogBytes);
      f.charge(h.debugLog + n * h.copyPerByte);
      f.env.debugLog?.(f.contract, lenient.decode(f.read(ptr, n)));
    },
  };

  const abort = (msg: number, file: number, line: number, col: number) => {
    const f = top();
    const message = f.readAsString(msg) || "(no message)";
    const fileName = f.readAsString(file, 256);
    const where = fileName ? ` at ${fileName}:${line >>> 0}:${col >>> 0}` : "";
    throw new VmError("VM_ABORT", `contract aborted: ${message}${where}`, { message });
  };

  // Keep the object's key order identical to the ABI table (documentation and tests rely on it).
  const dccn: Record<string, (...args: never[]) => unknown> = {};
  for (const name of Object.keys(HOST_FUNCTIONS) as HostFunctionName[]) dccn[name] = impl[name];
  return { [HOST_MODULE]: dccn, [ABORT_MODULE]: { [ABORT_NAME]: abort } };
}
