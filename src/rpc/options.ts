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
} as const;

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
    nowMs: opts.nowMs ?? (() => performance.now()),
  };
}
