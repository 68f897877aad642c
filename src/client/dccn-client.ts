/**
 * The DCCN client: accounts, sending ANKR and waiting for inclusion, on top of `RpcClient`.
 * Chain-specific reads go through `abci_query` paths (DESIGN.md), e.g. `/account/<ankr1…>`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { fromBase64, fromUtf8 } from "../codec/bytes.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../crypto/address.js";
import { DccnError } from "../errors.js";
import { RpcClient, RpcClientError } from "./rpc-client.js";
import type { ExecTxResultJson, TxResult } from "./rpc-types.js";
import { buildSendTx, type SendTxParams, type SignedTx } from "./tx-builder.js";

export type DccnClientErrorCode = "QUERY_FAILED" | "BAD_RESPONSE" | "TX_REJECTED" | "TX_TIMEOUT";

export class DccnClientError extends DccnError<DccnClientErrorCode> {
  constructor(code: DccnClientErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "DccnClientError";
  }
}

export interface Account {
  /** bech32 `ankr1…` */
  readonly address: string;
  /** Base units. */
  readonly balance: bigint;
  /** The nonce the account's next tx must carry. */
  readonly nonce: number;
}

/** Where a tx ended up. `code` 0 is success; anything else is the app's failure code. */
export interface TxOutcome {
  readonly hash: string;
  readonly code: number;
  readonly height: number;
  readonly log: string;
  readonly codespace: string;
  readonly gasUsed: number;
}

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** Poll interval (default 250 ms). */
  readonly pollIntervalMs?: number;
}

export type SendParams = Omit<SendTxParams, "chainId" | "nonce"> & {
  /** Taken from the account when absent. */
  readonly nonce?: number;
  /** `sync` (default): broadcast_tx_sync, then poll `tx`; `commit`: broadcast_tx_commit. */
  readonly mode?: "sync" | "commit";
  readonly wait?: WaitOptions;
};

function toInt(value: unknown, what: string): number {
  const n = typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new DccnClientError("BAD_RESPONSE", `the node sent a bad ${what}: ${JSON.stringify(value)}`);
  }
  return n;
}

function outcome(hash: string, height: unknown, r: ExecTxResultJson): TxOutcome {
  return {
    hash,
    code: toInt(r.code, "result code"),
    height: toInt(height, "height"),
    log: r.log ?? "",
    codespace: r.codespace ?? "",
    gasUsed: toInt(r.gas_used ?? "0", "gas_used"),
  };
}

/** CometBFT answers `tx` for an unknown hash with -32603 and data "tx (…) not found". */
const JSONRPC_METHOD_NOT_FOUND = -32601;
const isTxNotFound = (err: unknown): boolean =>
  err instanceof RpcClientError &&
  err.code === "RPC_ERROR" &&
  err.rpcCode !== JSONRPC_METHOD_NOT_FOUND &&
  /not found/i.test(
    typeof err.rpcData === "string" && err.rpcData !== "" ? err.rpcData : (err.rpcMessage ?? ""),
  );

export interface DccnClientOptions {
  /** Skips the `status` round trip when known. */
  readonly chainId?: string;
}

export class DccnClient {
  readonly rpc: RpcClient;
  private chainIdCache: string | undefined;

  constructor(rpc: RpcClient | string, opts: DccnClientOptions = {}) {
    this.rpc = typeof rpc === "string" ? new RpcClient(rpc) : rpc;
    this.chainIdCache = opts.chainId;
  }

  async chainId(): Promise<string> {
    this.chainIdCache ??= (await this.rpc.status()).node_info.network;
    return this.chainIdCache;
  }

  /** Balance and nonce; an account the chain has never seen reads as zero. */
  async getAccount(address: string | Uint8Array): Promise<Account> {
    const bech = toBech32(typeof address === "string" ? parseAddress(address) : address);
    const { response } = await this.rpc.abciQuery({ path: `/account/${bech}` });
    if (response.code !== 0) {
      throw new DccnClientError(
        "QUERY_FAILED",
        `account query failed (code ${response.code}): ${response.log}`,
        {
          code: response.code,
        },
      );
    }
    if (response.value === null || response.value === "") return { address: bech, balance: 0n, nonce: 0 };
    let doc: { balance?: unknown; nonce?: unknown };
    try {
      doc = JSON.parse(fromUtf8(fromBase64(response.value))) as typeof doc;
    } catch {
      throw new DccnClientError("BAD_RESPONSE", "the account query returned something other than JSON");
    }
    const balance = doc.balance;
    if (typeof balance !== "string" || !/^(0|[1-9][0-9]*)$/.test(balance)) {
      throw new DccnClientError("BAD_RESPONSE", `the node sent a bad balance: ${JSON.stringify(balance)}`);
    }
    return { address: bech, balance: BigInt(balance), nonce: toInt(doc.nonce, "nonce") };
  }

  /** Builds and signs a MsgSend (nonce from the account unless given) without sending it. */
  async buildSend(p: Omit<SendParams, "mode" | "wait">): Promise<SignedTx> {
    const chainId = await this.chainId();
    const nonce = p.nonce ?? (await this.getAccount(addressFromPublicKey(p.key.publicKey))).nonce;
    return buildSendTx({ ...p, chainId, nonce });
  }

  /** Sends ANKR and resolves once the tx is in a block (or throws TX_REJECTED / TX_TIMEOUT). */
  async send(p: SendParams): Promise<TxOutcome> {
    const tx = await this.buildSend(p);
    return this.broadcast(tx.bytes, p.mode ?? "sync", p.wait);
  }

  async broadcast(
    tx: Uint8Array,
    mode: "sync" | "commit" = "sync",
    wait: WaitOptions = {},
  ): Promise<TxOutcome> {
    if (mode === "commit") {
      const r = await this.rpc.broadcastTxCommit(tx);
      if (r.check_tx.code !== 0)
        throw this.rejected(r.hash, r.check_tx.code, r.check_tx.log, r.check_tx.codespace);
      return outcome(r.hash, r.height, r.tx_result);
    }
    const r = await this.rpc.broadcastTxSync(tx);
    if (r.code !== 0) throw this.rejected(r.hash, r.code, r.log, r.codespace);
    return this.waitForTx(r.hash, wait);
  }

  /** Polls `tx` until the hash is in a block. */
  async waitForTx(hash: string, opts: WaitOptions = {}): Promise<TxOutcome> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const interval = opts.pollIntervalMs ?? 250;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      let found: TxResult | undefined;
      try {
        found = await this.rpc.tx(hash);
      } catch (err) {
        if (!isTxNotFound(err)) throw err;
      }
      if (found !== undefined) return outcome(found.hash, found.height, found.tx_result);
      if (performance.now() + interval > deadline) {
        throw new DccnClientError(
          "TX_TIMEOUT",
          `tx ${hash} was accepted but not seen in a block within ${timeoutMs} ms; check later with \`dccn query tx ${hash}\``,
          { hash },
        );
      }
      await sleep(interval);
    }
  }

  private rejected(hash: string, code: number, log: string, codespace?: string): DccnClientError {
    return new DccnClientError(
      "TX_REJECTED",
      `tx rejected (code ${code}${codespace ? `, ${codespace}` : ""}): ${log}`,
      {
        hash,
        code,
        log,
      },
    );
  }
}
