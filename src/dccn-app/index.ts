/** The built-in DCCN application: its public surface. */
export { APP_NAME, APP_PROTOCOL_VERSION, APP_VERSION, DccnApp, type DccnAppOptions } from "./app.js";
export {
  ACCOUNT_PREFIX,
  type Account,
  type AccountJson,
  accountKey,
  decodeAccount,
  encodeAccount,
  ZERO_ACCOUNT,
} from "./bank/account.js";
export { credit, debit, getAccount, setAccount, transfer, transferEvent } from "./bank/accounts.js";
export { bankModule, SEND_GAS } from "./bank/module.js";
export {
  decodeMsgSend,
  encodeMsgSend,
  MSG_SEND_TYPE_URL,
  type MsgSend,
  msgSendAny,
} from "./bank/msg-send.js";
export { type AccountQueryResponseLike, type VerifiedAccount, verifyAccountProof } from "./client.js";
export {
  AppError,
  type AppFatalCode,
  AppFatalError,
  CODESPACE,
  ResultCode,
  type ResultCodeName,
  resultCodeName,
} from "./codes.js";
export { CONTRACTS_MODULE_NAME, contractAddress, contractsModule } from "./contracts/index.js";
export { messageEvent, txEvent } from "./events.js";
export { GasMeter } from "./gas.js";
export type {
  AnyMsgHandler,
  BlockContext,
  ChainContext,
  EndBlockResult,
  GenesisContext,
  Module,
  MsgContext,
  MsgHandler,
  QueryContext,
  QueryResult,
  QueryRoute,
} from "./module.js";
export { msgHandler } from "./module.js";
export { type AppParams, DEFAULT_PARAMS, PARAMS_KEY, paramsToJson } from "./params.js";
export { CacheStore, type KvReader, type KvStore } from "./state/kv.js";
export { FEE_COLLECTOR } from "./tx.js";
