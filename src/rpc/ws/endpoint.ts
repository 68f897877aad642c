/**
 * `/websocket` on the RPC's HTTP server: JSON-RPC over websocket text frames with the same
 * method table as HTTP (plus subscribe, unsubscribe, unsubscribe_all), a limit on clients,
 * the per-IP rate limit on every message, a message size limit, and ping/pong keepalive.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocketServer } from "ws";
import type { Logger } from "../../log.js";
import { type RpcDispatcher, toRpcError } from "../dispatch.js";
import { RpcError } from "../errors.js";
import { stringifyJson } from "../json.js";
import { idOf, parseBody, type RpcResponse } from "../jsonrpc.js";
import type { ResolvedRpcOptions } from "../options.js";
import type { RateLimiter } from "../rate-limit.js";
import type { SubscriptionHub } from "./hub.js";
import { CLOSE_GOING_AWAY, errorText, WsSession } from "./session.js";

export class WebsocketEndpoint {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<WsSession>();
  private readonly pingTimer: NodeJS.Timeout;

  constructor(
    private readonly opts: ResolvedRpcOptions,
    private readonly dispatcher: RpcDispatcher,
    private readonly hub: SubscriptionHub,
    private readonly limiter: RateLimiter | null,
    private readonly shutdown: AbortSignal,
    private readonly logger: Logger,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: opts.maxBodyBytes,
      perMessageDeflate: false,
    });
    this.pingTimer = setInterval(() => this.keepalive(), opts.wsPingIntervalMs);
    this.pingTimer.unref();
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  /**
   * Takes over an HTTP upgrade the server has already vetted (path, origin, rate). Refuses
   * with 503 beyond maxSubscriptionClients.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, admin: boolean, remote: string): void {
    const max = this.opts.maxSubscriptionClients;
    if (this.sessions.size >= max) {
      const why =
        max === 0 ? "the websocket endpoint is disabled" : `too many websocket clients (max ${max})`;
      refuseUpgrade(socket, 503, RpcError.server(why));
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new WsSession(
        ws,
        this.hub,
        {
          maxSubscriptions: this.opts.maxSubscriptionsPerClient,
          bufferMessages: this.opts.subscriptionBufferSize,
          bufferBytes: this.opts.subscriptionBufferBytes,
          closeGraceMs: this.opts.wsCloseGraceMs,
        },
        remote,
        (text, s) => this.handle(text, s, admin),
        this.logger,
      );
      this.sessions.add(session);
      ws.once("close", () => this.sessions.delete(session));
      ws.on("error", (err) => this.logger.debug("websocket: connection error", { remote, err: err.message }));
      ws.on("message", (data: RawData, isBinary: boolean) => {
        if (isBinary) {
          session.send(errorText(null, RpcError.invalidRequest("send JSON-RPC requests as text frames")));
          return;
        }
        session.receive(rawToString(data));
      });
    });
  }

  /** Tells every client the server is going away; cut after the grace period. */
  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    const closed = [...this.sessions].map(
      (s) =>
        new Promise<void>((resolve) => {
          s.signal.addEventListener("abort", () => resolve(), { once: true });
          if (s.signal.aborted) resolve();
          s.close(CLOSE_GOING_AWAY, "server shutting down");
        }),
    );
    await Promise.all(closed);
    this.wss.close();
  }

  private keepalive(): void {
    for (const s of this.sessions) {
      if (!s.alive) {
        this.logger.info("websocket: no pong from client, disconnecting", { remote: s.remoteAddr });
        s.terminate();
        continue;
      }
      s.alive = false;
      s.ping();
    }
  }

  private async handle(text: string, session: WsSession, admin: boolean): Promise<string | null> {
    let parsed: ReturnType<typeof parseBody>;
    try {
      parsed = parseBody(text);
    } catch (err) {
      return stringifyJson({ jsonrpc: "2.0", id: null, error: toRpcError(err, this.logger).toErrorObject() });
    }
    const cost = parsed.batch ? Math.max(1, Math.min(parsed.items.length, this.opts.maxBatchSize)) : 1;
    if (this.limiter !== null && !this.limiter.take(session.remoteAddr, cost)) {
      const err = RpcError.server(
        `rate limit exceeded: at most ${this.opts.rateLimitPerIp} calls per second per IP`,
      );
      return errorText(parsed.batch ? null : idOf(parsed.items[0]), err);
    }
    const outcome = await this.dispatcher.handleParsed(parsed, {
      signal: AbortSignal.any([session.signal, this.shutdown]),
      remoteAddr: session.remoteAddr,
      session,
      admin,
    });
    if (outcome.kind === "parse_error") return stringifyJson(outcome.response);
    return outcome.body === null ? null : stringifyJson(outcome.body as RpcResponse | RpcResponse[]);
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  return Buffer.from(new Uint8Array(data)).toString("utf8");
}

/** Answers an upgrade request with an HTTP error carrying a JSON-RPC error body. */
export function refuseUpgrade(socket: Duplex, status: number, err: RpcError): void {
  const body = stringifyJson({ jsonrpc: "2.0", id: null, error: err.toErrorObject() });
  const reason = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests" }[status];
  socket.end(
    `HTTP/1.1 ${status} ${reason ?? "Service Unavailable"}\r\n` +
      "Connection: close\r\nContent-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once("finish", () => socket.destroy());
}
