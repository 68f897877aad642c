/**
 * The call context of one HTTP request. Its abort signal — aborted when the client goes away
 * before its answer or when the server closes — is made only when a method reads it: most
 * calls (broadcast_tx_sync, queries) never do, and an AbortController per request was a
 * visible share of a broadcast's cost. The abort reason is the first of those events, as if the
 * signal had existed from the start.
 */
import type { RpcCallContext } from "./methods/types.js";

export class HttpRequestContext implements RpcCallContext {
  private controller: AbortController | undefined;
  /** Why the request was aborted before anyone read the signal. */
  private reason: unknown;
  private aborted = false;
  /** The response closed: from then on the server's shutdown no longer concerns this request. */
  private closed = false;

  constructor(
    readonly remoteAddr: string,
    readonly admin: boolean,
    /** The server's signals of requests in progress, all aborted when it closes. */
    private readonly live: Set<AbortController>,
    private readonly shutdown: AbortSignal,
  ) {
    if (shutdown.aborted) this.abortWith(shutdown.reason);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.aborted) controller.abort(this.reason);
      else if (this.shutdown.aborted && !this.closed) controller.abort(this.shutdown.reason);
      else if (!this.closed) this.live.add(controller);
    }
    return this.controller.signal;
  }

  /** The client went away (the request stream failed, or the response closed unfinished). */
  disconnected(): void {
    // A shutdown while the request was open came first (close() aborts every open request).
    this.abortWith(
      this.shutdown.aborted && !this.closed ? this.shutdown.reason : new Error("client disconnected"),
    );
  }

  /** The response closed; `finished` when it was written out in full. */
  responseClosed(finished: boolean): void {
    if (!finished) this.disconnected();
    this.closed = true;
    if (this.controller !== undefined) this.live.delete(this.controller);
  }

  private abortWith(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
