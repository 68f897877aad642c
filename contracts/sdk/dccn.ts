// Raw host imports. AssemblyScript imports `declare`d functions from a module named after the
// file, so everything here comes from module "dccn" — the contract ABI of src/vm/host-api.ts.
// Contracts should use the typed wrappers exported by ./index instead.

export declare function input_len(): i32;
export declare function input_read(ptr: usize): void;
export declare function return_data(ptr: usize, len: i32): void;
export declare function result_len(): i32;
export declare function result_read(ptr: usize): void;
export declare function storage_get(key: usize, keyLen: i32): i32;
export declare function storage_has(key: usize, keyLen: i32): i32;
export declare function storage_set(key: usize, keyLen: i32, value: usize, valueLen: i32): void;
export declare function storage_remove(key: usize, keyLen: i32): void;
export declare function storage_next(prefix: usize, prefixLen: i32, after: usize, afterLen: i32): i32;
export declare function caller(out: usize): void;
export declare function origin(out: usize): void;
export declare function self_address(out: usize): void;
export declare function attached_amount(out: usize): void;
export declare function block_height(): i64;
export declare function block_time(): i64;
export declare function chain_id(): i32;
export declare function gas_left(): i64;
export declare function gas_price(out: usize): void;
export declare function balance(addr: usize, out: usize): void;
export declare function transfer(to: usize, amount: usize): i32;
export declare function emit_event(ptr: usize, len: i32): void;
export declare function call(
  addr: usize,
  method: usize,
  methodLen: i32,
  input: usize,
  inputLen: i32,
  amount: usize,
  gasCap: i64,
): i32;
export declare function sha256(ptr: usize, len: i32, out: usize): void;
export declare function ed25519_verify(pk: usize, msg: usize, msgLen: i32, sig: usize): i32;
export declare function debug_log(ptr: usize, len: i32): void;
