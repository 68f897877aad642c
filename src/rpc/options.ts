/** RPC server options (the `[rpc]` config section plus a few internals), defaults and checks. */
import { RpcSetupError } from "./errors.js";

export interface RpcServerOptions {
  /** `tcp://host:port` or `host:port`; port 0 picks a free port. */
  readonly laddr: string;
  readonly maxBodyBytes?: number;
  /** Most requests in one JSON-RPC batch. */
  readonly maxBatchSize?: number;
  /** Origins allowed by CORS; "*" allows any. Empty: no CORS headers. */
  readonly corsAllowedOrigins?: readonly string[];
  readonly timeoutBroadcastTxCommitMs?: number;
  /** Concurrent connections; 0 = unlimited. */
  readonly maxOpenConnections?: number;
  /** Calls per second per client IP; 0 = unlimited. */
  readonly rateLimitPerIp?: number;
  /** Calls a client may make at once before the rate applies (default: the rate, at least 1). */
  readonly rateLimitBurst?: number;
  /** Longest a handler may run (broadcast_tx_commit gets its own wait on top). */
  readonly handlerTimeoutMs?: number;
  /** Longest close() waits for in-flight requests before cutting connections. */
  readonly closeTimeoutMs?: number;
  /** Most websocket connections at once (CometBFT's max_subscription_clients); 0 turns the websocket off. */
  readonly maxSubscriptionClients?: number;
  readonly maxSubscriptionsPerClient?: number;
  /**
   * Messages (events and responses) a websocket client may leave unread before it is told it
   * is too slow and disconnected (CometBFT's experimental_subscription_buffer_size).
   */
  readonly subscriptionBufferSize?: number;
  /** The same bound in bytes (a few huge blocks fill memory faster than many small ones). */
  readonly subscriptionBufferBytes?: number;
  /** Keepalive: a ping this often; a client that has not answered the previous one is dropped. */
  readonly wsPingIntervalMs?: number;
  /** How long a closing websocket (slow client, shutdown) may take before it is cut. */
  readonly wsCloseGraceMs?: number;
  /** Serve the unsafe methods (dial_peers, unsafe_flush_mempool); needs `adminToken`. */
  readonly unsafe?: boolean;
  /** Callers of unsafe methods send `Authorization: Bearer <adminToken>`. */
  readonly adminToken?: string;
  /** Clock for the rate limiter (tests). */
  readonly nowMs?: () => number;
}

export interface ResolvedRpcOptions {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly maxBatchSize: number;
  readonly corsAllowedOrigins: readonly string[];
  readonly timeoutBroadcastTxCommitMs: number;
  readonly maxOpenConnections: number;
  readonly rateLimitPerIp: number;
  readonly rateLimitBurst: number;
  readonly handlerTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly maxSubscriptionClients: number;
  readonly maxSubscriptionsPerClient: number;
  readonly subscriptionBufferSize: number;
  readonly subscriptionBufferBytes: number;
  readonly wsPingIntervalMs: number;
  readonly wsCloseGraceMs: number;
  readonly unsafe: boolean;
  readonly adminToken: string;
  readonly nowMs: () => number;
}

/** CometBFT's defaults where it has one. */
export const DEFAULT_RPC_OPTIONS = {
  laddr: "tcp://127.0.0.1:26657",
  maxBodyBytes: 1_000_000,
  maxBatchSize: 10,
  corsAllowedOrigins: [] as readonly string[],
  timeoutBroadcastTxCommitMs: 10_000,
  maxOpenConnections: 900,
  rateLimitPerIp: 0,
  handlerTimeoutMs: 15_000,
  closeTimeoutMs: 3_000,
  maxSubscriptionClients: 100,
  maxSubscriptionsPerClient: 5,
  subscriptionBufferSize: 200,
  subscriptionBufferBytes: 64 * 1024 * 1024,
  wsPingIntervalMs: 27_000,
  wsCloseGraceMs: 3_000,
} as const;

/** Shortest admin token accepted: a guessable token would make the unsafe methods public. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

const bad = (message: string) => new RpcSetupError("RPC_BAD_OPTIONS", message);

/** Splits `tcp://host:port` / `host:port` / `[v6]:port`. */
export function parseListenAddress(laddr: string): { host: string; port: number } {
  const m = /^(?:tcp:\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/\s[\]]+):(\d{1,5})$/.exec(laddr.trim());
  const rawHost = m?.[1];
  const port = Number(m?.[2]);
  if (rawHost === undefined || !(port <= 65_535)) {
    throw bad(`rpc laddr ${JSON.stringify(laddr)} must look like tcp://127.0.0.1:26657`);
  }
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  return { host, port };
}

function count(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw bad(`rpc ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

export function resolveRpcOptions(opts: RpcServerOptions): ResolvedRpcOptions {
  const d = DEFAULT_RPC_OPTIONS;
  const rate = opts.rateLimitPerIp ?? d.rateLimitPerIp;
  if (!Number.isFinite(rate) || rate < 0) throw bad(`rpc rateLimitPerIp must be >= 0, got ${rate}`);
  const burst = opts.rateLimitBurst ?? Math.max(1, Math.ceil(rate));
  const origins = opts.corsAllowedOrigins ?? d.corsAllowedOrigins;
  for (const o of origins) {
    if (o !== "*" && !/^https?:\/\/[^\s/]+$/.test(o)) {
      throw bad(`rpc CORS origin ${JSON.stringify(o)} must be "*" or like https://example.com`);
    }
  }
  const unsafe = opts.unsafe ?? false;
  const adminToken = opts.adminToken ?? "";
  if (unsafe && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw bad(
      `rpc unsafe methods need an admin token of at least ${MIN_ADMIN_TOKEN_LENGTH} characters (set rpc adminToken)`,
    );
  }
  return {
    ...parseListenAddress(opts.laddr),
    maxBodyBytes: count("maxBodyBytes", opts.maxBodyBytes ?? d.maxBodyBytes, 1),
    maxBatchSize: count("maxBatchSize", opts.maxBatchSize ?? d.maxBatchSize, 1),
    corsAllowedOrigins: origins,
    timeoutBroadcastTxCommitMs: count(
      "timeoutBroadcastTxCommitMs",
      opts.timeoutBroadcastTxCommitMs ?? d.timeoutBroadcastTxCommitMs,
      1,
    ),
    maxOpenConnections: count("maxOpenConnections", opts.maxOpenConnections ?? d.maxOpenConnections, 0),
    rateLimitPerIp: rate,
    rateLimitBurst: count("rateLimitBurst", burst, 1),
    handlerTimeoutMs: count("handlerTimeoutMs", opts.handlerTimeoutMs ?? d.handlerTimeoutMs, 1),
    closeTimeoutMs: count("closeTimeoutMs", opts.closeTimeoutMs ?? d.closeTimeoutMs, 0),
    maxSubscriptionClients: count(
      "maxSubscriptionClients",
      opts.maxSubscriptionClients ?? d.maxSubscriptionClients,
      0,
    ),
    maxSubscriptionsPerClient: count(
      "maxSubscriptionsPerClient",
      opts.maxSubscriptionsPerClient ?? d.maxSubscriptionsPerClient,
      1,
    ),
    subscriptionBufferSize: count(
      "subscriptionBufferSize",
      opts.subscriptionBufferSize ?? d.subscriptionBufferSize,
      1,
    ),
    subscriptionBufferBytes: count(
      "subscriptionBufferBytes",
      opts.subscriptionBufferBytes ?? d.subscriptionBufferBytes,
      1,
    ),
    wsPingIntervalMs: count("wsPingIntervalMs", opts.wsPingIntervalMs ?? d.wsPingIntervalMs, 1),
    wsCloseGraceMs: count("wsCloseGraceMs", opts.wsCloseGraceMs ?? d.wsCloseGraceMs, 0),
    unsafe,
    adminToken,
    nowMs: opts.nowMs ?? (() => performance.now()),
  };
}
