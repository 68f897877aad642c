/**
 * Accounts: `{balance, nonce}` stored under "bank/account/" ‖ address (20 bytes), encoded as
 * proto `dccn.bank.v1.Account` (proto/dccn/bank/v1/bank.proto). A missing account reads as
 * zero balance and nonce 0. Pure: no database import, so clients can encode/verify accounts.
 */
import { concatBytes, utf8 } from "../../codec/bytes.js";
import { decodeCanonical, ProtoReader, ProtoWriter } from "../../codec/proto.js";

export interface Account {
  /** Base units (1 ANKR = 10^18). */
  readonly balance: bigint;
  /** The nonce the account's next tx must carry. */
  readonly nonce: number;
}

export const ZERO_ACCOUNT: Account = { balance: 0n, nonce: 0 };
export const ACCOUNT_PREFIX = utf8("bank/account/");

export const accountKey = (address: Uint8Array): Uint8Array => concatBytes(ACCOUNT_PREFIX, address);

export function encodeAccount(a: Account): Uint8Array {
  return new ProtoWriter().bigint(1, a.balance).uint(2, a.nonce).finish();
}

function decodeAccountLoose(bytes: Uint8Array): Account {
  const r = new ProtoReader(bytes, "Account");
  let balance = 0n;
  let nonce = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) balance = r.bigint();
    else if (f === 2) nonce = r.uint();
    else r.unknown();
  }
  return { balance, nonce };
}

export const decodeAccount = (bytes: Uint8Array): Account =>
  decodeCanonical(bytes, "Account", decodeAccountLoose, encodeAccount);

/** The JSON served by the `/account` query: amounts as decimal strings. */
export interface AccountJson {
  readonly address: string;
  readonly balance: string;
  readonly nonce: number;
}
