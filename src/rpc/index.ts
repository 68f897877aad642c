/** CometBFT v0.38-compatible JSON-RPC: the server, the env the node provides, and the shared pieces. */
export { RpcDispatcher } from "./dispatch.js";
export type {
  MaybePromise,
  RpcAbciResponses,
  RpcBlockMeta,
  RpcBlockStore,
  RpcChainState,
  RpcEnv,
  RpcMempool,
  RpcNetInfo,
  RpcNodeInfo,
  RpcPeer,
  RpcProtocolVersion,
  RpcStateStore,
  RpcTxLocation,
  RpcValidatorKey,
} from "./env.js";
export { RpcCode, RpcError, type RpcErrorCode, type RpcErrorObject, RpcSetupError } from "./errors.js";
export { type JsonValue, RawJson, stringifyJson } from "./json.js";
export { type RpcId, type RpcRequest, type RpcResponse, URI_REQUEST_ID } from "./jsonrpc.js";
export { createMethodTable, type MethodTableOptions } from "./methods/index.js";
export type { RpcCallContext, RpcMethod, RpcMethodTable } from "./methods/types.js";
export { DEFAULT_RPC_OPTIONS, parseListenAddress, type RpcServerOptions } from "./options.js";
export { RpcServer } from "./server.js";
