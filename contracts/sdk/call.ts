// Calling other contracts. The callee runs with at most `gasCap` gas (0 = all that is left); if
// it fails, its state changes are rolled back. A contract may not be re-entered while it is on
// the call stack.
import { Address } from "./address";
import { fromUtf8, readResult, utf8 } from "./bytes";
import { call } from "./dccn";
import { U128 } from "./u128";

export class CallResult {
  constructor(
    public ok: bool,
    /** Return data on success; "CODE: message" on failure. */
    public data: string,
  ) {}
}

/** Calls `method` on `contract` with JSON `args`; returns instead of aborting on failure. */
export function tryCallContract(
  contract: Address,
  method: string,
  args: string,
  value: U128 = U128.zero(),
  gasCap: u64 = 0,
): CallResult {
  const m = utf8(method);
  const input = utf8(args);
  const status = call(
    contract.bytes.dataStart,
    m.dataStart,
    m.length,
    input.dataStart,
    input.length,
    value.toBytes().dataStart,
    <i64>gasCap,
  );
  return new CallResult(status == 0, fromUtf8(readResult()));
}

/** Calls `method` on `contract`; aborts (failing this call too) if the callee fails. */
export function callContract(
  contract: Address,
  method: string,
  args: string,
  value: U128 = U128.zero(),
  gasCap: u64 = 0,
): string {
  const r = tryCallContract(contract, method, args, value, gasCap);
  if (!r.ok) throw new Error("call to " + contract.toString() + "." + method + " failed: " + r.data);
  return r.data;
}
