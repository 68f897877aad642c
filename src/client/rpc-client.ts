/**
 * A JSON-RPC 2.0 client over HTTP POST for a CometBFT-shaped server. Parameters follow
 * CometBFT's JSON encoding (int64 as strings, []byte as base64, HexBytes as hex) so the same
 * client works against CometBFT itself.
 */
import { fromHex, toBase64, toHex } from "../codec/bytes.js";
import { DccnError } from "../errors.js";
import type {
  AbciInfoResult,
  AbciQueryResult,
  BlockchainResult,
  BlockResult,
  BlockResultsResult,
  BlockSearchResult,
  BroadcastTxAsyncResult,
  BroadcastTxCommitResult,
  BroadcastTxSyncResult,
  CheckTxResultJson,
  CommitResult,
  ConsensusParamsResult,
  GenesisChunkResult,
  GenesisResult,
  HeaderResult,
  NetInfoResult,
  NumUnconfirmedTxsResult,
  StatusResult,
  TxResult,
  TxSearchResult,
  UnconfirmedTxsResult,
  ValidatorsResult,
} from "./rpc-types.js";

export type RpcClientErrorCode =
  | "RPC_ERROR"
  | "RPC_UNREACHABLE"
  | "RPC_TIMEOUT"
  | "RPC_BAD_RESPONSE"
  | "RPC_BAD_URL";

/** A failed call. For `RPC_ERROR` the server's JSON-RPC error is in rpcCode/rpcMessage/rpcData. */
export class RpcClientError extends DccnError<RpcClientErrorCode> {
  readonly rpcCode: number | undefined;
  readonly rpcMessage: string | undefined;
  readonly rpcData: unknown;

  constructor(
    code: RpcClientErrorCode,
    message: string,
    rpc: { code?: number; message?: string; data?: unknown } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, { rpcCode: rpc.code, rpcMessage: rpc.message, rpcData: rpc.data }, options);
    this.name = "RpcClientError";
    this.rpcCode = rpc.code;
    this.rpcMessage = rpc.message;
    this.rpcData = rpc.data;
  }
}

export interface RpcClientOptions {
  /** Per-request timeout (default 30 s). */
  readonly timeoutMs?: number;
  /** Injected for tests or custom agents; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

/** Paging and ordering of tx_search and block_search (CometBFT: page from 1, per_page up to 100). */
export interface SearchParams {
  readonly page?: number;
  readonly perPage?: number;
  readonly orderBy?: "asc" | "desc";
}

export interface AbciQueryParams {
  readonly path: string;
  readonly data?: Uint8Array;
  /** 0 or absent = latest. */
  readonly height?: number;
  readonly prove?: boolean;
}

/** Accepts http(s)://host:port, or tcp://host:port as written in config.toml. */
export function normalizeRpcUrl(url: string): string {
  const withScheme = url.startsWith("tcp://") ? `http://${url.slice("tcp://".length)}` : url;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new RpcClientError(
      "RPC_BAD_URL",
      `not a node URL: ${JSON.stringify(url)} (expected http://host:port)`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new RpcClientError(
      "RPC_BAD_URL",
      `node URL must use http:// or https://, got ${JSON.stringify(url)}`,
    );
  }
  return parsed.toString();
}

/** A 32-byte hash as hex (any case, optional 0x) or bytes. */
function hashBytes(hash: string | Uint8Array): Uint8Array {
  if (typeof hash !== "string") return hash;
  try {
    const bytes = fromHex(hash.replace(/^0x/i, ""));
    if (bytes.length === 32) return bytes;
  } catch {
    // reported below
  }
  throw new DccnError<"TX_HASH_INVALID">(
    "TX_HASH_INVALID",
    `a hash is 64 hex characters, got ${JSON.stringify(hash)}`,
  );
}

/** A hash → the base64 CometBFT's `tx` and `block_by_hash` take ([]byte parameters). */
const hashParam = (hash: string | Uint8Array): string => toBase64(hashBytes(hash));

const optionalInt = (n: number | undefined): string | undefined => (n === undefined ? undefined : String(n));

function errnoOf(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

export class RpcClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private nextId = 1;

  constructor(url: string, opts: RpcClientOptions = {}) {
    this.url = normalizeRpcUrl(url);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** Calls `method` with named params (undefined members are dropped) and returns `result`. */
  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: "2.0", id, method, params });
    let response: Response;
    try {
      response = await this.fetchFn(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
        throw new RpcClientError(
          "RPC_TIMEOUT",
          `${method}: no answer from ${this.url} within ${this.timeoutMs} ms`,
        );
      }
      const errno = errnoOf(err);
      throw new RpcClientError(
        "RPC_UNREACHABLE",
        `cannot reach the node at ${this.url}${errno ? ` (${errno})` : ""}; is it running? (--node selects another)`,
        {},
        { cause: err },
      );
    }
    const text = await response.text();
    let reply: {
      id?: unknown;
      result?: unknown;
      error?: { code?: unknown; message?: unknown; data?: unknown };
    };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      throw new RpcClientError(
        "RPC_BAD_RESPONSE",
        `${method}: HTTP ${response.status} from ${this.url} is not JSON-RPC: ${text.slice(0, 120)}`,
      );
    }
    if (typeof reply !== "object" || reply === null) {
      throw new RpcClientError("RPC_BAD_RESPONSE", `${method}: the reply is not a JSON-RPC object`);
    }
    if (reply.error !== undefined && reply.error !== null) {
      const e = reply.error;
      const code = typeof e.code === "number" ? e.code : undefined;
      const message = typeof e.message === "string" ? e.message : "error";
      const detail = typeof e.data === "string" && e.data !== "" ? `: ${e.data}` : "";
      throw new RpcClientError("RPC_ERROR", `${method}: ${message}${detail}`, {
        code,
        message,
        data: e.data,
      });
    }
    if (reply.id !== id || !("result" in reply)) {
      throw new RpcClientError("RPC_BAD_RESPONSE", `${method}: the reply has no result for request ${id}`);
    }
    return reply.result as T;
  }

  status(): Promise<StatusResult> {
    return this.call("status");
  }

  health(): Promise<Record<string, never>> {
    return this.call("health");
  }

  /** The block at `height`, or the latest. */
  block(height?: number): Promise<BlockResult> {
    return this.call("block", { height: optionalInt(height) });
  }

  blockResults(height?: number): Promise<BlockResultsResult> {
    return this.call("block_results", { height: optionalInt(height) });
  }

  async tx(hash: string | Uint8Array, prove = false): Promise<TxResult> {
    return this.call("tx", { hash: hashParam(hash), prove });
  }

  abciQuery(q: AbciQueryParams): Promise<AbciQueryResult> {
    return this.call("abci_query", {
      path: q.path,
      data: q.data === undefined ? undefined : toHex(q.data),
      height: optionalInt(q.height),
      prove: q.prove ?? false,
    });
  }

  broadcastTxSync(tx: Uint8Array): Promise<BroadcastTxSyncResult> {
    return this.call("broadcast_tx_sync", { tx: toBase64(tx) });
  }

  broadcastTxCommit(tx: Uint8Array): Promise<BroadcastTxCommitResult> {
    return this.call("broadcast_tx_commit", { tx: toBase64(tx) });
  }

  numUnconfirmedTxs(limit?: number): Promise<NumUnconfirmedTxsResult> {
    return this.call("num_unconfirmed_txs", { limit: optionalInt(limit) });
  }

  broadcastTxAsync(tx: Uint8Array): Promise<BroadcastTxAsyncResult> {
    return this.call("broadcast_tx_async", { tx: toBase64(tx) });
  }

  /** Runs the app's CheckTx on `tx` without adding it to the mempool. */
  checkTx(tx: Uint8Array): Promise<CheckTxResultJson> {
    return this.call("check_tx", { tx: toBase64(tx) });
  }

  unconfirmedTxs(limit?: number): Promise<UnconfirmedTxsResult> {
    return this.call("unconfirmed_txs", { limit: optionalInt(limit) });
  }

  abciInfo(): Promise<AbciInfoResult> {
    return this.call("abci_info");
  }

  blockByHash(hash: string | Uint8Array): Promise<BlockResult> {
    return this.call("block_by_hash", { hash: hashParam(hash) });
  }

  header(height?: number): Promise<HeaderResult> {
    return this.call("header", { height: optionalInt(height) });
  }

  headerByHash(hash: string | Uint8Array): Promise<HeaderResult> {
    return this.call("header_by_hash", { hash: toHex(hashBytes(hash)) });
  }

  /** Block metas from maxHeight down to minHeight (at most 20; 0 = unbounded). */
  blockchain(minHeight = 0, maxHeight = 0): Promise<BlockchainResult> {
    return this.call("blockchain", { minHeight: String(minHeight), maxHeight: String(maxHeight) });
  }

  commit(height?: number): Promise<CommitResult> {
    return this.call("commit", { height: optionalInt(height) });
  }

  genesis(): Promise<GenesisResult> {
    return this.call("genesis");
  }

  genesisChunked(chunk: number): Promise<GenesisChunkResult> {
    return this.call("genesis_chunked", { chunk: String(chunk) });
  }

  consensusParams(height?: number): Promise<ConsensusParamsResult> {
    return this.call("consensus_params", { height: optionalInt(height) });
  }

  netInfo(): Promise<NetInfoResult> {
    return this.call("net_info");
  }

  /** Committed txs matching a CometBFT query, e.g. `transfer.sender='ankr1…' AND tx.height>5`. */
  txSearch(query: string, p: SearchParams & { readonly prove?: boolean } = {}): Promise<TxSearchResult> {
    return this.call("tx_search", {
      query,
      prove: p.prove ?? false,
      page: optionalInt(p.page),
      per_page: optionalInt(p.perPage),
      order_by: p.orderBy,
    });
  }

  /** Blocks whose BeginBlock/EndBlock events match a query, e.g. `block.height >= 10`. */
  blockSearch(query: string, p: SearchParams = {}): Promise<BlockSearchResult> {
    return this.call("block_search", {
      query,
      page: optionalInt(p.page),
      per_page: optionalInt(p.perPage),
      order_by: p.orderBy,
    });
  }

  validators(height?: number, page?: number, perPage?: number): Promise<ValidatorsResult> {
    return this.call("validators", {
      height: optionalInt(height),
      page: optionalInt(page),
      per_page: optionalInt(perPage),
    });
  }
}
