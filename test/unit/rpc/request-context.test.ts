/**
 * Abort signals made on first read (the HTTP request's and each call's) behave as if they had
 * existed from the start: the first of disconnect, shutdown and timeout is the reason, a
 * finished request ignores a later shutdown, and nothing is made or listened to when no
 * method reads the signal.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { RpcDispatcher } from "../../../src/rpc/dispatch.js";
import type { RpcError } from "../../../src/rpc/errors.js";
import { RawJson } from "../../../src/rpc/json.js";
import type { RpcCallContext, RpcMethod } from "../../../src/rpc/methods/types.js";
import { HttpRequestContext } from "../../../src/rpc/request-context.js";

function setup() {
  const shutdown = new AbortController();
  const live = new Set<AbortController>();
  const ctx = new HttpRequestContext("1.2.3.4", false, live, shutdown.signal);
  const closeServer = () => {
    shutdown.abort(new Error("RPC server is shutting down"));
    for (const c of live) c.abort(shutdown.signal.reason);
  };
  return { ctx, live, closeServer };
}

const message = (reason: unknown): string => (reason instanceof Error ? reason.message : String(reason));

describe("HttpRequestContext", () => {
  it("makes no signal until read, then tracks it while the response is open", () => {
    const { ctx, live } = setup();
    ctx.responseClosed(true);
    expect(live.size).toBe(0);
    const { ctx: open, live: openLive } = setup();
    const signal = open.signal;
    expect(open.signal).toBe(signal);
    expect([...openLive].map((c) => c.signal)).toEqual([signal]);
    open.responseClosed(true);
    expect(openLive.size).toBe(0);
    expect(signal.aborted).toBe(false);
  });

  it("is aborted by a disconnect before the signal was read", () => {
    const { ctx, live } = setup();
    ctx.responseClosed(false);
    expect(ctx.signal.aborted).toBe(true);
    expect(message(ctx.signal.reason)).toBe("client disconnected");
    expect(live.size).toBe(0);
  });

  it("keeps the first reason: shutdown then disconnect reads as shutdown, and the reverse", () => {
    const a = setup();
    a.closeServer();
    a.ctx.disconnected();
    expect(message(a.ctx.signal.reason)).toBe("RPC server is shutting down");
    const b = setup();
    b.ctx.disconnected();
    b.closeServer();
    expect(message(b.ctx.signal.reason)).toBe("client disconnected");
  });

  it("is aborted by a shutdown while open whether read before or after it", () => {
    const before = setup();
    const signal = before.ctx.signal;
    before.closeServer();
    expect(message(signal.reason)).toBe("RPC server is shutting down");
    const after = setup();
    after.closeServer();
    expect(message(after.ctx.signal.reason)).toBe("RPC server is shutting down");
  });

  it("ignores a shutdown after its response finished, but not a later request error", () => {
    const { ctx, live, closeServer } = setup();
    ctx.responseClosed(true);
    closeServer();
    expect(ctx.signal.aborted).toBe(false);
    expect(live.size).toBe(0);
    ctx.disconnected();
    expect(message(ctx.signal.reason)).toBe("client disconnected");
  });

  it("starts aborted when made after the server closed", () => {
    const shutdown = new AbortController();
    shutdown.abort(new Error("down"));
    const ctx = new HttpRequestContext("x", true, new Set(), shutdown.signal);
    expect(message(ctx.signal.reason)).toBe("down");
    expect(ctx.admin).toBe(true);
  });
});

describe("a call's signal (RpcDispatcher)", () => {
  function dispatcher(methods: Record<string, RpcMethod>) {
    return new RpcDispatcher(new Map(Object.entries(methods)), {
      handlerTimeoutMs: 1_000,
      maxBatchSize: 10,
      logger: silentLogger,
    });
  }

  it("is never made for a method that does not read it", async () => {
    const { ctx, live } = setup();
    const d = dispatcher({ quick: { params: [], call: async () => new RawJson('{"ok":true}') } });
    const text = await d.handleRequestText({ jsonrpc: "2.0", id: 7, method: "quick" }, ctx);
    expect(text).toBe('{"jsonrpc":"2.0","id":7,"result":{"ok":true}}');
    expect(live.size).toBe(0);
  });

  it("follows the request's abort while the call runs, and stops listening once it settles", async () => {
    const { ctx } = setup();
    let release!: () => void;
    let seen: RpcCallContext | undefined;
    const d = dispatcher({
      wait: {
        params: [],
        call: async (_args, c) => {
          seen = c;
          c.signal.addEventListener("abort", () => release());
          await new Promise<void>((r) => {
            release = r;
          });
          return { aborted: c.signal.aborted, requestId: c.requestId ?? "none" };
        },
      },
    });
    const pending = d.handleRequest({ jsonrpc: "2.0", id: "r", method: "wait" }, ctx);
    expect(getEventListeners(ctx.signal, "abort")).toHaveLength(1);
    ctx.responseClosed(false);
    expect(await pending).toStrictEqual({
      jsonrpc: "2.0",
      id: "r",
      result: { aborted: true, requestId: "r" },
    });
    expect(message(seen?.signal.reason)).toBe("client disconnected");
    expect(getEventListeners(ctx.signal, "abort")).toHaveLength(0);
    expect(seen?.remoteAddr).toBe("1.2.3.4");
  });

  it("aborts with the timeout error, also when first read after the timeout", async () => {
    const { ctx } = setup();
    let seen: RpcCallContext | undefined;
    const d = dispatcher({
      stuck: {
        params: [],
        timeoutMs: 5,
        call: (_args, c) => {
          seen = c;
          return new Promise(() => {});
        },
      },
    });
    const res = await d.handleRequest({ jsonrpc: "2.0", id: 1, method: "stuck" }, ctx);
    expect(res).toStrictEqual({
      jsonrpc: "2.0",
      id: 1,
      error: { code: -32603, message: "Internal error", data: "stuck did not finish within 5 ms" },
    });
    expect((seen?.signal.reason as RpcError | undefined)?.data).toBe("stuck did not finish within 5 ms");
    // The request itself was not aborted, and nothing listens to it any more.
    expect(ctx.signal.aborted).toBe(false);
    expect(getEventListeners(ctx.signal, "abort")).toHaveLength(0);
  });

  it("reports a method that throws synchronously as -32603", async () => {
    const { ctx } = setup();
    const d = dispatcher({
      boom: {
        params: [],
        call: () => {
          throw new Error("sync boom");
        },
      },
    });
    const res = await d.handleRequest({ jsonrpc: "2.0", id: 1, method: "boom" }, ctx);
    expect(res).toMatchObject({ error: { code: -32603, data: "sync boom" } });
  });
});
