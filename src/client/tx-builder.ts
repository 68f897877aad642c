/** Building and signing txs offline: no network, so it is testable and usable air-gapped. */
import { toHexUpper } from "../codec/bytes.js";
import { parseAddress } from "../crypto/address.js";
import type { PrivateKey } from "../crypto/ed25519.js";
import { msgSendAny } from "../dccn-app/bank/msg-send.js";
import { DccnError } from "../errors.js";
import { signTx, txHash } from "../types/tx.js";
import { parseAmount } from "./amount.js";

export type TxBuildErrorCode = "TX_PARAM_INVALID";

/** Gas limit used when none is given; enough for a plain transfer. */
export const DEFAULT_SEND_GAS_LIMIT = 100_000;

export interface SignedTx {
  readonly bytes: Uint8Array;
  /** Upper-case hex SHA-256 of the bytes, as CometBFT shows tx hashes. */
  readonly hash: string;
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

function baseUnits(value: bigint | string, param: string): bigint {
  const v = typeof value === "string" ? parseAmount(value) : value;
  if (v < 0n) throw bad(param, "must not be negative");
  return v;
}

export function buildSendTx(p: SendTxParams): SignedTx {
  const to = typeof p.to === "string" ? parseAddress(p.to) : p.to;
  if (to.length !== 20) throw bad("to", "must be a 20-byte address");
  const amount = baseUnits(p.amount, "amount");
  if (amount === 0n) throw bad("amount", "must be greater than zero");
  const gasLimit = p.gasLimit ?? DEFAULT_SEND_GAS_LIMIT;
  if (!Number.isSafeInteger(gasLimit) || gasLimit <= 0) throw bad("gas limit", "must be a positive integer");
  if (!Number.isSafeInteger(p.nonce) || p.nonce < 0) throw bad("nonce", "must be a non-negative integer");
  if (p.chainId === "") throw bad("chain id", "must not be empty");
  const bytes = signTx(p.key, {
    chainId: p.chainId,
    nonce: p.nonce,
    gasLimit,
    gasPrice: baseUnits(p.gasPrice ?? 0n, "gas price"),
    memo: p.memo ?? "",
    msg: msgSendAny({ to, amount }),
  });
  return { bytes, hash: toHexUpper(txHash(bytes)) };
}
