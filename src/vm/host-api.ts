/**
 * The contract ABI: the only functions a contract may import. Contracts import them from the
 * module "dccn" (plus AssemblyScript's `env.abort`). Pointers and lengths are i32 offsets into
 * the contract's own linear memory; addresses are 20 bytes; amounts are 16-byte little-endian
 * unsigned integers (u128). Variable-length results are placed in a per-frame result register
 * that the contract copies out with `result_len` / `result_read`.
 */
export const HOST_MODULE = "dccn";

export type WasmValType = "i32" | "i64";

export interface HostFunctionSignature {
  readonly params: readonly WasmValType[];
  readonly results: readonly WasmValType[];
}

const sig = (params: WasmValType[], results: WasmValType[] = []): HostFunctionSignature => ({
  params,
  results,
});
const I32 = "i32" as const;
const I64 = "i64" as const;

export const HOST_FUNCTIONS = {
  /** Length of the call's input (argument bytes). */
  input_len: sig([], [I32]),
  /** Copies the input to `ptr`. */
  input_read: sig([I32]),
  /** Sets the call's return data (last call wins); fails with VM_RETURN_TOO_LARGE over the limit. */
  return_data: sig([I32, I32]),
  /** Length of the result register. */
  result_len: sig([], [I32]),
  /** Copies the result register to `ptr`. */
  result_read: sig([I32]),
  /** `(key, keyLen) -> valueLen | -1`; the value goes to the result register. */
  storage_get: sig([I32, I32], [I32]),
  /** `(key, keyLen) -> 0 | 1`. */
  storage_has: sig([I32, I32], [I32]),
  storage_set: sig([I32, I32, I32, I32]),
  storage_remove: sig([I32, I32]),
  /**
   * `(prefix, prefixLen, after, afterLen) -> keyLen | -1`: the first entry whose key starts with
   * `prefix` and sorts (bytewise) after `after` (an empty `after` starts at the prefix). The result
   * register holds key ‖ value.
   */
  storage_next: sig([I32, I32, I32, I32], [I32]),
  /** The immediate caller: the tx sender, or the calling contract. 20 bytes to `out`. */
  caller: sig([I32]),
  /** The tx sender that started the call chain. 20 bytes to `out`. */
  origin: sig([I32]),
  /** This contract's address. 20 bytes to `out`. */
  self_address: sig([I32]),
  /** ANKR attached to this call (already credited to this contract), u128 to `out`. */
  attached_amount: sig([I32]),
  block_height: sig([], [I64]),
  /** Block time in milliseconds since the Unix epoch. */
  block_time: sig([], [I64]),
  /** `() -> len`; the chain id (UTF-8) goes to the result register. */
  chain_id: sig([], [I32]),
  gas_left: sig([], [I64]),
  /** The gas price of the tx, u128 to `out`. */
  gas_price: sig([I32]),
  /** `(address, out)`: the ANKR balance of any account or contract, u128. */
  balance: sig([I32, I32]),
  /** `(to, amount) -> 0 | 1`: sends ANKR from this contract; 1 = insufficient funds. */
  transfer: sig([I32, I32], [I32]),
  /** `(ptr, len)`: an event encoded as length-prefixed strings: type, key1, value1, ... */
  emit_event: sig([I32, I32]),
  /**
   * `(address, method, methodLen, input, inputLen, amount, gasCap) -> status`: calls another
   * contract. gasCap 0 = all remaining gas. Status 0 = ok (return data in the result register);
   * 1 = the callee failed (its state changes were rolled back; the register holds
   * `CODE: message`).
   */
  call: sig([I32, I32, I32, I32, I32, I32, I64], [I32]),
  /** `(ptr, len, out)`: SHA-256, 32 bytes to `out`. */
  sha256: sig([I32, I32, I32]),
  /** `(publicKey, message, messageLen, signature) -> 0 | 1`. */
  ed25519_verify: sig([I32, I32, I32, I32], [I32]),
  /** `(ptr, len)`: a UTF-8 line for the node's debug log; never affects consensus. */
  debug_log: sig([I32, I32]),
} as const satisfies Record<string, HostFunctionSignature>;

export type HostFunctionName = keyof typeof HOST_FUNCTIONS;

/** AssemblyScript's abort: `(message, fileName, line, column)`, strings as AS UTF-16 pointers. */
export const ABORT_MODULE = "env";
export const ABORT_NAME = "abort";
export const ABORT_SIGNATURE: HostFunctionSignature = sig([I32, I32, I32, I32]);

/** Looks up the signature an import must have, or undefined if the import is not allowed. */
export function allowedImport(module: string, name: string): HostFunctionSignature | undefined {
  if (module === HOST_MODULE && Object.hasOwn(HOST_FUNCTIONS, name)) {
    return HOST_FUNCTIONS[name as HostFunctionName];
  }
  if (module === ABORT_MODULE && name === ABORT_NAME) return ABORT_SIGNATURE;
  return undefined;
}

/** Names the runtime itself adds to instrumented code; user modules may not export them. */
export const RESERVED_EXPORT_PREFIX = "__dccn";
export const GAS_GLOBAL_EXPORT = "__dccn_gas";
export const STACK_GLOBAL_EXPORT = "__dccn_stack";
/** The export the runtime calls before any method (AssemblyScript `--exportStart _start`). */
export const START_EXPORT = "_start";
/** The export called once by instantiate; never callable as a method. */
export const INIT_EXPORT = "init";
export const MEMORY_EXPORT = "memory";

/** Whether `name` may be invoked as a contract method by execute/query. */
export function isCallableMethodName(name: string): boolean {
  return (
    /^[A-Za-z][A-Za-z0-9_]*$/.test(name) &&
    name !== INIT_EXPORT &&
    name !== MEMORY_EXPORT &&
    !name.startsWith(RESERVED_EXPORT_PREFIX)
  );
}
