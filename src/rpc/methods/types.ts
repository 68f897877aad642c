/** The method table shared by every transport (HTTP POST, URI GET, later websocket). */
import type { JsonValue } from "../json.js";
import type { ParamSpec, RpcArgs } from "../params.js";

export interface RpcCallContext {
  /** Aborted when the client goes away, the call times out or the server closes. */
  readonly signal: AbortSignal;
  readonly remoteAddr: string;
}

export interface RpcMethod {
  readonly params: readonly ParamSpec[];
  /** Overrides the server's handler timeout (for methods that wait on purpose). */
  readonly timeoutMs?: number;
  call(args: RpcArgs, ctx: RpcCallContext): Promise<JsonValue>;
}

export type RpcMethodTable = ReadonlyMap<string, RpcMethod>;
