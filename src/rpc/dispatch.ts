/**
 * Runs JSON-RPC requests against the method table: envelope checks, parameter decoding, a
 * time limit per call, and the mapping of every failure to a JSON-RPC error object. It knows
 * nothing of HTTP, so the websocket transport can reuse it.
 */
import { isDccnError } from "../errors.js";
import type { Logger } from "../log.js";
import { RpcError } from "./errors.js";
import { type JsonValue, RawJson, stringifyJson } from "./json.js";
import {
  errorResponse,
  idOf,
  parseBody,
  type RpcId,
  type RpcRequest,
  type RpcResponse,
  successResponse,
  toRequest,
  URI_REQUEST_ID,
} from "./jsonrpc.js";
import type { RpcCallContext, RpcMethod, RpcMethodTable, RpcSession } from "./methods/types.js";
import { decodeJsonParams, decodeUriParams, type ParamSpec, type RpcArgs } from "./params.js";

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
    let req: RpcRequest;
    try {
      req = toRequest(item);
    } catch (err) {
      return errorResponse(idOf(item), toRpcError(err, this.opts.logger));
    }
    const outcome = await this.invoke(req.method, decodeJsonParams, req.params, ctx, req.id);
    if (req.notification) return null;
    return "error" in outcome ? errorResponse(req.id, outcome.error) : successResponse(req.id, outcome.value);
  }

  /**
   * One request object answered as JSON text (null for a notification): the same text as
   * stringifyJson(await handleRequest(item, ctx)). A result that is already JSON text (a
   * broadcast's) is put into the envelope as is — the common HTTP call, made cheap.
   */
  async handleRequestText(item: unknown, ctx: RpcCallContext): Promise<string | null> {
    let req: RpcRequest;
    try {
      req = toRequest(item);
    } catch (err) {
      return stringifyJson(errorResponse(idOf(item), toRpcError(err, this.opts.logger)));
    }
    const outcome = await this.invoke(req.method, decodeJsonParams, req.params, ctx, req.id);
    if (req.notification) return null;
    if ("error" in outcome) return stringifyJson(errorResponse(req.id, outcome.error));
    const value = outcome.value;
    if (value instanceof RawJson)
      return `{"jsonrpc":"2.0","id":${JSON.stringify(req.id)},"result":${value.text}}`;
    return stringifyJson(successResponse(req.id, value));
  }

  /** A URI call (`GET /<method>?name=value`); the response carries id -1 as CometBFT's does. */
  async handleUri(method: string, query: URLSearchParams, ctx: RpcCallContext): Promise<RpcResponse> {
    const outcome = await this.invoke(method, decodeUriParams, query, ctx, URI_REQUEST_ID);
    return "error" in outcome
      ? errorResponse(URI_REQUEST_ID, outcome.error)
      : successResponse(URI_REQUEST_ID, outcome.value);
  }

  private async invoke<P>(
    name: string,
    decode: (specs: readonly ParamSpec[], params: P) => RpcArgs,
    params: P,
    ctx: RpcCallContext,
    id: RpcId,
  ): Promise<CallOutcome> {
    const method = this.methods.get(name);
    if (method === undefined) return { error: RpcError.methodNotFound() };
    try {
      const args = decode(method.params, params);
      return { value: await this.runLimited(name, method, args, new CallContext(ctx, id)) };
    } catch (err) {
      return { error: toRpcError(err, this.opts.logger, name) };
    }
  }

  /** Runs a call under its time limit; on timeout the call's signal aborts and it fails. */
  private runLimited(name: string, method: RpcMethod, args: RpcArgs, ctx: CallContext): Promise<JsonValue> {
    const timeoutMs = method.timeoutMs ?? this.opts.handlerTimeoutMs;
    return new Promise<JsonValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = RpcError.internal(`${name} did not finish within ${timeoutMs} ms`);
        ctx.timedOut(err);
        ctx.release();
        reject(err);
      }, timeoutMs);
      let call: Promise<JsonValue>;
      try {
        call = method.call(args, ctx);
      } catch (err) {
        clearTimeout(timer);
        ctx.release();
        reject(err);
        return;
      }
      call.then(
        (value) => {
          clearTimeout(timer);
          ctx.release();
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          ctx.release();
          reject(err);
        },
      );
    });
  }
}

/**
 * What a method sees of its call: the transport's context, the call's JSON-RPC id, and a
 * signal that aborts with the transport's or on the call's timeout. The signal is made on first
 * read: most calls (broadcast_tx_sync, queries) never read it, and a controller linked to the
 * request's signal per call was a visible share of each broadcast.
 */
class CallContext implements RpcCallContext {
  readonly remoteAddr: string;
  readonly session: RpcSession | undefined;
  readonly admin: boolean | undefined;
  private controller: AbortController | undefined;
  private timeout: RpcError | undefined;
  private onParentAbort: (() => void) | undefined;

  constructor(
    private readonly parent: RpcCallContext,
    readonly requestId: RpcId,
  ) {
    this.remoteAddr = parent.remoteAddr;
    this.session = parent.session;
    this.admin = parent.admin;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.timeout !== undefined) {
        controller.abort(this.timeout);
      } else {
        const parent = this.parent.signal;
        if (parent.aborted) {
          controller.abort(parent.reason);
        } else {
          this.onParentAbort = () => controller.abort(parent.reason);
          parent.addEventListener("abort", this.onParentAbort, { once: true });
        }
      }
    }
    return this.controller.signal;
  }

  timedOut(err: RpcError): void {
    this.timeout = err;
    this.controller?.abort(err);
  }

  /** The call settled: stop following the transport's signal. */
  release(): void {
    if (this.onParentAbort !== undefined) this.parent.signal.removeEventListener("abort", this.onParentAbort);
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
