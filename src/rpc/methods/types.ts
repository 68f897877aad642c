/** The method table shared by every transport (HTTP POST, URI GET, later websocket). */
import type { Query } from "../../indexer/query.js";
import type { JsonValue } from "../json.js";
import type { RpcId } from "../jsonrpc.js";
import type { ParamSpec, RpcArgs } from "../params.js";

export interface RpcCallContext {
  /** Aborted when the client goes away, the call times out or the server closes. */
  readonly signal: AbortSignal;
  readonly remoteAddr: string;
  /** The JSON-RPC id of the call (-1 for URI calls); subscriptions answer with it. */
  readonly requestId?: RpcId;
  /** The websocket connection the call came on; absent over HTTP. */
  readonly session?: RpcSession;
  /** True when the caller presented the admin token (unsafe methods). */
  readonly admin?: boolean;
}

/** What subscribe/unsubscribe need from a websocket connection. Each call throws RpcError. */
export interface RpcSession {
  subscribe(query: Query, id: RpcId): void;
  unsubscribe(query: Query): void;
  unsubscribeAll(): void;
}

export interface RpcMethod {
  readonly params: readonly ParamSpec[];
  /** Overrides the server's handler timeout (for methods that wait on purpose). */
  readonly timeoutMs?: number;
  call(args: RpcArgs, ctx: RpcCallContext): Promise<JsonValue>;
}

export type RpcMethodTable = ReadonlyMap<string, RpcMethod>;
