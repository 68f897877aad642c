/**
 * WebAssembly contracts from a client: building and signing the contracts module's txs offline
 * (store code, instantiate, execute) and `WasmClient`, which sends them and reads contracts
 * through `abci_query` (`/wasm/code/…`, `/wasm/contract/…`, `/wasm/state/…`, `/wasm/call/…`).
 *
 * Contract arguments are bytes to the chain; the AssemblyScript SDK reads a UTF-8 JSON object,
 * so `args` accepts an object (JSON-encoded here), JSON text, or raw bytes.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { fromBase64, fromHex, fromUtf8, toHexUpper, utf8 } from "../codec/bytes.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../crypto/address.js";
import type { PrivateKey } from "../crypto/ed25519.js";
import { contractAddress } from "../dccn-app/contracts/keys.js";
import {
  msgExecuteContractAny,
  msgInstantiateContractAny,
  msgStoreCodeAny,
} from "../dccn-app/contracts/msgs.js";
import type { CodeInfoJson, ContractInfoJson } from "../dccn-app/contracts/records.js";
import { DccnError } from "../errors.js";
import { type AnyMsg, signTx, txHash } from "../types/tx.js";
import { parseAmount } from "./amount.js";
import { type DccnClient, DccnClientError, outcome, type WaitOptions } from "./dccn-client.js";
import { RpcClientError } from "./rpc-client.js";
import type { ExecTxResultJson, RpcEvent } from "./rpc-types.js";
import type { SignedTx, TxBuildErrorCode } from "./tx-builder.js";

/** Default gas limit of a store-code tx (deploy gas is charged per byte of code). */
export const DEFAULT_STORE_GAS_LIMIT = 20_000_000;
/** Default gas limit of instantiate and execute txs. */
export const DEFAULT_CONTRACT_GAS_LIMIT = 2_000_000;

export type ContractArgs = Uint8Array | string | Readonly<Record<string, unknown>>;

/** What every contracts tx needs besides its msg. */
export interface ContractTxBase {
  readonly key: PrivateKey;
  readonly chainId: string;
  readonly nonce: number;
  readonly gasLimit?: number;
  /** Base units per gas, or text accepted by `parseAmount`. */
  readonly gasPrice?: bigint | string;
  readonly memo?: string;
}

export interface StoreCodeParams {
  readonly wasm: Uint8Array;
}

export interface InstantiateParams {
  /** 64 hex characters or 32 bytes. */
  readonly codeHash: string | Uint8Array;
  readonly args?: ContractArgs;
  /** ANKR attached, base units or "1.5ankr". */
  readonly amount?: bigint | string;
  readonly label?: string;
}

export interface ExecuteParams {
  /** `ankr1…` or 20 bytes. */
  readonly contract: string | Uint8Array;
  readonly method: string;
  readonly args?: ContractArgs;
  readonly amount?: bigint | string;
}

function bad(param: string, why: string): DccnError<TxBuildErrorCode> {
  return new DccnError<TxBuildErrorCode>("TX_PARAM_INVALID", `${param} ${why}`, { param });
}

/** Contract arguments as bytes: objects are JSON-encoded, strings taken as UTF-8 text. */
export function encodeArgs(args: ContractArgs | undefined): Uint8Array {
  if (args === undefined) return new Uint8Array(0);
  if (args instanceof Uint8Array) return args;
  if (typeof args === "string") return utf8(args);
  return utf8(JSON.stringify(args));
}

function amountOf(value: bigint | string | undefined): bigint {
  const v = value === undefined ? 0n : typeof value === "string" ? parseAmount(value) : value;
  if (v < 0n) throw bad("amount", "must not be negative");
  return v;
}

export function parseCodeHash(hash: string | Uint8Array): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (typeof hash === "string") {
    try {
      bytes = fromHex(hash);
    } catch {
      bytes = undefined;
    }
  } else bytes = hash;
  if (bytes === undefined || bytes.length !== 32)
    throw bad("code hash", "must be 64 hex characters (32 bytes)");
  return bytes;
}

const addressOf = (a: string | Uint8Array): Uint8Array => (typeof a === "string" ? parseAddress(a) : a);

function signMsg(p: ContractTxBase, msg: AnyMsg, defaultGas: number): SignedTx {
  const gasLimit = p.gasLimit ?? defaultGas;
  if (!Number.isSafeInteger(gasLimit) || gasLimit <= 0) throw bad("gas limit", "must be a positive integer");
  if (!Number.isSafeInteger(p.nonce) || p.nonce < 0) throw bad("nonce", "must be a non-negative integer");
  if (p.chainId === "") throw bad("chain id", "must not be empty");
  const bytes = signTx(p.key, {
    chainId: p.chainId,
    nonce: p.nonce,
    gasLimit,
    gasPrice: amountOf(p.gasPrice),
    memo: p.memo ?? "",
    msg,
  });
  return { bytes, hash: toHexUpper(txHash(bytes)) };
}

export function buildStoreCodeTx(p: ContractTxBase & StoreCodeParams): SignedTx {
  if (p.wasm.length === 0) throw bad("wasm", "must not be empty");
  return signMsg(p, msgStoreCodeAny({ wasmByteCode: p.wasm }), DEFAULT_STORE_GAS_LIMIT);
}

/** Also returns the address the contract will get (derived from the signer and the nonce). */
export function buildInstantiateTx(
  p: ContractTxBase & InstantiateParams,
): SignedTx & { readonly contract: string } {
  const msg = msgInstantiateContractAny({
    codeHash: parseCodeHash(p.codeHash),
    args: encodeArgs(p.args),
    amount: amountOf(p.amount),
    label: p.label ?? "",
  });
  const tx = signMsg(p, msg, DEFAULT_CONTRACT_GAS_LIMIT);
  const creator = addressFromPublicKey(p.key.publicKey);
  return { ...tx, contract: toBech32(contractAddress(creator, p.nonce)) };
}

export function buildExecuteTx(p: ContractTxBase & ExecuteParams): SignedTx {
  const msg = msgExecuteContractAny({
    contract: addressOf(p.contract),
    method: p.method,
    args: encodeArgs(p.args),
    amount: amountOf(p.amount),
  });
  return signMsg(p, msg, DEFAULT_CONTRACT_GAS_LIMIT);
}

/** A contracts tx in a block: where it ended up, plus its result data and events. */
export interface ContractTxOutcome {
  readonly hash: string;
  /** 0 = success; otherwise the app's result code (e.g. 43 CONTRACT_FAILED), `log` says why. */
  readonly code: number;
  readonly height: number;
  readonly log: string;
  readonly codespace: string;
  readonly gasUsed: number;
  readonly gasWanted: number;
  /** The msg's result data: the code hash, the contract address or the method's return data. */
  readonly data: Uint8Array;
  readonly events: readonly RpcEvent[];
}

export interface ContractSendOptions {
  /** `sync` (default): broadcast_tx_sync, then poll `tx`; `commit`: broadcast_tx_commit. */
  readonly mode?: "sync" | "commit";
  readonly wait?: WaitOptions;
}

/** Tx params without what the client fills in (chain id; nonce unless given). */
export type ContractClientTxParams = Omit<ContractTxBase, "chainId" | "nonce"> & {
  readonly nonce?: number;
} & ContractSendOptions;

function contractOutcome(hash: string, height: unknown, r: ExecTxResultJson): ContractTxOutcome {
  return {
    ...outcome(hash, height, r),
    data: r.data === undefined || r.data === null || r.data === "" ? new Uint8Array(0) : fromBase64(r.data),
    events: r.events ?? [],
  };
}

/**
 * Whether a `tx` lookup failed only because the tx is not executed yet: unknown ("not found"),
 * or its block is stored but its results are not (the node saves the block before running it).
 */
function notYetExecuted(err: unknown): boolean {
  if (!(err instanceof RpcClientError) || err.code !== "RPC_ERROR" || err.rpcCode === -32601) return false;
  const text = typeof err.rpcData === "string" && err.rpcData !== "" ? err.rpcData : (err.rpcMessage ?? "");
  return /not found|result is missing/i.test(text);
}

function rejected(hash: string, code: number, log: string, codespace: string | undefined): DccnClientError {
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

export class WasmClient {
  constructor(readonly client: DccnClient) {}

  /** Deploys code; `codeHash` is SHA-256 of the wasm (upper-case hex). */
  async storeCode(
    p: ContractClientTxParams & StoreCodeParams,
  ): Promise<ContractTxOutcome & { codeHash: string }> {
    const tx = buildStoreCodeTx({ ...(await this.base(p)), wasm: p.wasm });
    const out = await this.send(tx, p);
    return { ...out, codeHash: toHexUpper(out.code === 0 ? out.data : new Uint8Array(0)) };
  }

  /** Instantiates code; `contract` is the new contract's address (known before sending). */
  async instantiate(
    p: ContractClientTxParams & InstantiateParams,
  ): Promise<ContractTxOutcome & { contract: string }> {
    const tx = buildInstantiateTx({
      ...(await this.base(p)),
      codeHash: p.codeHash,
      ...(p.args === undefined ? {} : { args: p.args }),
      ...(p.amount === undefined ? {} : { amount: p.amount }),
      ...(p.label === undefined ? {} : { label: p.label }),
    });
    return { ...(await this.send(tx, p)), contract: tx.contract };
  }

  /** Calls a contract method in a tx; `data` is the method's return data. */
  async execute(p: ContractClientTxParams & ExecuteParams): Promise<ContractTxOutcome> {
    const tx = buildExecuteTx({
      ...(await this.base(p)),
      contract: p.contract,
      method: p.method,
      ...(p.args === undefined ? {} : { args: p.args }),
      ...(p.amount === undefined ? {} : { amount: p.amount }),
    });
    return this.send(tx, p);
  }

  async codeInfo(codeHash: string | Uint8Array, height?: number): Promise<CodeInfoJson> {
    const hash = toHexUpper(parseCodeHash(codeHash));
    return JSON.parse(fromUtf8(await this.query(`/wasm/code/${hash}`, undefined, height))) as CodeInfoJson;
  }

  async contractInfo(contract: string | Uint8Array, height?: number): Promise<ContractInfoJson> {
    const path = `/wasm/contract/${toBech32(addressOf(contract))}`;
    return JSON.parse(fromUtf8(await this.query(path, undefined, height))) as ContractInfoJson;
  }

  /** The raw value under a key of the contract's storage (empty if absent). */
  async rawState(contract: string | Uint8Array, key: Uint8Array, height?: number): Promise<Uint8Array> {
    return this.query(`/wasm/state/${toBech32(addressOf(contract))}`, key, height);
  }

  /** A read-only call of a contract method (gas-capped by the node); its return data. */
  async call(
    contract: string | Uint8Array,
    method: string,
    args?: ContractArgs,
    height?: number,
  ): Promise<Uint8Array> {
    return this.query(`/wasm/call/${toBech32(addressOf(contract))}/${method}`, encodeArgs(args), height);
  }

  private async base(p: ContractClientTxParams): Promise<ContractTxBase> {
    const chainId = await this.client.chainId();
    const nonce = p.nonce ?? (await this.client.getAccount(addressFromPublicKey(p.key.publicKey))).nonce;
    return {
      key: p.key,
      chainId,
      nonce,
      ...(p.gasLimit === undefined ? {} : { gasLimit: p.gasLimit }),
      ...(p.gasPrice === undefined ? {} : { gasPrice: p.gasPrice }),
      ...(p.memo === undefined ? {} : { memo: p.memo }),
    };
  }

  private async send(tx: SignedTx, opts: ContractSendOptions): Promise<ContractTxOutcome> {
    const rpc = this.client.rpc;
    if (opts.mode === "commit") {
      const r = await rpc.broadcastTxCommit(tx.bytes);
      if (r.check_tx.code !== 0)
        throw rejected(r.hash, r.check_tx.code, r.check_tx.log, r.check_tx.codespace);
      return contractOutcome(r.hash, r.height, r.tx_result);
    }
    const r = await rpc.broadcastTxSync(tx.bytes);
    if (r.code !== 0) throw rejected(r.hash, r.code, r.log, r.codespace);
    const timeoutMs = opts.wait?.timeoutMs ?? 60_000;
    const interval = opts.wait?.pollIntervalMs ?? 250;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      try {
        const found = await rpc.tx(r.hash);
        return contractOutcome(found.hash, found.height, found.tx_result);
      } catch (err) {
        if (!notYetExecuted(err)) throw err;
      }
      if (performance.now() + interval > deadline) {
        throw new DccnClientError(
          "TX_TIMEOUT",
          `tx ${r.hash} was accepted but not seen in a block within ${timeoutMs} ms; check later with \`dccn query tx ${r.hash}\``,
          { hash: r.hash },
        );
      }
      await sleep(interval);
    }
  }

  private async query(path: string, data?: Uint8Array, height?: number): Promise<Uint8Array> {
    const { response } = await this.client.rpc.abciQuery({
      path,
      ...(data === undefined ? {} : { data }),
      ...(height === undefined ? {} : { height }),
    });
    if (response.code !== 0) {
      throw new DccnClientError("QUERY_FAILED", `${path} failed (code ${response.code}): ${response.log}`, {
        code: response.code,
        log: response.log,
      });
    }
    return response.value === null || response.value === "" ? new Uint8Array(0) : fromBase64(response.value);
  }
}
