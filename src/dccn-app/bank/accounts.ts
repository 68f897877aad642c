/** Account reads and writes over a state layer, shared by the fee logic and the bank msgs. */
import type { AbciEvent } from "../../abci/types.js";
import { toBech32 } from "../../crypto/address.js";
import { AppError } from "../codes.js";
import { DecodedValues } from "../state/decoded.js";
import type { KvReader, KvStore } from "../state/kv.js";
import { type Account, accountKey, decodeAccount, encodeAccount, ZERO_ACCOUNT } from "./account.js";

/** Accounts by their stored bytes: each tx reads its sender several times, through several layers. */
const decoded = new DecodedValues<Account>(decodeAccount, encodeAccount);

/** The account stored under `key` (an `accountKey`). */
export function readAccount(store: KvReader, key: Uint8Array): Account {
  const raw = store.get(key);
  return raw === undefined ? ZERO_ACCOUNT : decoded.of(raw);
}

/**
 * Writes `account` under `key` (an `accountKey`). The store takes ownership of `key`: pass one
 * made for the purpose or a constant, never a buffer that is modified later.
 */
export function writeAccount(store: KvStore, key: Uint8Array, account: Account): void {
  // A copy of our own: the decoded form is shared by every reader and must not change.
  const own: Account = { balance: account.balance, nonce: account.nonce };
  store.setOwned(key, decoded.encode(own));
}

export function getAccount(store: KvReader, address: Uint8Array): Account {
  return readAccount(store, accountKey(address));
}

export function setAccount(store: KvStore, address: Uint8Array, account: Account): void {
  writeAccount(store, accountKey(address), account);
}

/** Adds `amount` (≥ 0) to the account stored under `key` (an `accountKey`, see `writeAccount`). */
export function creditKey(store: KvStore, key: Uint8Array, amount: bigint): void {
  if (amount === 0n) return;
  const a = readAccount(store, key);
  writeAccount(store, key, { balance: a.balance + amount, nonce: a.nonce });
}

/** Adds `amount` (≥ 0) to an account's balance. */
export function credit(store: KvStore, address: Uint8Array, amount: bigint): void {
  if (amount !== 0n) creditKey(store, accountKey(address), amount);
}

/** Takes `amount` (≥ 0) from an account; INSUFFICIENT_FUNDS (nothing written) if it is short. */
export function debit(store: KvStore, address: Uint8Array, amount: bigint): void {
  const key = accountKey(address);
  const a = readAccount(store, key);
  if (a.balance < amount) {
    throw new AppError(
      "INSUFFICIENT_FUNDS",
      `${toBech32(address)} holds ${a.balance} base units, needs ${amount}`,
      { balance: a.balance.toString(), needed: amount.toString() },
    );
  }
  if (amount !== 0n) writeAccount(store, key, { balance: a.balance - amount, nonce: a.nonce });
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
