/** The full method table of this RPC surface. */
import type { Logger } from "../../log.js";
import type { RpcEnv } from "../env.js";
import { blockMethods } from "./blocks.js";
import { infoMethods } from "./info.js";
import { txMethods } from "./txs.js";
import type { RpcMethod, RpcMethodTable } from "./types.js";

export type { RpcCallContext, RpcMethod, RpcMethodTable } from "./types.js";

export interface MethodTableOptions {
  readonly rpcAddress: () => string;
  readonly timeoutBroadcastTxCommitMs: number;
  readonly logger: Logger;
}

export function createMethodTable(env: RpcEnv, opts: MethodTableOptions): RpcMethodTable {
  const all: Record<string, RpcMethod> = {
    ...infoMethods(env, { rpcAddress: opts.rpcAddress }),
    ...blockMethods(env),
    ...txMethods(env, { timeoutBroadcastTxCommitMs: opts.timeoutBroadcastTxCommitMs, logger: opts.logger }),
  };
  return new Map(Object.entries(all));
}
