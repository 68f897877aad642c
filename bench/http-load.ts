/**
 * A lean HTTP/1.1 POST client for the load generators. The benchmarks run their clients on the
 * same two cores as the nodes they measure, and node:http's client costs ~40 µs of CPU per
 * request: one-tx-per-request load spent a fifth of the machine on the clients themselves, and
 * each wave of requests waited on them. Load tools (wrk, hey) are thin for the same reason.
 *
 * Keep-alive connections, one request at a time per connection; replies need a Content-Length
 * or chunked framing. Anything else fails the request loudly (the node's server always frames).
 */
import { connect, type Socket } from "node:net";

const HEADER_END = Buffer.from("\r\n\r\n");

export class LoadHttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadHttpError";
  }
}

interface Pending {
  readonly resolve: (body: string) => void;
  readonly reject: (err: Error) => void;
}

/** One keep-alive connection; `post` may only be called when it is idle. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly onIdle: (c: Connection) => void,
    private readonly onClose: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new LoadHttpError("connection closed by the server")));
  }

  static open(host: string, port: number, onIdle: (c: Connection) => void, onClose: (c: Connection) => void) {
    return new Connection(connect({ host, port }), onIdle, onClose);
  }

  post(head: string, body: string, p: Pending): void {
    this.pending = p;
    this.socket.ref();
    this.socket.write(`${head}${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buffer = this.buffer.length === 0 ? d : Buffer.concat([this.buffer, d]);
    const reply = parseReply(this.buffer);
    if (reply === null) return;
    this.buffer = this.buffer.subarray(reply.consumed);
    const p = this.pending;
    this.pending = null;
    if (reply.status !== 200)
      p?.reject(new LoadHttpError(`HTTP ${reply.status}: ${reply.body.slice(0, 200)}`));
    else p?.resolve(reply.body);
    if (reply.close) this.close();
    else {
      // An idle connection must not keep a finished benchmark process alive.
      this.socket.unref();
      this.onIdle(this);
    }
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
    }
    this.onClose(this);
  }
}

/** A whole reply at the start of `b`, or null while more bytes are needed. */
function parseReply(b: Buffer): { status: number; body: string; consumed: number; close: boolean } | null {
  const end = b.indexOf(HEADER_END);
  if (end < 0) return null;
  const head = b.toString("latin1", 0, end);
  const lines = head.split("\r\n");
  const status = Number(lines[0]?.split(" ")[1]);
  let length = -1;
  let chunked = false;
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === "content-length") length = Number(value);
    else if (name === "transfer-encoding") chunked = value.includes("chunked");
    else if (name === "connection") close = value === "close";
  }
  const start = end + HEADER_END.length;
  if (length >= 0) {
    if (b.length < start + length) return null;
    return { status, body: b.toString("utf8", start, start + length), consumed: start + length, close };
  }
  if (!chunked) throw new LoadHttpError("reply without Content-Length or chunked framing");
  const parts: Buffer[] = [];
  let p = start;
  for (;;) {
    const lineEnd = b.indexOf("\r\n", p);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(b.toString("latin1", p, lineEnd), 16);
    if (!Number.isFinite(size)) throw new LoadHttpError("bad chunk size in reply");
    const dataStart = lineEnd + 2;
    if (b.length < dataStart + size + 2) return null;
    if (size === 0) {
      return { status, body: Buffer.concat(parts).toString("utf8"), consumed: dataStart + 2, close };
    }
    parts.push(b.subarray(dataStart, dataStart + size));
    p = dataStart + size + 2;
  }
}

/** Keep-alive connections to one origin, opened as concurrent requests need them. */
export class LoadHttpClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly host: string;
  private readonly port: number;
  private readonly head: string;

  constructor(url: string) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    const path = `${u.pathname}${u.search}` || "/";
    this.head = `POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: `;
  }

  /** POSTs a JSON body; resolves with the reply body of a 200 reply. */
  post(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const conn =
        this.idle.pop() ??
        Connection.open(
          this.host,
          this.port,
          (c) => this.idle.push(c),
          (c) => this.forget(c),
        );
      this.all.add(conn);
      conn.post(this.head, body, { resolve, reject });
    });
  }

  close(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    this.idle.length = 0;
  }

  private forget(c: Connection): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }
}
