/**
 * One websocket connection: its subscriptions, its requests (handled one at a time, in the
 * order they arrive), and a bounded outgoing buffer.
 *
 * Everything sent is counted until the socket has handed it to the kernel. Requests wait
 * while the buffer is full (and the socket is not read meanwhile), so a client flooding
 * requests only slows itself. An event that finds more than `bufferMessages` messages (or
 * `bufferBytes`) piled up means the client is not reading: each of
 * its subscriptions gets CometBFT's "subscription was canceled (reason: slow client)" error,
 * the connection is closed (1008) and, if the close cannot complete within the grace period,
 * cut — so a stalled reader costs bounded memory and never slows the other clients.
 */
import WebSocket from "ws";
import { compileQuery } from "../../indexer/matcher.js";
import type { Query } from "../../indexer/query.js";
import type { Logger } from "../../log.js";
import { RpcError } from "../errors.js";
import type { PublishedEvent } from "../events.js";
import type { RpcId } from "../jsonrpc.js";
import type { RpcSession } from "../methods/types.js";
import type { EventSink, SubscriptionHub } from "./hub.js";

export interface SessionLimits {
  readonly maxSubscriptions: number;
  readonly bufferMessages: number;
  readonly bufferBytes: number;
  readonly closeGraceMs: number;
}

/** Requests read ahead of the one in progress before the socket stops being read. */
const MAX_INBOX = 32;

export const CLOSE_SLOW_CLIENT = 1008;
export const CLOSE_GOING_AWAY = 1001;

interface Subscription {
  readonly idJson: string;
  readonly queryJson: string;
}

export class WsSession implements RpcSession, EventSink {
  /** By canonical query text (CometBFT keys subscriptions by client and query). */
  private readonly subs = new Map<string, Subscription>();
  private pendingMessages = 0;
  private pendingBytes = 0;
  private closing = false;
  private closeTimer: NodeJS.Timeout | undefined;
  private readonly inbox: string[] = [];
  private processing = false;
  private paused = false;
  /** Resolved when the outgoing buffer has drained to half (requests wait for it). */
  private drained: (() => void) | null = null;
  private readonly gone = new AbortController();
  /** Cleared on each ping, set by a pong or any message. */
  alive = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly hub: SubscriptionHub,
    private readonly limits: SessionLimits,
    readonly remoteAddr: string,
    private readonly handle: (text: string, session: WsSession) => Promise<string | null>,
    private readonly logger: Logger,
  ) {
    ws.on("pong", () => {
      this.alive = true;
    });
    ws.once("close", () => this.dispose());
  }

  /** Aborts when the connection is gone (cancels a waiting broadcast_tx_commit). */
  get signal(): AbortSignal {
    return this.gone.signal;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Queues one incoming text message; stops reading the socket while too many wait. */
  receive(text: string): void {
    this.alive = true;
    if (this.closing) return;
    this.inbox.push(text);
    if (this.inbox.length >= MAX_INBOX && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
    if (!this.processing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.processing = true;
    try {
      let handled = 0;
      for (let text = this.inbox.shift(); text !== undefined; text = this.inbox.shift()) {
        if (this.closing) break;
        if (this.paused && this.inbox.length < MAX_INBOX / 2) {
          this.paused = false;
          this.ws.resume();
        }
        // A client that does not read its responses is not given more work: its requests
        // wait here, the inbox fills and its socket stops being read.
        if (this.isFull()) await this.waitDrained();
        // Let other connections and socket writes run between requests.
        if (++handled % 16 === 0) await new Promise((r) => setImmediate(r));
        if (this.closing) break;
        let reply: string | null;
        try {
          reply = await this.handle(text, this);
        } catch (err) {
          this.logger.error("websocket: request handling failed", { err });
          reply = errorText(null, RpcError.internal("request handling failed"));
        }
        if (reply !== null) this.write(reply);
      }
    } finally {
      this.processing = false;
    }
  }

  private isFull(): boolean {
    return this.pendingMessages >= this.limits.bufferMessages || this.pendingBytes >= this.limits.bufferBytes;
  }

  private waitDrained(): Promise<void> {
    return new Promise((resolve) => {
      this.drained = resolve;
    });
  }

  /** Queues `text` whatever the buffer holds (callers bound it). */
  private write(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const size = text.length;
    this.pendingMessages++;
    this.pendingBytes += size;
    this.ws.send(text, () => {
      this.pendingMessages--;
      this.pendingBytes -= size;
      if (
        this.drained !== null &&
        this.pendingMessages <= this.limits.bufferMessages / 2 &&
        this.pendingBytes <= this.limits.bufferBytes / 2
      ) {
        const resolve = this.drained;
        this.drained = null;
        resolve();
      }
    });
  }

  /** Sends an event within the buffer limit; a client over it is dropped as slow. False if not sent. */
  send(text: string): boolean {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return false;
    const over =
      this.pendingMessages >= this.limits.bufferMessages ||
      (this.pendingMessages > 0 && this.pendingBytes + text.length > this.limits.bufferBytes);
    if (over) {
      this.dropSlowClient();
      return false;
    }
    this.write(text);
    return true;
  }

  publish(event: PublishedEvent, matches: (queryText: string) => boolean): void {
    for (const [queryText, sub] of [...this.subs]) {
      if (!matches(queryText)) continue;
      const text = `{"jsonrpc":"2.0","id":${sub.idJson},"result":{"query":${sub.queryJson},"data":${event.data()},"events":${event.eventsJson()}}}`;
      if (!this.send(text)) return;
    }
  }

  subscribe(query: Query, id: RpcId): void {
    if (this.closing) throw RpcError.internal("the connection is closing");
    if (this.subs.has(query.text)) throw RpcError.internal("already subscribed");
    if (this.subs.size >= this.limits.maxSubscriptions) {
      throw RpcError.internal(`max_subscriptions_per_client ${this.limits.maxSubscriptions} reached`);
    }
    const compiled = compileQuery(query);
    this.hub.acquire(query.text, (e) => compiled.matches(e.events), eventNameOf(query));
    this.subs.set(query.text, { idJson: JSON.stringify(id), queryJson: JSON.stringify(query.text) });
    if (this.subs.size === 1) this.hub.add(this);
  }

  unsubscribe(query: Query): void {
    if (!this.subs.delete(query.text)) throw RpcError.internal("subscription not found");
    this.hub.release(query.text);
    if (this.subs.size === 0) this.hub.remove(this);
  }

  unsubscribeAll(): void {
    if (this.subs.size === 0) throw RpcError.internal("subscription not found");
    this.releaseAll();
  }

  /** Closes with `code`; cut if the close handshake does not finish within the grace period. */
  close(code: number, reason: string): void {
    this.closing = true;
    this.releaseAll();
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.closeTimer ??= setTimeout(() => this.ws.terminate(), this.limits.closeGraceMs);
    this.ws.close(code, reason);
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Cuts the connection at once (no answer to keepalive pings). */
  terminate(): void {
    this.closing = true;
    this.ws.terminate();
  }

  private dropSlowClient(): void {
    if (this.closing) return;
    this.logger.info("websocket: dropping a client that does not read its messages", {
      remote: this.remoteAddr,
      pendingMessages: this.pendingMessages,
      pendingBytes: this.pendingBytes,
    });
    // Past the limit on purpose: these few messages tell the client why it is disconnected.
    const canceled = RpcError.server("subscription was canceled (reason: slow client)");
    for (const sub of this.subs.values()) this.ws.send(errorTextRaw(sub.idJson, canceled));
    if (this.subs.size === 0) {
      const err = RpcError.server("connection closed: the client does not read its responses (slow client)");
      this.ws.send(errorTextRaw("null", err));
    }
    this.close(CLOSE_SLOW_CLIENT, "slow client");
  }

  private releaseAll(): void {
    for (const q of this.subs.keys()) this.hub.release(q);
    this.subs.clear();
    this.hub.remove(this);
  }

  private dispose(): void {
    this.closing = true;
    this.drained?.();
    this.drained = null;
    clearTimeout(this.closeTimer);
    this.releaseAll();
    this.inbox.length = 0;
    this.gone.abort(new Error("websocket closed"));
  }
}

function errorTextRaw(idJson: string, err: RpcError): string {
  return `{"jsonrpc":"2.0","id":${idJson},"error":${JSON.stringify(err.toErrorObject())}}`;
}

export function errorText(id: RpcId, err: RpcError): string {
  return errorTextRaw(JSON.stringify(id), err);
}

/** The event a query is limited to by `tm.event = 'Name'`, if it is. */
function eventNameOf(query: Query): string | undefined {
  for (const c of query.conditions) {
    if (c.tag === "tm.event" && c.op === "=" && c.arg?.kind === "string") return c.arg.text;
  }
  return undefined;
}
