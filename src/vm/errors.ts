/**
 * Typed errors of the contract runtime. Deploy-time rejections (validation, instrumentation) are
 * thrown; execution failures are returned inside a `CallResult` so the caller can still charge
 * the gas that was used.
 */
import { DccnError } from "../errors.js";

export type VmErrorCode =
  // deploy: validation and instrumentation
  | "VM_INVALID_WASM"
  | "VM_CODE_TOO_LARGE"
  | "VM_TOO_MANY_FUNCTIONS"
  | "VM_FUNCTION_TOO_LARGE"
  | "VM_TOO_MANY_LOCALS"
  | "VM_FLOAT_INSTRUCTION"
  | "VM_DISALLOWED_FEATURE"
  | "VM_DISALLOWED_IMPORT"
  | "VM_START_FUNCTION"
  | "VM_MEMORY_LIMIT"
  | "VM_TABLE_LIMIT"
  | "VM_INVALID_MODULE"
  | "VM_INSTRUMENTATION_FAILED"
  // execution
  | "VM_OUT_OF_GAS"
  | "VM_STACK_OVERFLOW"
  | "VM_TRAP"
  | "VM_ABORT"
  | "VM_MEMORY_ACCESS"
  | "VM_BAD_HOST_ARGS"
  | "VM_INPUT_TOO_LARGE"
  | "VM_RETURN_TOO_LARGE"
  | "VM_READ_ONLY"
  | "VM_REENTRANCY"
  | "VM_CALL_DEPTH"
  | "VM_INSUFFICIENT_FUNDS"
  | "VM_CONTRACT_NOT_FOUND"
  | "VM_CONTRACT_EXISTS"
  | "VM_CODE_NOT_FOUND"
  | "VM_METHOD_NOT_FOUND"
  | "VM_BAD_REQUEST";

export class VmError extends DccnError<VmErrorCode> {
  constructor(
    code: VmErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "VmError";
  }
}

export function isVmError(err: unknown, code?: VmErrorCode): err is VmError {
  return err instanceof VmError && (code === undefined || err.code === code);
}
