// Who is calling, with what, and when; native ANKR balances and transfers.
import { ADDRESS_BYTES, Address } from "./address";
import { fromUtf8, readResult } from "./bytes";
import {
  attached_amount,
  balance,
  block_height,
  block_time,
  chain_id,
  gas_left,
  gas_price,
  caller as host_caller,
  origin as host_origin,
  transfer as host_transfer,
  self_address,
} from "./dccn";
import { U128 } from "./u128";

/** The immediate caller: the tx sender, or the contract that called this one. */
export function caller(): Address {
  const out = new Uint8Array(ADDRESS_BYTES);
  host_caller(out.dataStart);
  return new Address(out);
}

/** The tx sender that started the call chain. */
export function origin(): Address {
  const out = new Uint8Array(ADDRESS_BYTES);
  host_origin(out.dataStart);
  return new Address(out);
}

/** This contract's address. */
export function selfAddress(): Address {
  const out = new Uint8Array(ADDRESS_BYTES);
  self_address(out.dataStart);
  return new Address(out);
}

/** ANKR attached to this call; already credited to this contract's balance. */
export function attachedAmount(): U128 {
  const out = new Uint8Array(16);
  attached_amount(out.dataStart);
  return U128.fromBytes(out);
}

export function blockHeight(): u64 {
  return <u64>block_height();
}

/** Block time in milliseconds since the Unix epoch. */
export function blockTime(): u64 {
  return <u64>block_time();
}

export function chainId(): string {
  chain_id();
  return fromUtf8(readResult());
}

export function gasLeft(): u64 {
  return <u64>gas_left();
}

export function gasPrice(): U128 {
  const out = new Uint8Array(16);
  gas_price(out.dataStart);
  return U128.fromBytes(out);
}

export function balanceOf(account: Address): U128 {
  const out = new Uint8Array(16);
  balance(account.bytes.dataStart, out.dataStart);
  return U128.fromBytes(out);
}

/** Sends ANKR from this contract; false if its balance is too low. */
export function tryTransfer(to: Address, value: U128): bool {
  return host_transfer(to.bytes.dataStart, value.toBytes().dataStart) == 0;
}

/** Sends ANKR from this contract; aborts if its balance is too low. */
export function transfer(to: Address, value: U128): void {
  if (!tryTransfer(to, value)) throw new Error("insufficient contract balance for transfer");
}
