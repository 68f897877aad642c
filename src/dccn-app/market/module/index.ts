/** The market module's public surface: the Module, its msgs (for clients), params and state keys. */
export { ESCROW_ACCOUNT, PLATFORM_ACCOUNT } from "./keys.js";
export { marketModule } from "./module.js";
export {
  decodeMarketMsg,
  encodeMarketMsg,
  MARKET_MSG_TYPES,
  type MarketMsgKind,
  type MarketMsgs,
  type MsgFailTask,
  type MsgInstance,
  type MsgRate,
  type MsgRegisterProvider,
  type MsgReportUsage,
  type MsgRetire,
  type MsgSetAvailability,
  type MsgSubmitTask,
  type MsgTaskRef,
  marketMsgAny,
} from "./msgs.js";
export {
  DEFAULT_MARKET_CHAIN_PARAMS,
  type EpochParams,
  type MarketChainParams,
  marketParamsToJson,
  PPM,
  parseMarketParamsJson,
  type ServiceLevelParams,
  type TimingParams,
} from "./params.js";
export { encodeSubmitResponse } from "./task-msgs.js";
