/** CometBFT v0.38-compatible JSON-RPC: the server, the env the node provides, and the shared pieces. */
export { RpcDispatcher } from "./dispatch.js";
export type {
  MaybePromise,
  RpcAbciResponses,
  RpcBlockMeta,
  RpcBlockStore,
  RpcChainState,
  RpcConsensusPeer,
  RpcConsensusState,
  RpcDialOptions,
  RpcEnv,
  RpcMempool,
  RpcNetInfo,
  RpcNodeInfo,
  RpcPeer,
  RpcProtocolVersion,
  RpcRoundStep,
  RpcRoundVotes,
  RpcStateStore,
  RpcValidatorKey,
} from "./env.js";
export { RpcCode, RpcError, type RpcErrorCode, type RpcErrorObject, RpcSetupError } from "./errors.js";
export { blockEvents, type PublishedEvent, txEvent } from "./events.js";
export { type JsonValue, RawJson, stringifyJson } from "./json.js";
export { type RpcId, type RpcRequest, type RpcResponse, URI_REQUEST_ID } from "./jsonrpc.js";
export { createMethodTable, type MethodTableOptions } from "./methods/index.js";
export { MAX_QUERY_LENGTH } from "./methods/search.js";
export type { RpcCallContext, RpcMethod, RpcMethodTable, RpcSession } from "./methods/types.js";
export {
  DEFAULT_RPC_OPTIONS,
  MIN_ADMIN_TOKEN_LENGTH,
  parseListenAddress,
  type RpcServerOptions,
} from "./options.js";
export { RpcServer } from "./server.js";
