/**
 * broadcast_evidence, and the unsafe methods dial_peers and unsafe_flush_mempool. The unsafe
 * ones are in the table only when the server runs with `unsafe` on, and even then answer
 * only callers that present the admin token (`Authorization: Bearer <token>`).
 */
import { errorMessage } from "../../errors.js";
import type { RpcEnv } from "../env.js";
import { RpcError } from "../errors.js";
import { hex } from "../format.js";
import type { RpcCallContext, RpcMethod } from "./types.js";

export function evidenceMethods(env: RpcEnv): Record<string, RpcMethod> {
  return {
    broadcast_evidence: {
      params: [{ name: "evidence", kind: "bytes" }],
      call: async (args) => {
        const evidence = args.bytes("evidence");
        if (evidence === undefined || evidence.length === 0)
          throw RpcError.internal("no evidence was provided");
        if (env.broadcastEvidence === undefined) {
          throw RpcError.internal("this node does not accept evidence over RPC");
        }
        let hash: Uint8Array;
        try {
          hash = await env.broadcastEvidence(evidence);
        } catch (err) {
          throw RpcError.internal(`failed to add evidence: ${errorMessage(err)}`, { cause: err });
        }
        return { hash: hex(hash) };
      },
    },
  };
}

function requireAdmin(ctx: RpcCallContext, method: string): void {
  if (ctx.admin !== true) {
    throw RpcError.server(
      `unauthorized: ${method} is an unsafe method; send the admin token as "Authorization: Bearer <token>"`,
    );
  }
}

export function unsafeMethods(env: RpcEnv): Record<string, RpcMethod> {
  return {
    dial_peers: {
      params: [
        { name: "peers", kind: "strings" },
        { name: "persistent", kind: "bool" },
        { name: "unconditional", kind: "bool" },
        { name: "private", kind: "bool" },
      ],
      call: async (args, ctx) => {
        requireAdmin(ctx, "dial_peers");
        const peers = args.strings("peers") ?? [];
        if (peers.length === 0) throw RpcError.internal("no peers provided");
        if (env.dialPeers === undefined)
          throw RpcError.internal("this node cannot dial peers (no p2p layer)");
        try {
          await env.dialPeers(peers, {
            persistent: args.bool("persistent") ?? false,
            unconditional: args.bool("unconditional") ?? false,
            private: args.bool("private") ?? false,
          });
        } catch (err) {
          throw RpcError.internal(errorMessage(err), { cause: err });
        }
        return { log: "Dialing peers in progress. See /net_info for details" };
      },
    },

    unsafe_flush_mempool: {
      params: [],
      call: async (_args, ctx) => {
        requireAdmin(ctx, "unsafe_flush_mempool");
        if (env.flushMempool === undefined) throw RpcError.internal("this node's mempool cannot be flushed");
        await env.flushMempool();
        return {};
      },
    },
  };
}
