/**
 * Request/response over one libp2p stream: length-prefixed messages (lpStream) with a size limit
 * checked from the length prefix (before the body is buffered), and ONE deadline for the whole
 * exchange, so a silent or slow peer can never hold a request (or a serving slot) forever.
 */
import type { Stream } from "@libp2p/interface";
import { type LengthPrefixedStream, lpStream } from "@libp2p/utils";
import { errorMessage } from "../errors.js";
import { P2pError } from "./errors.js";
import type { P2pHost } from "./host.js";
import { settleWithin } from "./timeout.js";

export interface ExchangeLimits {
  /** Deadline for the whole exchange, from open to close. */
  readonly timeoutMs: number;
  /** Largest message read; a bigger length prefix fails with P2P_MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes: number;
}

export class Exchange {
  private readonly lp: LengthPrefixedStream<Stream>;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private done = false;

  private constructor(
    private readonly stream: Stream,
    readonly peer: string,
    private readonly what: string,
    limits: ExchangeLimits,
  ) {
    this.lp = lpStream(stream, {
      maxDataLength: limits.maxMessageBytes,
      maxBufferSize: limits.maxMessageBytes + 64,
    });
    this.timer = setTimeout(() => {
      const err = new P2pError(
        "P2P_TIMEOUT",
        `${what} with ${peer} took longer than ${limits.timeoutMs} ms`,
        {
          peer,
        },
      );
      this.controller.abort(err);
      this.stream.abort(err);
    }, limits.timeoutMs);
  }

  /** Opens a stream to `peer` for `protocol` (the dial counts against the deadline). */
  static async open(
    host: P2pHost,
    peer: string,
    protocol: string,
    limits: ExchangeLimits,
  ): Promise<Exchange> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
    try {
      const stream = await host.dialProtocol(peer, protocol, controller.signal);
      return new Exchange(stream, peer, protocol, limits);
    } catch (err) {
      if (controller.signal.aborted) {
        throw new P2pError(
          "P2P_TIMEOUT",
          `opening ${protocol} to ${peer} took longer than ${limits.timeoutMs} ms`,
          {
            peer,
          },
        );
      }
      throw new P2pError(
        "P2P_NO_RESPONSE",
        `cannot open ${protocol} to ${peer}: ${errorMessage(err)}`,
        { peer },
        {
          cause: err,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Serves one inbound stream: runs `fn`, then closes the stream, or aborts it if `fn` throws
   * (the error is rethrown for the caller to log).
   */
  static async serve(
    stream: Stream,
    peer: string,
    limits: ExchangeLimits,
    fn: (ex: Exchange) => Promise<void>,
  ): Promise<void> {
    const ex = new Exchange(stream, peer, stream.protocol, limits);
    try {
      await fn(ex);
    } catch (err) {
      ex.abort(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    await ex.close();
  }

  async write(message: Uint8Array): Promise<void> {
    try {
      await this.lp.write(message, { signal: this.controller.signal });
    } catch (err) {
      throw this.translate(err, "writing");
    }
  }

  async read(): Promise<Uint8Array> {
    try {
      const list = await this.lp.read({ signal: this.controller.signal });
      return list.subarray();
    } catch (err) {
      throw this.translate(err, "reading");
    }
  }

  /** Graceful close (bounded); aborts the stream if that does not finish in time. */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    const r = await settleWithin(this.stream.close({ signal: AbortSignal.timeout(2000) }), 2500);
    if (r !== "done") this.stream.abort(new Error("close timed out"));
  }

  abort(err: Error): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.stream.abort(err);
  }

  private translate(err: unknown, doing: string): P2pError {
    const reason = this.controller.signal.reason;
    if (reason instanceof P2pError) return reason;
    const name = err instanceof Error ? err.name : "";
    if (
      name === "InvalidDataLengthError" ||
      name === "InvalidDataLengthLengthError" ||
      name === "StreamBufferError"
    ) {
      return new P2pError(
        "P2P_MESSAGE_TOO_LARGE",
        `${this.what}: ${this.peer} sent a message over the size limit`,
        {
          peer: this.peer,
        },
      );
    }
    if (name === "UnexpectedEOFError") {
      return new P2pError("P2P_NO_RESPONSE", `${this.what}: ${this.peer} closed the stream while ${doing}`, {
        peer: this.peer,
      });
    }
    return new P2pError(
      "P2P_NO_RESPONSE",
      `${this.what}: ${doing} failed with ${this.peer}: ${errorMessage(err)}`,
      { peer: this.peer },
      { cause: err },
    );
  }
}
