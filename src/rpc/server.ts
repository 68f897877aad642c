/**
 * The HTTP transport of the CometBFT-compatible JSON-RPC: POST `/` (single or batch), URI
 * `GET /<method>?name=value`, and `GET /` listing the methods. It guards the node: a body
 * limit, a connection limit, a per-IP token bucket, a time limit per call, CORS by allow-list,
 * and a bounded close(). Every bad request is answered with a JSON-RPC error object.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import { RpcDispatcher, toRpcError } from "./dispatch.js";
import type { RpcEnv } from "./env.js";
import { RpcCode, RpcError, RpcSetupError } from "./errors.js";
import { stringifyJson } from "./json.js";
import { errorResponse, parseBody, type RpcResponse } from "./jsonrpc.js";
import { headerVersion } from "./methods/chain-view.js";
import { createMethodTable } from "./methods/index.js";
import { type ResolvedRpcOptions, type RpcServerOptions, resolveRpcOptions } from "./options.js";
import { RateLimiter } from "./rate-limit.js";
import { HttpRequestContext } from "./request-context.js";
import { refuseUpgrade, WebsocketEndpoint } from "./ws/endpoint.js";
import { SubscriptionHub } from "./ws/hub.js";

type Headers = Record<string, string>;

type BodyRead =
  | { readonly kind: "ok"; readonly text: string }
  | { readonly kind: "too_large"; readonly cut: boolean }
  | { readonly kind: "aborted" };

/** No extra headers (no CORS): shared, never mutated. */
const NO_HEADERS: Headers = Object.freeze({});
const CORS_METHODS = "HEAD, GET, POST";
const CORS_HEADERS = "Origin, Accept, Content-Type, X-Requested-With, X-Server-Time, Authorization";
/** How long a connection beyond the limit may stay open to receive its refusal. */
const OVER_LIMIT_SOCKET_MS = 5_000;

export class RpcServer {
  private readonly sockets = new Set<Socket>();
  /** Connections beyond maxOpenConnections: their requests are refused. */
  private readonly refused = new Set<Socket>();
  /** Requests in progress per connection, so close() can drop the idle ones at once. */
  private readonly inflight = new WeakMap<Socket, number>();
  private readonly shutdown = new AbortController();
  /** The call signals of requests in progress, aborted together when the server closes. */
  private readonly live = new Set<AbortController>();
  private closing: Promise<void> | undefined;
  private readonly websocket: WebsocketEndpoint;
  private readonly adminDigest: Buffer | null;

  private constructor(
    private readonly http: Server,
    private readonly opts: ResolvedRpcOptions,
    private readonly dispatcher: RpcDispatcher,
    private readonly limiter: RateLimiter | null,
    private readonly hub: SubscriptionHub,
    private readonly logger: Logger,
  ) {
    this.adminDigest = opts.adminToken === "" ? null : digest(opts.adminToken);
    this.websocket = new WebsocketEndpoint(opts, dispatcher, hub, limiter, this.shutdown.signal, logger);
    http.on("connection", (socket: Socket) => this.onConnection(socket));
    http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    http.on("request", (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
  }

  /** Validates options and env, then listens. Throws RpcSetupError (RPC_BAD_OPTIONS, RPC_LISTEN_FAILED). */
  static async start(options: RpcServerOptions, env: RpcEnv, logger: Logger): Promise<RpcServer> {
    const opts = resolveRpcOptions(options);
    assertJson(env.genesisJson);
    let self: RpcServer | undefined;
    const methods = createMethodTable(env, {
      rpcAddress: () => self?.laddr ?? `tcp://${opts.host}:${opts.port}`,
      timeoutBroadcastTxCommitMs: opts.timeoutBroadcastTxCommitMs,
      logger,
      unsafe: opts.unsafe,
    });
    const dispatcher = new RpcDispatcher(methods, {
      handlerTimeoutMs: opts.handlerTimeoutMs,
      maxBatchSize: opts.maxBatchSize,
      logger,
    });
    const limiter =
      opts.rateLimitPerIp > 0 ? new RateLimiter(opts.rateLimitPerIp, opts.rateLimitBurst, opts.nowMs) : null;
    const http = createServer({
      // Slow clients may not hold a connection forever; a handler has its own limit.
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
    });
    const hub = new SubscriptionHub(env.eventBus, () => headerVersion(env), logger);
    self = new RpcServer(http, opts, dispatcher, limiter, hub, logger);
    try {
      await listen(http, opts.host, opts.port);
    } catch (err) {
      await self.websocket.close();
      hub.close();
      throw err;
    }
    http.on("error", (err) => logger.error("JSON-RPC server error", { err: errorMessage(err) }));
    logger.info("JSON-RPC server listening", { laddr: self.laddr });
    return self;
  }

  /** The bound address (the real port when started on port 0). */
  get address(): { host: string; port: number } {
    const a = this.http.address() as AddressInfo | null;
    return { host: a?.address ?? this.opts.host, port: a?.port ?? this.opts.port };
  }

  get laddr(): string {
    const { host, port } = this.address;
    return `tcp://${host.includes(":") ? `[${host}]` : host}:${port}`;
  }

  get url(): string {
    return `http${this.laddr.slice("tcp".length)}`;
  }

  /** The websocket URL base (cosmjs appends /websocket). */
  get wsUrl(): string {
    return `ws${this.laddr.slice("tcp".length)}`;
  }

  /** Open websocket connections. */
  get websocketClients(): number {
    return this.websocket.clientCount;
  }

  /**
   * Stops accepting, fails waiting calls (broadcast_tx_commit) with a shutdown error, lets
   * in-flight responses finish for up to closeTimeoutMs, then cuts the remaining connections.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.shutdown.abort(new Error("RPC server is shutting down"));
    for (const c of this.live) c.abort(this.shutdown.signal.reason);
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    // Websocket clients first: they are told the server is going away, then cut.
    await settlesWithin(this.websocket.close(), this.opts.wsCloseGraceMs + 1_000);
    this.hub.close();
    // Idle keep-alive connections, and fresh ones that never sent a request, go now; busy
    // ones close after their response (which carries `Connection: close`).
    for (const s of [...this.sockets, ...this.refused]) {
      if ((this.inflight.get(s) ?? 0) === 0) s.destroy();
    }
    if (!(await settlesWithin(closed, this.opts.closeTimeoutMs))) {
      this.http.closeAllConnections();
      for (const s of [...this.sockets, ...this.refused]) s.destroy();
      await settlesWithin(closed, 1_000);
    }
    this.logger.info("JSON-RPC server closed");
  }

  private onConnection(socket: Socket): void {
    const max = this.opts.maxOpenConnections;
    if (max > 0 && this.sockets.size >= max) {
      // Kept just long enough to answer its first request with a JSON-RPC error.
      this.refused.add(socket);
      socket.once("close", () => this.refused.delete(socket));
      socket.setTimeout(OVER_LIMIT_SOCKET_MS, () => socket.destroy());
      return;
    }
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  /** `GET /websocket` upgrades: vetted here (path, origin, rate), then handed to the endpoint. */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const remote = req.socket.remoteAddress ?? "unknown";
    if (this.shutdown.signal.aborted) {
      refuseUpgrade(socket, 503, RpcError.server("RPC server is shutting down"));
      return;
    }
    if (this.refused.has(req.socket)) {
      const err = RpcError.server(`too many open connections (max ${this.opts.maxOpenConnections})`);
      refuseUpgrade(socket, 503, err);
      return;
    }
    const url = parseUrl(req.url);
    if (url?.pathname !== "/websocket") {
      const err = RpcError.invalidRequest(`no websocket endpoint at ${url?.pathname ?? "?"}; use /websocket`);
      refuseUpgrade(socket, 404, err);
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin)) {
      const err = RpcError.invalidRequest(
        `origin ${JSON.stringify(origin)} is not in the RPC's CORS allow-list`,
      );
      refuseUpgrade(socket, 403, err);
      return;
    }
    if (this.limiter !== null && !this.limiter.take(remote)) {
      const err = RpcError.server(
        `rate limit exceeded: at most ${this.opts.rateLimitPerIp} calls per second per IP`,
      );
      refuseUpgrade(socket, 429, err);
      return;
    }
    this.websocket.upgrade(req, socket, head, this.isAdmin(req), remote);
  }

  private originAllowed(origin: string): boolean {
    const allowed = this.opts.corsAllowedOrigins;
    return allowed.includes("*") || allowed.includes(origin);
  }

  /** Whether the request carries `Authorization: Bearer <admin token>` (constant-time compare). */
  private isAdmin(req: IncomingMessage): boolean {
    if (this.adminDigest === null) return false;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), this.adminDigest);
  }

  /** One listener per request on the response's close: the connection's count and the call context. */
  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const ctx = new HttpRequestContext(
      socket.remoteAddress ?? "unknown",
      this.isAdmin(req),
      this.live,
      this.shutdown.signal,
    );
    this.inflight.set(socket, (this.inflight.get(socket) ?? 0) + 1);
    res.once("close", () => {
      this.inflight.set(socket, (this.inflight.get(socket) ?? 1) - 1);
      ctx.responseClosed(res.writableFinished);
    });
    this.serve(req, res, ctx).catch((err: unknown) => this.onServeFailure(res, err));
  }

  private async serve(req: IncomingMessage, res: ServerResponse, ctx: HttpRequestContext): Promise<void> {
    const cors = this.corsHeaders(req.headers.origin);
    const remote = ctx.remoteAddr;
    if (this.shutdown.signal.aborted) {
      return this.sendError(res, 503, RpcError.server("RPC server is shutting down"), cors, true);
    }
    if (this.refused.has(req.socket)) {
      const err = RpcError.server(`too many open connections (max ${this.opts.maxOpenConnections})`);
      return this.sendError(res, 429, err, { ...cors, "Retry-After": "1" }, true);
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors).end();
      return;
    }
    if (this.limiter !== null && !this.limiter.take(remote)) return this.sendRateLimited(res, cors);

    const url = parseUrl(req.url);
    if (url === null) return this.sendError(res, 400, RpcError.invalidRequest("malformed request URL"), cors);
    const method = req.method ?? "GET";
    if (url.pathname === "/") {
      if (method === "POST") return this.serveJsonRpc(req, res, ctx, cors, remote);
      if (method === "GET" || method === "HEAD") return this.serveIndex(req, res, cors);
      return this.sendError(res, 405, RpcError.invalidRequest(`HTTP ${method} is not supported`), cors);
    }
    if (method !== "GET" && method !== "HEAD" && method !== "POST") {
      return this.sendError(res, 405, RpcError.invalidRequest(`HTTP ${method} is not supported`), cors);
    }
    // URI call: the method is the path, parameters are the query string.
    req.once("error", () => ctx.disconnected());
    const response = await this.dispatcher.handleUri(url.pathname.slice(1), url.searchParams, ctx);
    const status = "error" in response ? (response.error.code === RpcCode.MethodNotFound ? 404 : 500) : 200;
    this.send(res, status, stringifyJson(response), cors);
  }

  private async serveJsonRpc(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: HttpRequestContext,
    cors: Headers,
    remote: string,
  ): Promise<void> {
    const body = await readBody(req, this.opts.maxBodyBytes, ctx);
    if (body.kind === "aborted") return;
    if (body.kind === "too_large") {
      const err = RpcError.invalidRequest(
        `error reading request body: the body exceeds the limit of ${this.opts.maxBodyBytes} bytes`,
      );
      this.sendError(res, 413, err, cors, body.cut);
      if (body.cut) res.once("finish", () => req.socket.destroy());
      return;
    }
    if (body.text.trim() === "") {
      const err = RpcError.invalidRequest("empty request body: send a JSON-RPC 2.0 request object or batch");
      return this.sendError(res, 400, err, cors);
    }
    let parsed: ReturnType<typeof parseBody>;
    try {
      parsed = parseBody(body.text);
    } catch (err) {
      // CometBFT answers unparsable JSON with HTTP 500.
      return this.sendError(res, 500, toRpcError(err, this.logger), cors);
    }
    // A batch spends one token per call (the first was spent on arrival).
    const extra = parsed.batch ? Math.min(parsed.items.length, this.opts.maxBatchSize) - 1 : 0;
    if (this.limiter !== null && extra > 0 && !this.limiter.take(remote, extra)) {
      return this.sendRateLimited(res, cors);
    }
    if (!parsed.batch) {
      const text = await this.dispatcher.handleRequestText(parsed.items[0], ctx);
      if (text === null) {
        res.writeHead(204, this.closeHeader(cors)).end();
        return;
      }
      return this.send(res, 200, text, cors);
    }
    const outcome = await this.dispatcher.handleParsed(parsed, ctx);
    if (outcome.kind === "parse_error") return this.send(res, 500, stringifyJson(outcome.response), cors);
    if (outcome.body === null) {
      res.writeHead(204, this.closeHeader(cors)).end();
      return;
    }
    this.send(res, 200, stringifyJson(outcome.body as RpcResponse | RpcResponse[]), cors);
  }

  /** `GET /`: the list of methods, like CometBFT's index page. */
  private serveIndex(req: IncomingMessage, res: ServerResponse, cors: Headers): void {
    const host = escapeHtml(req.headers.host ?? "localhost");
    const links = this.dispatcher
      .methodNames()
      .map((name) => `<a href="//${host}/${name}">//${host}/${name}</a></br>`)
      .join("");
    const html = `<html><body><br>Available endpoints:<br>${links}</body></html>`;
    res
      .writeHead(200, {
        ...this.closeHeader(cors),
        "Content-Type": "text/html",
        "Content-Length": String(Buffer.byteLength(html)),
      })
      .end(html);
  }

  private corsHeaders(origin: string | undefined): Headers {
    const allowed = this.opts.corsAllowedOrigins;
    if (origin === undefined || allowed.length === 0) return NO_HEADERS;
    const any = allowed.includes("*");
    if (!any && !allowed.includes(origin)) return NO_HEADERS;
    return {
      "Access-Control-Allow-Origin": any ? "*" : origin,
      "Access-Control-Allow-Methods": CORS_METHODS,
      "Access-Control-Allow-Headers": CORS_HEADERS,
      Vary: "Origin",
    };
  }

  private closeHeader(headers: Headers, close = false): Headers {
    return close || this.shutdown.signal.aborted ? { ...headers, Connection: "close" } : headers;
  }

  private sendRateLimited(res: ServerResponse, cors: Headers): void {
    const err = RpcError.server(
      `rate limit exceeded: at most ${this.opts.rateLimitPerIp} calls per second per IP`,
    );
    this.sendError(res, 429, err, { ...cors, "Retry-After": "1" });
  }

  private sendError(
    res: ServerResponse,
    status: number,
    err: RpcError,
    headers: Headers,
    close = false,
  ): void {
    this.send(res, status, stringifyJson(errorResponse(null, err)), headers, close);
  }

  private send(res: ServerResponse, status: number, body: string, headers: Headers, close = false): void {
    if (res.headersSent || res.destroyed) return;
    const length = String(Buffer.byteLength(body));
    // The usual answer (no CORS, keep-alive) without copying header objects.
    const all =
      headers === NO_HEADERS && !close && !this.shutdown.signal.aborted
        ? { "Content-Type": "application/json", "Content-Length": length }
        : {
            ...this.closeHeader(headers, close),
            "Content-Type": "application/json",
            "Content-Length": length,
          };
    res.writeHead(status, all).end(body);
  }

  private onServeFailure(res: ServerResponse, err: unknown): void {
    this.logger.error("RPC request failed", { err: errorMessage(err) });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.sendError(res, 500, RpcError.internal(errorMessage(err)), {}, true);
  }
}

/**
 * Reads the body up to `limit` bytes; a larger one is drained (up to a cap) then refused. A
 * failing request stream (the client went away) also aborts the request's calls.
 */
function readBody(req: IncomingMessage, limit: number, ctx: HttpRequestContext): Promise<BodyRead> {
  const drainCap = Math.max(4 * limit, 4 * 1024 * 1024);
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > drainCap) return Promise.resolve({ kind: "too_large", cut: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > limit;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > drainCap) {
        req.removeAllListeners("data");
        req.pause();
        resolve({ kind: "too_large", cut: true });
      } else if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    // `on`, not `once`: the promise settles once anyway, and these stay for the request's life.
    req.on("end", () => {
      if (tooLarge) resolve({ kind: "too_large", cut: false });
      else
        resolve({
          kind: "ok",
          text: (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString("utf8"),
        });
    });
    req.on("error", () => {
      ctx.disconnected();
      resolve({ kind: "aborted" });
    });
    req.on("close", () => resolve({ kind: "aborted" }));
  });
}

function listen(http: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      reject(
        new RpcSetupError("RPC_LISTEN_FAILED", `cannot listen on ${host}:${port}: ${err.message}`, {
          cause: err,
        }),
      );
    };
    http.once("error", onError);
    http.listen(port, host, () => {
      http.off("error", onError);
      resolve();
    });
  });
}

function assertJson(text: string): void {
  try {
    JSON.parse(text);
  } catch (err) {
    throw new RpcSetupError(
      "RPC_BAD_OPTIONS",
      `the genesis document served by RPC is not valid JSON: ${errorMessage(err)}`,
    );
  }
}

async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type RequestUrl = Pick<URL, "pathname" | "searchParams">;

/** `POST /` is every JSON-RPC call: answered without building a URL (it showed per request). */
const ROOT_URL: RequestUrl = Object.freeze({ pathname: "/", searchParams: new URLSearchParams() });

function parseUrl(raw: string | undefined): RequestUrl | null {
  if (raw === "/" || raw === undefined) return ROOT_URL;
  try {
    return new URL(raw ?? "/", "http://rpc.invalid");
  } catch {
    return null;
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
