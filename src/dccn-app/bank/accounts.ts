/** Account reads and writes over a state layer, shared by the fee logic and the bank msgs. */
import type { AbciEvent } from "../../abci/types.js";
import { toBech32 } from "../../crypto/address.js";
import { AppError } from "../codes.js";
import type { KvReader, KvStore } from "../state/kv.js";
import { type Account, accountKey, decodeAccount, encodeAccount, ZERO_ACCOUNT } from "./account.js";

export function getAccount(store: KvReader, address: Uint8Array): Account {
  const raw = store.get(accountKey(address));
  return raw === undefined ? ZERO_ACCOUNT : decodeAccount(raw);
}

export function setAccount(store: KvStore, address: Uint8Array, account: Account): void {
  store.set(accountKey(address), encodeAccount(account));
}

/** Adds `amount` (≥ 0) to an account's balance. */
export function credit(store: KvStore, address: Uint8Array, amount: bigint): void {
  if (amount === 0n) return;
  const a = getAccount(store, address);
  setAccount(store, address, { balance: a.balance + amount, nonce: a.nonce });
}

/** Takes `amount` (≥ 0) from an account; INSUFFICIENT_FUNDS (nothing written) if it is short. */
export function debit(store: KvStore, address: Uint8Array, amount: bigint): void {
  const a = getAccount(store, address);
  if (a.balance < amount) {
    throw new AppError(
      "INSUFFICIENT_FUNDS",
      `${toBech32(address)} holds ${a.balance} base units, needs ${amount}`,
      { balance: a.balance.toString(), needed: amount.toString() },
    );
  }
  if (amount !== 0n) setAccount(store, address, { balance: a.balance - amount, nonce: a.nonce });
}

/** Moves `amount` between accounts and describes it as a CometBFT-style `transfer` event. */
export function transfer(store: KvStore, from: Uint8Array, to: Uint8Array, amount: bigint): AbciEvent {
  debit(store, from, amount);
  credit(store, to, amount);
  return transferEvent(from, to, amount);
}

export function transferEvent(from: Uint8Array, to: Uint8Array, amount: bigint): AbciEvent {
  return {
    type: "transfer",
    attributes: [
      { key: "sender", value: toBech32(from), index: true },
      { key: "recipient", value: toBech32(to), index: true },
      { key: "amount", value: amount.toString(), index: true },
    ],
  };
}
