/** Maps the VM's typed errors onto the app's result codes; the log keeps the VM's code first. */
import type { VmError, VmErrorCode } from "../../vm/errors.js";
import { AppError, type ResultCodeName } from "../codes.js";

const CALL_CODES: Partial<Record<VmErrorCode, Exclude<ResultCodeName, "OK">>> = {
  VM_OUT_OF_GAS: "OUT_OF_GAS",
  VM_CODE_NOT_FOUND: "CODE_NOT_FOUND",
  VM_CONTRACT_NOT_FOUND: "CONTRACT_NOT_FOUND",
  VM_INSUFFICIENT_FUNDS: "INSUFFICIENT_FUNDS",
  VM_CONTRACT_EXISTS: "INVALID_MSG",
  VM_METHOD_NOT_FOUND: "INVALID_MSG",
};

/** A failed instantiate/execute/query: its state changes were rolled back; `gasUsed` was paid. */
export function contractCallError(error: VmError, gasUsed: number): AppError {
  return new AppError(CALL_CODES[error.code] ?? "CONTRACT_FAILED", `${error.code}: ${error.message}`, {
    vmCode: error.code,
    gasUsed,
  });
}

/** Deploy refused the code. */
export function codeRejectedError(error: VmError): AppError {
  return new AppError("CONTRACT_REJECTED", `${error.code}: ${error.message}`, { vmCode: error.code });
}
