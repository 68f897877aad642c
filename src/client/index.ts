// The bank message codec is the app's own (one schema, one codec), re-exported for clients.
export {
  decodeMsgSend,
  encodeMsgSend,
  MSG_SEND_TYPE_URL,
  type MsgSend,
  msgSendAny,
} from "../dccn-app/bank/msg-send.js";
export * from "./amount.js";
export * from "./dccn-client.js";
export * from "./errors.js";
export * from "./gas.js";
export * from "./market.js";
export * from "./rpc-client.js";
export type * from "./rpc-types.js";
export * from "./staking.js";
export * from "./tx-builder.js";
export * from "./tx-doc.js";
export * from "./wasm.js";
