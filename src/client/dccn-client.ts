/**
 * The DCCN client on top of `RpcClient`: state queries through `abci_query` paths (DESIGN.md),
 * and txs of any module — chain id, nonce and gas filled in automatically unless given —
 * signed, broadcast and followed until they are in a block.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { fromBase64, fromUtf8, toHex } from "../codec/bytes.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../crypto/address.js";
import type { PrivateKey } from "../crypto/ed25519.js";
import { type AnyMsg, decodeTx, type TxBody } from "../types/tx.js";
import { DccnClientError } from "./errors.js";
import { estimateGas } from "./gas.js";
import { RpcClient, RpcClientError } from "./rpc-client.js";
import type { ExecTxResultJson, TxResult } from "./rpc-types.js";
import {
  baseUnits,
  buildTx,
  type SendTxParams,
  type SignedTx,
  sendMsg,
  type TxParams,
  txBody,
} from "./tx-builder.js";
import type { UnsignedTx } from "./tx-doc.js";

export { DccnClientError, type DccnClientErrorCode } from "./errors.js";

export interface Account {
  /** bech32 `ankr1…` */
  readonly address: string;
  /** Base units. */
  readonly balance: bigint;
  /** The nonce the account's next tx must carry. */
  readonly nonce: number;
}

/** The chain's gas schedule and tx limits (`/app/params`). */
export interface AppParamsJson {
  readonly maxTxBytes: number;
  readonly txBaseGas: number;
  readonly txByteGas: number;
  /** Gas per message type URL where the chain overrides the module's default. */
  readonly msgGas: Readonly<Record<string, number>>;
}

/** An `abci_query` answer with its bytes decoded. */
export interface QueryAnswer {
  readonly code: number;
  readonly log: string;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly height: number;
  readonly proofOps: unknown;
  readonly codespace: string;
}

export interface QueryOptions {
  readonly data?: Uint8Array;
  /** 0 or absent: the latest state. */
  readonly height?: number;
  readonly prove?: boolean;
}

/** Where a tx ended up. `code` 0 is success; anything else is the app's failure code. */
export interface TxOutcome {
  readonly hash: string;
  readonly code: number;
  readonly height: number;
  readonly log: string;
  readonly codespace: string;
  readonly gasUsed: number;
  readonly gasWanted: number;
}

export interface WaitOptions {
  /** Give up after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** Poll interval (default 250 ms). */
  readonly pollIntervalMs?: number;
}

/**
 * `sync` (default): broadcast_tx_sync (CheckTx answer), then follow the tx into a block;
 * `async`: broadcast_tx_async (no CheckTx answer), then follow it; `commit`: broadcast_tx_commit.
 */
export type BroadcastMode = "sync" | "async" | "commit";

/** How a tx is paid for and ordered; everything absent is worked out. */
export interface TxOptions {
  /** Default: the account's next nonce (counting txs this client sent that are not in a block yet). */
  readonly nonce?: number;
  /** Default "auto": what the node says the tx needs (see gas.ts). */
  readonly gasLimit?: number | "auto";
  /** Multiplies an automatic gas limit (default 1). */
  readonly gasAdjustment?: number;
  /** Base units per gas. Default: 0 — or, with an automatic gas limit, the node's minimum. */
  readonly gasPrice?: bigint | string;
  readonly memo?: string;
}

export interface BroadcastOptions {
  readonly mode?: BroadcastMode;
  readonly wait?: WaitOptions;
}

/** A tx with every field decided, ready to sign. */
export interface CompleteTx extends TxParams {
  readonly gasPrice: bigint;
  readonly memo: string;
}

/** A signed tx with the body that was signed. */
export interface PreparedTx extends SignedTx {
  readonly body: TxBody;
}

export type SendParams = Omit<SendTxParams, "chainId" | "nonce" | "gasLimit"> &
  Omit<TxOptions, "gasPrice" | "memo"> &
  BroadcastOptions;

/** What a broadcast said before the tx reached a block. */
export interface BroadcastAck {
  readonly hash: string;
  /** CheckTx's code; null in async mode (not checked yet). */
  readonly code: number | null;
  readonly log: string;
}

/** A non-negative integer the node sent as a number or decimal string. */
export function toInt(value: unknown, what: string): number {
  const n = typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new DccnClientError("BAD_RESPONSE", `the node sent a bad ${what}: ${JSON.stringify(value)}`);
  }
  return n;
}

/** The outcome of a committed tx from its `tx`/`broadcast_tx_commit` JSON. */
export function outcome(hash: string, height: unknown, r: ExecTxResultJson): TxOutcome {
  return {
    hash,
    code: toInt(r.code, "result code"),
    height: toInt(height, "height"),
    log: r.log ?? "",
    codespace: r.codespace ?? "",
    gasUsed: toInt(r.gas_used ?? "0", "gas_used"),
    gasWanted: toInt(r.gas_wanted ?? "0", "gas_wanted"),
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

/** CheckTx logs of the DCCN app that mean "wrong nonce" (src/dccn-app/tx.ts). */
const NONCE_LOG_RE = /^nonce \d+ (was already used|is ahead)/;

function bytesOf(b64: string | null | undefined): Uint8Array {
  return b64 === null || b64 === undefined || b64 === "" ? new Uint8Array(0) : fromBase64(b64);
}

export interface DccnClientOptions {
  /** Skips the `status` round trip when known. */
  readonly chainId?: string;
}

export class DccnClient {
  readonly rpc: RpcClient;
  private chainIdCache: string | undefined;
  private paramsCache: AppParamsJson | undefined;
  /** Next nonce per sender (hex address) after txs this client got admitted. */
  private readonly pendingNonces = new Map<string, number>();

  constructor(rpc: RpcClient | string, opts: DccnClientOptions = {}) {
    this.rpc = typeof rpc === "string" ? new RpcClient(rpc) : rpc;
    this.chainIdCache = opts.chainId;
  }

  async chainId(): Promise<string> {
    this.chainIdCache ??= (await this.rpc.status()).node_info.network;
    return this.chainIdCache;
  }

  // --- queries ---------------------------------------------------------------------------------

  /** Any `abci_query` path; a non-zero code is returned, not thrown. */
  async query(path: string, opts: QueryOptions = {}): Promise<QueryAnswer> {
    const { response: r } = await this.rpc.abciQuery({ path, ...opts });
    try {
      return {
        code: toInt(r.code, "query code"),
        log: r.log ?? "",
        key: bytesOf(r.key),
        value: bytesOf(r.value),
        height: toInt(r.height ?? "0", "query height"),
        proofOps: r.proofOps ?? null,
        codespace: r.codespace ?? "",
      };
    } catch (err) {
      if (err instanceof DccnClientError) throw err;
      throw new DccnClientError("BAD_RESPONSE", `the ${path} query returned bytes that are not base64`);
    }
  }

  /** A query whose value is JSON (most DCCN paths); throws QUERY_FAILED on a non-zero code. */
  async queryJson<T>(path: string, opts: QueryOptions = {}): Promise<T | undefined> {
    const a = await this.query(path, opts);
    if (a.code !== 0) {
      throw new DccnClientError("QUERY_FAILED", `${path} query failed (code ${a.code}): ${a.log}`, {
        code: a.code,
        path,
      });
    }
    if (a.value.length === 0) return undefined;
    try {
      return JSON.parse(fromUtf8(a.value)) as T;
    } catch {
      throw new DccnClientError("BAD_RESPONSE", `the ${path} query returned something other than JSON`);
    }
  }

  /** Balance and nonce; an account the chain has never seen reads as zero. */
  async getAccount(address: string | Uint8Array): Promise<Account> {
    const bech = toBech32(typeof address === "string" ? parseAddress(address) : address);
    const doc = await this.queryJson<{ balance?: unknown; nonce?: unknown }>(`/account/${bech}`);
    if (doc === undefined) return { address: bech, balance: 0n, nonce: 0 };
    const balance = doc.balance;
    if (typeof balance !== "string" || !/^(0|[1-9][0-9]*)$/.test(balance)) {
      throw new DccnClientError("BAD_RESPONSE", `the node sent a bad balance: ${JSON.stringify(balance)}`);
    }
    return { address: bech, balance: BigInt(balance), nonce: toInt(doc.nonce, "nonce") };
  }

  /** The chain's gas schedule (cached: it changes only at genesis). */
  async getParams(): Promise<AppParamsJson> {
    if (this.paramsCache !== undefined) return this.paramsCache;
    const doc = await this.queryJson<Record<string, unknown>>("/app/params");
    if (doc === undefined)
      throw new DccnClientError("BAD_RESPONSE", "the /app/params query returned nothing");
    const msgGas: Record<string, number> = {};
    const rawMsgGas = doc.msg_gas;
    if (typeof rawMsgGas === "object" && rawMsgGas !== null) {
      for (const [k, v] of Object.entries(rawMsgGas)) msgGas[k] = toInt(v, `msg_gas[${k}]`);
    }
    this.paramsCache = {
      maxTxBytes: toInt(doc.max_tx_bytes, "max_tx_bytes"),
      txBaseGas: toInt(doc.tx_base_gas, "tx_base_gas"),
      txByteGas: toInt(doc.tx_byte_gas, "tx_byte_gas"),
      msgGas,
    };
    return this.paramsCache;
  }

  // --- txs -----------------------------------------------------------------------------------

  /** The nonce `address`'s next tx should carry: the chain's, or past txs this client has in flight. */
  async nextNonce(address: Uint8Array): Promise<number> {
    const onChain = (await this.getAccount(address)).nonce;
    return Math.max(onChain, this.pendingNonces.get(toHex(address)) ?? 0);
  }

  /**
   * Fills in whatever `t` leaves open — chain id, nonce, gas limit and price — from the node,
   * for a tx `sender` will sign. No key needed, so unsigned txs can be completed too.
   */
  async completeTx(
    sender: Uint8Array,
    t: UnsignedTx & Pick<TxOptions, "gasAdjustment">,
  ): Promise<CompleteTx> {
    if (t.from !== undefined) checkSigner(sender, t.from);
    const chainId = t.chainId ?? (await this.chainId());
    const nonce = t.nonce ?? (await this.nextNonce(sender));
    let gasLimit = t.gasLimit;
    let gasPrice = t.gasPrice;
    if (gasLimit === undefined) {
      const est = await estimateGas(
        this.rpc,
        {
          chainId,
          nonce,
          memo: t.memo,
          msg: t.msg,
          ...(gasPrice === undefined ? {} : { gasPrice }),
          ...(t.gasAdjustment === undefined ? {} : { adjustment: t.gasAdjustment }),
        },
        async () => (await this.getParams()).txByteGas,
      );
      gasLimit = est.gasLimit;
      gasPrice = est.gasPrice;
    }
    return { chainId, nonce, gasLimit, gasPrice: gasPrice ?? 0n, memo: t.memo, msg: t.msg };
  }

  /** Completes `t` (see completeTx) and signs it with `key`. */
  async prepareTx(key: PrivateKey, t: UnsignedTx & Pick<TxOptions, "gasAdjustment">): Promise<PreparedTx> {
    const body = txBody(await this.completeTx(addressFromPublicKey(key.publicKey), t));
    return { ...buildTx(key, body), body };
  }

  /** Signs a message of any module and sends it; resolves once it is in a block. */
  async signAndBroadcast(
    key: PrivateKey,
    msg: AnyMsg,
    opts: TxOptions & BroadcastOptions = {},
  ): Promise<TxOutcome> {
    const tx = await this.prepareTx(key, unsignedFromOptions(msg, opts));
    return this.broadcast(tx.bytes, opts.mode ?? "sync", opts.wait);
  }

  /** Builds and signs a MsgSend without sending it. */
  async buildSend(p: Omit<SendParams, "mode" | "wait">): Promise<PreparedTx> {
    return this.prepareTx(p.key, unsignedFromOptions(sendMsg(p.to, p.amount), p));
  }

  /** Sends ANKR and resolves once the tx is in a block (or throws TX_REJECTED / TX_TIMEOUT). */
  async send(p: SendParams): Promise<TxOutcome> {
    const tx = await this.buildSend(p);
    return this.broadcast(tx.bytes, p.mode ?? "sync", p.wait);
  }

  /** Sends signed tx bytes and follows them into a block. */
  async broadcast(tx: Uint8Array, mode: BroadcastMode = "sync", wait: WaitOptions = {}): Promise<TxOutcome> {
    if (mode === "commit") {
      const r = await this.rpc.broadcastTxCommit(tx);
      if (r.check_tx.code !== 0) {
        this.forgetNonceOn(tx, r.check_tx.log);
        throw this.rejected(r.hash, r.check_tx.code, r.check_tx.log, r.check_tx.codespace);
      }
      this.rememberNonce(tx);
      return outcome(r.hash, r.height, r.tx_result);
    }
    const ack = await this.broadcastOnly(tx, mode);
    return this.waitForTx(ack.hash, wait);
  }

  /**
   * Sends signed tx bytes without waiting for a block: `sync` throws TX_REJECTED when CheckTx
   * refuses the tx; `async` returns before CheckTx.
   */
  async broadcastOnly(tx: Uint8Array, mode: "sync" | "async" = "sync"): Promise<BroadcastAck> {
    if (mode === "async") {
      const r = await this.rpc.broadcastTxAsync(tx);
      this.rememberNonce(tx);
      return { hash: r.hash, code: null, log: r.log };
    }
    const r = await this.rpc.broadcastTxSync(tx);
    if (r.code !== 0) {
      this.forgetNonceOn(tx, r.log);
      throw this.rejected(r.hash, r.code, r.log, r.codespace);
    }
    this.rememberNonce(tx);
    return { hash: r.hash, code: r.code, log: r.log };
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
          `tx ${hash} was sent but not seen in a block within ${timeoutMs} ms; check later with \`dccn query tx ${hash}\``,
          { hash },
        );
      }
      await sleep(interval);
    }
  }

  private rememberNonce(tx: Uint8Array): void {
    const decoded = senderAndNonce(tx);
    if (decoded === undefined) return;
    const prev = this.pendingNonces.get(decoded.sender) ?? 0;
    this.pendingNonces.set(decoded.sender, Math.max(prev, decoded.nonce + 1));
  }

  /** A nonce refusal means our idea of the sequence is stale: ask the chain next time. */
  private forgetNonceOn(tx: Uint8Array, log: string): void {
    const decoded = senderAndNonce(tx);
    if (decoded !== undefined && NONCE_LOG_RE.test(log)) this.pendingNonces.delete(decoded.sender);
  }

  private rejected(hash: string, code: number, log: string, codespace?: string): DccnClientError {
    return new DccnClientError(
      "TX_REJECTED",
      `tx rejected (code ${code}${codespace ? `, ${codespace}` : ""}): ${log}`,
      { hash, code, log },
    );
  }
}

/** Throws TX_SIGNER_MISMATCH unless `from` (an address in any accepted form) is `sender`. */
export function checkSigner(sender: Uint8Array, from: string): void {
  if (toBech32(parseAddress(from)) !== toBech32(sender)) {
    throw new DccnClientError(
      "TX_SIGNER_MISMATCH",
      `the tx is to be signed by ${from}, but the key's address is ${toBech32(sender)}`,
      { from, signer: toBech32(sender) },
    );
  }
}

function unsignedFromOptions(msg: AnyMsg, o: TxOptions): UnsignedTx & Pick<TxOptions, "gasAdjustment"> {
  return {
    msg,
    memo: o.memo ?? "",
    ...(o.nonce === undefined ? {} : { nonce: o.nonce }),
    ...(o.gasLimit === undefined || o.gasLimit === "auto" ? {} : { gasLimit: o.gasLimit }),
    ...(o.gasPrice === undefined ? {} : { gasPrice: baseUnits(o.gasPrice, "gas price") }),
    ...(o.gasAdjustment === undefined ? {} : { gasAdjustment: o.gasAdjustment }),
  };
}

function senderAndNonce(tx: Uint8Array): { sender: string; nonce: number } | undefined {
  try {
    const d = decodeTx(tx);
    return { sender: toHex(d.sender), nonce: d.body.nonce };
  } catch {
    return undefined;
  }
}
