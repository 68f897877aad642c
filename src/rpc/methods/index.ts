/** The full CometBFT v0.38 method table (plus the unsafe methods when enabled). */
import type { Logger } from "../../log.js";
import type { RpcEnv } from "../env.js";
import { evidenceMethods, unsafeMethods } from "./admin.js";
import { blockMethods } from "./blocks.js";
import { consensusMethods } from "./consensus.js";
import { eventMethods } from "./events.js";
import { infoMethods } from "./info.js";
import { searchMethods } from "./search.js";
import { txMethods } from "./txs.js";
import type { RpcMethod, RpcMethodTable } from "./types.js";

export type { RpcCallContext, RpcMethod, RpcMethodTable } from "./types.js";

export interface MethodTableOptions {
  readonly rpcAddress: () => string;
  readonly timeoutBroadcastTxCommitMs: number;
  readonly logger: Logger;
  /** Include dial_peers and unsafe_flush_mempool (they still require the admin token). */
  readonly unsafe?: boolean;
}

export function createMethodTable(env: RpcEnv, opts: MethodTableOptions): RpcMethodTable {
  const all: Record<string, RpcMethod> = {
    ...infoMethods(env, { rpcAddress: opts.rpcAddress, logger: opts.logger }),
    ...blockMethods(env),
    ...txMethods(env, { timeoutBroadcastTxCommitMs: opts.timeoutBroadcastTxCommitMs, logger: opts.logger }),
    ...searchMethods(env),
    ...consensusMethods(env),
    ...evidenceMethods(env),
    ...eventMethods(),
    ...(opts.unsafe === true ? unsafeMethods(env) : {}),
  };
  return new Map(Object.entries(all));
}
