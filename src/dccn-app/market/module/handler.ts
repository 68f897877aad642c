/** Turns a market delivery function into a module MsgHandler (decode, gas, error mapping, context). */
import { type AnyMsgHandler, type MsgContext, msgHandler } from "../../module.js";
import type { MarketCtx } from "./deals.js";
import { asAppErrors } from "./errors.js";
import { decodeMarketMsg, MARKET_MSG_TYPES, type MarketMsgKind, type MarketMsgs } from "./msgs.js";
import { getMarketParams } from "./store.js";

/** What a market msg's delivery sees: the shared market context plus the tx's sender and gas. */
export interface MarketMsgCtx extends MarketCtx {
  readonly sender: Uint8Array;
  readonly tx: MsgContext;
}

/** What a delivery returns: the result's data, or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that return nothing are typed void.
type Delivered = Uint8Array | void;

export const nowSecOf = (timeMs: number): number => Math.floor(timeMs / 1000);

export function marketHandler<K extends MarketMsgKind>(
  kind: K,
  defaultGas: number,
  deliver: (ctx: MarketMsgCtx, msg: MarketMsgs[K]) => Delivered | Promise<Delivered>,
  spend: (msg: MarketMsgs[K]) => bigint = () => 0n,
): AnyMsgHandler {
  return msgHandler<MarketMsgs[K]>({
    typeUrl: MARKET_MSG_TYPES[kind],
    defaultGas,
    decode: (bytes) => decodeMarketMsg(kind, bytes),
    spend,
    deliver: (tx, msg) =>
      asAppErrors(() =>
        deliver(
          {
            store: tx.store,
            events: tx.events,
            height: tx.height,
            nowSec: nowSecOf(tx.timeMs),
            params: getMarketParams(tx.store),
            sender: tx.sender,
            tx,
          },
          msg,
        ),
      ),
  });
}
