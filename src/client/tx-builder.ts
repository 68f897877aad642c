/** Building and signing txs offline: no network, so it is testable and usable air-gapped. */
import { toHexUpper } from "../codec/bytes.js";
import { parseAddress } from "../crypto/address.js";
import type { PrivateKey } from "../crypto/ed25519.js";
import { msgSendAny } from "../dccn-app/bank/msg-send.js";
import { DccnError } from "../errors.js";
import { type AnyMsg, signTx, type TxBody, txHash } from "../types/tx.js";
import { parseAmount } from "./amount.js";

export type TxBuildErrorCode = "TX_PARAM_INVALID";

/** Gas limit used when none is given; enough for a plain transfer. */
export const DEFAULT_SEND_GAS_LIMIT = 100_000;

export interface SignedTx {
  readonly bytes: Uint8Array;
  /** Upper-case hex SHA-256 of the bytes, as CometBFT shows tx hashes. */
  readonly hash: string;
}

/** Everything a tx carries besides its signature. */
export interface TxParams {
  readonly chainId: string;
  readonly nonce: number;
  readonly gasLimit: number;
  /** Base units per gas (default 0). */
  readonly gasPrice?: bigint | string;
  readonly memo?: string;
  /** Any module's message: `{typeUrl, value}` with the message's protobuf bytes. */
  readonly msg: AnyMsg;
}

export interface SendTxParams {
  readonly key: PrivateKey;
  readonly chainId: string;
  readonly nonce: number;
  /** `ankr1…`, 40 hex characters, or the 20 address bytes. */
  readonly to: string | Uint8Array;
  /** Base units, or text accepted by `parseAmount` ("1000", "1.5ankr"). */
  readonly amount: bigint | string;
  readonly gasLimit?: number;
  /** Base units per gas. */
  readonly gasPrice?: bigint | string;
  readonly memo?: string;
}

function bad(param: string, why: string): DccnError<TxBuildErrorCode> {
  return new DccnError<TxBuildErrorCode>("TX_PARAM_INVALID", `${param} ${why}`, { param });
}

export function baseUnits(value: bigint | string, param: string): bigint {
  const v = typeof value === "string" ? parseAmount(value) : value;
  if (v < 0n) throw bad(param, "must not be negative");
  return v;
}

/** Checks and normalises tx parameters into the body that gets signed. */
export function txBody(p: TxParams): TxBody {
  if (!Number.isSafeInteger(p.gasLimit) || p.gasLimit <= 0)
    throw bad("gas limit", "must be a positive integer");
  if (!Number.isSafeInteger(p.nonce) || p.nonce < 0) throw bad("nonce", "must be a non-negative integer");
  if (p.chainId === "") throw bad("chain id", "must not be empty");
  if (p.msg.typeUrl === "") throw bad("msg type URL", "must not be empty");
  return {
    chainId: p.chainId,
    nonce: p.nonce,
    gasLimit: p.gasLimit,
    gasPrice: baseUnits(p.gasPrice ?? 0n, "gas price"),
    memo: p.memo ?? "",
    msg: p.msg,
  };
}

/** Signs any message; the hash is what the node reports for the tx. */
export function buildTx(key: PrivateKey, p: TxParams): SignedTx {
  const bytes = signTx(key, txBody(p));
  return { bytes, hash: toHexUpper(txHash(bytes)) };
}

/** The bank transfer as a message (`/dccn.bank.v1.MsgSend`). */
export function sendMsg(to: string | Uint8Array, amount: bigint | string): AnyMsg {
  const addr = typeof to === "string" ? parseAddress(to) : to;
  if (addr.length !== 20) throw bad("to", "must be a 20-byte address");
  const value = baseUnits(amount, "amount");
  if (value === 0n) throw bad("amount", "must be greater than zero");
  return msgSendAny({ to: addr, amount: value });
}

export function buildSendTx(p: SendTxParams): SignedTx {
  return buildTx(p.key, {
    chainId: p.chainId,
    nonce: p.nonce,
    gasLimit: p.gasLimit ?? DEFAULT_SEND_GAS_LIMIT,
    msg: sendMsg(p.to, p.amount),
    ...(p.gasPrice === undefined ? {} : { gasPrice: p.gasPrice }),
    ...(p.memo === undefined ? {} : { memo: p.memo }),
  });
}
