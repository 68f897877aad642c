/** CometBFT/Cosmos-style events emitted by the app core (addresses as bech32, amounts in base units). */
import type { AbciEvent } from "../abci/types.js";
import { toBech32 } from "../crypto/address.js";

const attr = (key: string, value: string) => ({ key, value, index: true });

/** `message{action, sender, module}`: which msg ran, for whom. */
export function messageEvent(action: string, sender: Uint8Array, module: string): AbciEvent {
  return messageEventOf(action, toBech32(sender), module);
}

/** `messageEvent` for a sender already shown as bech32. */
export function messageEventOf(action: string, senderBech32: string, module: string): AbciEvent {
  return {
    type: "message",
    attributes: [attr("action", action), attr("sender", senderBech32), attr("module", module)],
  };
}

/** `tx{fee, fee_payer, acc_seq}`: the fee charged (base units) and the sender/nonce it used. */
export function txEvent(fee: bigint, payer: Uint8Array, nonce: number): AbciEvent {
  return txEventOf(fee, toBech32(payer), nonce);
}

/** `txEvent` for a payer already shown as bech32. */
export function txEventOf(fee: bigint, payerBech: string, nonce: number): AbciEvent {
  return {
    type: "tx",
    attributes: [
      attr("fee", fee.toString()),
      attr("fee_payer", payerBech),
      attr("acc_seq", `${payerBech}/${nonce}`),
    ],
  };
}
