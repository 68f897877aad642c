/**
 * Runs JSON-RPC requests against the method table: envelope checks, parameter decoding, a
 * time limit per call, and the mapping of every failure to a JSON-RPC error object. It knows
 * nothing of HTTP, so the websocket transport can reuse it.
 */
import { isDccnError } from "../errors.js";
import type { Logger } from "../log.js";
import { RpcError } from "./errors.js";
import type { JsonValue } from "./json.js";
import {
  errorResponse,
  idOf,
  parseBody,
  type RpcResponse,
  successResponse,
  toRequest,
  URI_REQUEST_ID,
} from "./jsonrpc.js";
import type { RpcCallContext, RpcMethod, RpcMethodTable } from "./methods/types.js";
import { decodeJsonParams, decodeUriParams, type RpcArgs } from "./params.js";

export interface DispatcherOptions {
  /** Longest a call may run unless its method says otherwise. */
  readonly handlerTimeoutMs: number;
  readonly maxBatchSize: number;
  readonly logger: Logger;
}

/** What a JSON-RPC body produced: responses to send (null when all were notifications). */
export type BodyOutcome =
  | { readonly kind: "parse_error"; readonly response: RpcResponse }
  | { readonly kind: "responses"; readonly body: RpcResponse | readonly RpcResponse[] | null };

type CallOutcome = { readonly value: JsonValue } | { readonly error: RpcError };

export class RpcDispatcher {
  constructor(
    private readonly methods: RpcMethodTable,
    private readonly opts: DispatcherOptions,
  ) {}

  methodNames(): string[] {
    return [...this.methods.keys()].sort();
  }

  /** Handles a whole JSON-RPC body: one request or a batch, executed in order. */
  async handleBody(text: string, ctx: RpcCallContext): Promise<BodyOutcome> {
    let body: ReturnType<typeof parseBody>;
    try {
      body = parseBody(text);
    } catch (err) {
      return { kind: "parse_error", response: errorResponse(null, toRpcError(err, this.opts.logger)) };
    }
    return this.handleParsed(body, ctx);
  }

  async handleParsed(
    body: { readonly batch: boolean; readonly items: readonly unknown[] },
    ctx: RpcCallContext,
  ): Promise<BodyOutcome> {
    if (!body.batch) {
      return { kind: "responses", body: await this.handleRequest(body.items[0], ctx) };
    }
    if (body.items.length === 0) {
      return { kind: "responses", body: errorResponse(null, RpcError.invalidRequest("empty batch")) };
    }
    if (body.items.length > this.opts.maxBatchSize) {
      const err = RpcError.invalidRequest(
        `batch request exceeds maximum (${this.opts.maxBatchSize}) allowed number of requests`,
      );
      return { kind: "responses", body: errorResponse(null, err) };
    }
    // In order: a batch of one sender's txs must reach the mempool in nonce order. A run of
    // broadcasts starts together — each call hands its tx to the mempool before its first await,
    // so they still arrive in order, and their signature checks can share one worker batch.
    const out: (RpcResponse | null)[] = [];
    for (let i = 0; i < body.items.length; ) {
      let end = i + 1;
      while (end < body.items.length && isBroadcast(body.items[end - 1]) && isBroadcast(body.items[end]))
        end++;
      const run = body.items.slice(i, end).map((item) => this.handleRequest(item, ctx));
      out.push(...(run.length === 1 ? [await run[0]!] : await Promise.all(run)));
      i = end;
    }
    const responses = out.filter((r): r is RpcResponse => r !== null);
    return { kind: "responses", body: responses.length === 0 ? null : responses };
  }

  /** One request object; null for a notification (no `id` member), which gets no response. */
  async handleRequest(item: unknown, ctx: RpcCallContext): Promise<RpcResponse | null> {
    let req: ReturnType<typeof toRequest>;
    try {
      req = toRequest(item);
    } catch (err) {
      return errorResponse(idOf(item), toRpcError(err, this.opts.logger));
    }
    const outcome = await this.invoke(req.method, (m) => decodeJsonParams(m.params, req.params), {
      ...ctx,
      requestId: req.id,
    });
    if (req.notification) return null;
    return "error" in outcome ? errorResponse(req.id, outcome.error) : successResponse(req.id, outcome.value);
  }

  /** A URI call (`GET /<method>?name=value`); the response carries id -1 as CometBFT's does. */
  async handleUri(method: string, query: URLSearchParams, ctx: RpcCallContext): Promise<RpcResponse> {
    const outcome = await this.invoke(method, (m) => decodeUriParams(m.params, query), {
      ...ctx,
      requestId: URI_REQUEST_ID,
    });
    return "error" in outcome
      ? errorResponse(URI_REQUEST_ID, outcome.error)
      : successResponse(URI_REQUEST_ID, outcome.value);
  }

  private async invoke(
    name: string,
    decode: (m: RpcMethod) => RpcArgs,
    ctx: RpcCallContext,
  ): Promise<CallOutcome> {
    const method = this.methods.get(name);
    if (method === undefined) return { error: RpcError.methodNotFound() };
    try {
      const args = decode(method);
      return { value: await this.runLimited(name, method, args, ctx) };
    } catch (err) {
      return { error: toRpcError(err, this.opts.logger, name) };
    }
  }

  /**
   * Runs a call under its time limit; the call's signal aborts on timeout or disconnect. The
   * signal is made on first use: most calls (broadcast_tx_sync, queries) never read it, and a
   * controller linked to the request's signal per call was a visible share of each broadcast.
   */
  private async runLimited(
    name: string,
    method: RpcMethod,
    args: RpcArgs,
    ctx: RpcCallContext,
  ): Promise<JsonValue> {
    let controller: AbortController | undefined;
    let timedOut: RpcError | undefined;
    const onParentAbort = () => controller?.abort(ctx.signal.reason);
    const callCtx: RpcCallContext = {
      ...ctx,
      get signal(): AbortSignal {
        if (controller === undefined) {
          controller = new AbortController();
          if (timedOut !== undefined) controller.abort(timedOut);
          else if (ctx.signal.aborted) controller.abort(ctx.signal.reason);
          else ctx.signal.addEventListener("abort", onParentAbort, { once: true });
        }
        return controller.signal;
      },
    };
    const timeoutMs = method.timeoutMs ?? this.opts.handlerTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = RpcError.internal(`${name} did not finish within ${timeoutMs} ms`);
        controller?.abort(timedOut);
        reject(timedOut);
      }, timeoutMs);
    });
    try {
      const call = method.call(args, callCtx);
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
      if (controller !== undefined) ctx.signal.removeEventListener("abort", onParentAbort);
    }
  }
}

/** Any failure as a JSON-RPC error: typed errors keep their message, others are logged. */
export function toRpcError(err: unknown, logger: Logger, method?: string): RpcError {
  if (err instanceof RpcError) return err;
  if (isDccnError(err)) return RpcError.internal(err.message, { cause: err });
  logger.error("RPC handler failed unexpectedly", {
    method,
    err,
    stack: err instanceof Error ? err.stack : undefined,
  });
  return RpcError.internal(err instanceof Error ? err.message : String(err), { cause: err });
}

/** Methods that only queue a tx (their responses do not wait for a block). */
const BROADCASTS: ReadonlySet<unknown> = new Set(["broadcast_tx_sync", "broadcast_tx_async"]);

function isBroadcast(item: unknown): boolean {
  return typeof item === "object" && item !== null && BROADCASTS.has((item as { method?: unknown }).method);
}
