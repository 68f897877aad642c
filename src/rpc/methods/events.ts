/** subscribe, unsubscribe, unsubscribe_all: websocket only, as in CometBFT. */
import { RpcCode, RpcError } from "../errors.js";
import { queryParam } from "./search.js";
import type { RpcCallContext, RpcMethod, RpcSession } from "./types.js";

function session(ctx: RpcCallContext, method: string): RpcSession {
  if (ctx.session === undefined) {
    throw new RpcError(
      RpcCode.MethodNotFound,
      `${method} is only available over the websocket endpoint /websocket`,
    );
  }
  return ctx.session;
}

const QUERY = [{ name: "query", kind: "string" }] as const;

export function eventMethods(): Record<string, RpcMethod> {
  return {
    subscribe: {
      params: QUERY,
      call: async (args, ctx) => {
        const s = session(ctx, "subscribe");
        s.subscribe(queryParam(args.string("query")), ctx.requestId ?? null);
        return {};
      },
    },
    unsubscribe: {
      params: QUERY,
      call: async (args, ctx) => {
        const s = session(ctx, "unsubscribe");
        s.unsubscribe(queryParam(args.string("query")));
        return {};
      },
    },
    unsubscribe_all: {
      params: [],
      call: async (_args, ctx) => {
        session(ctx, "unsubscribe_all").unsubscribeAll();
        return {};
      },
    },
  };
}
