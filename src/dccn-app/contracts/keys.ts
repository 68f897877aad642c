/**
 * State layout of the contracts module and contract address derivation (pure; clients use it
 * to predict the address a MsgInstantiateContract will create).
 *
 *   wasm/code/     ‖ code hash (32)            → the instrumented module (what runs)
 *   wasm/codeinfo/ ‖ code hash                 → CodeInfo (proto/dccn/wasm/v1/wasm.proto)
 *   wasm/contract/ ‖ address (20)              → ContractInfo
 *   wasm/store/    ‖ address ‖ contract key    → a contract's own storage value
 *
 * A contract's ANKR balance is an ordinary bank account under its address.
 */
import { concatBytes, u64be, utf8 } from "../../codec/bytes.js";
import { ADDRESS_SIZE } from "../../crypto/address.js";
import { sha256 } from "../../crypto/hash.js";

export const CODE_PREFIX = utf8("wasm/code/");
export const CODE_INFO_PREFIX = utf8("wasm/codeinfo/");
export const CONTRACT_PREFIX = utf8("wasm/contract/");
export const STORE_PREFIX = utf8("wasm/store/");
export const CODE_HASH_SIZE = 32;

export const codeKey = (codeHash: Uint8Array): Uint8Array => concatBytes(CODE_PREFIX, codeHash);
export const codeInfoKey = (codeHash: Uint8Array): Uint8Array => concatBytes(CODE_INFO_PREFIX, codeHash);
export const contractKey = (address: Uint8Array): Uint8Array => concatBytes(CONTRACT_PREFIX, address);

/** Where a contract's storage lives; every key of its own namespace follows this prefix. */
export const storagePrefix = (contract: Uint8Array): Uint8Array => concatBytes(STORE_PREFIX, contract);

export const storageKey = (contract: Uint8Array, key: Uint8Array): Uint8Array =>
  concatBytes(STORE_PREFIX, contract, key);

/** Length of `storagePrefix(contract)`; the contract's own key follows it. */
export const STORAGE_KEY_OFFSET = STORE_PREFIX.length + ADDRESS_SIZE;

const ADDRESS_DOMAIN = utf8("dccn/wasm/contract");

/**
 * The address MsgInstantiateContract creates: SHA-256("dccn/wasm/contract" ‖ 0x00 ‖ creator ‖
 * uint64be(nonce))[0..20], `nonce` being the instantiating tx's nonce. Unique per (creator, tx)
 * and known before the tx is sent.
 */
export function contractAddress(creator: Uint8Array, nonce: number): Uint8Array {
  return sha256(ADDRESS_DOMAIN, Uint8Array.of(0), creator, u64be(nonce)).slice(0, ADDRESS_SIZE);
}
