/**
 * `/dccn.bank.v1.MsgSend {bytes to = 1; string amount = 2}` (proto/dccn/bank/v1/bank.proto):
 * moves `amount` base units from the tx signer to `to`. Pure codec, usable by clients.
 */
import { CodecError, ProtoReader, ProtoWriter } from "../../codec/proto.js";
import { ADDRESS_SIZE } from "../../crypto/address.js";
import type { AnyMsg } from "../../types/tx.js";
import { AppError } from "../codes.js";

export const MSG_SEND_TYPE_URL = "/dccn.bank.v1.MsgSend";

export interface MsgSend {
  readonly to: Uint8Array;
  /** Base units, > 0. */
  readonly amount: bigint;
}

const DECIMAL = /^[1-9][0-9]{0,77}$/;
/** Field tags (field number << 3 | wire type 2, length-delimited). */
const TAG_TO = (1 << 3) | 2;
const TAG_AMOUNT = (2 << 3) | 2;

export function encodeMsgSend(m: MsgSend): Uint8Array {
  return new ProtoWriter().bytes(1, m.to).bigint(2, m.amount).finish();
}

export const msgSendAny = (m: MsgSend): AnyMsg => ({ typeUrl: MSG_SEND_TYPE_URL, value: encodeMsgSend(m) });

/** Strict decode with validation; throws AppError TX_DECODE, INVALID_ADDRESS or INVALID_AMOUNT. */
export function decodeMsgSend(bytes: Uint8Array): MsgSend {
  let to: Uint8Array = new Uint8Array(0);
  let amountText = "";
  try {
    const r = new ProtoReader(bytes, "MsgSend");
    // `to` is a view into the tx bytes (see types/tx.ts).
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) to = r.view();
      else if (f === 2) amountText = r.string();
      else r.unknown();
    }
  } catch (err) {
    if (err instanceof CodecError) throw new AppError("TX_DECODE", `MsgSend: ${err.message}`);
    throw err;
  }
  if (to.length !== ADDRESS_SIZE) {
    throw new AppError(
      "INVALID_ADDRESS",
      `MsgSend.to must be ${ADDRESS_SIZE} address bytes, got ${to.length}`,
    );
  }
  if (!DECIMAL.test(amountText)) {
    throw new AppError(
      "INVALID_AMOUNT",
      `MsgSend.amount must be a positive decimal number of base units, got ${JSON.stringify(amountText)}`,
    );
  }
  if (!isCanonicalLayout(bytes, amountText.length)) {
    throw new AppError("TX_DECODE", "MsgSend: bytes are not in canonical encoding");
  }
  return { to, amount: BigInt(amountText) };
}

/**
 * Whether `bytes` are exactly what `encodeMsgSend` writes for a 20-byte `to` and a canonical
 * decimal amount of `digits` characters (both already checked): tag 1, length 20, the address,
 * tag 2, length (one byte, as digits ≤ 78), the digits. Then the fields were read from those very
 * positions, so this equals re-encoding and comparing, without building the copy per CheckTx.
 */
function isCanonicalLayout(bytes: Uint8Array, digits: number): boolean {
  const amountTag = 2 + ADDRESS_SIZE;
  return (
    bytes.length === amountTag + 2 + digits &&
    bytes[0] === TAG_TO &&
    bytes[1] === ADDRESS_SIZE &&
    bytes[amountTag] === TAG_AMOUNT &&
    bytes[amountTag + 1] === digits
  );
}
