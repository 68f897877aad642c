/**
 * Tx admission and execution: decoding, chain id, msg routing, signature (once per tx hash),
 * nonce, gas and fees. Shared by CheckTx (against the check state) and DeliverTx (against the
 * block working set); every rejection happens before the first write, so a rejected tx
 * changes nothing.
 *
 * Fee rules: the sender must hold gasLimit × gasPrice (CheckTx: plus what the msg spends, e.g.
 * a transfer's amount). DeliverTx takes that maximum fee and the nonce first, runs the msg in
 * its own layer, then refunds (gasLimit − gasUsed) × gasPrice; gasUsed × gasPrice goes to the
 * fee collector. A failed msg's writes are dropped, but its gas is paid and the nonce stays used.
 */
import type { AbciEvent, CheckTxResult, ExecTxResult } from "../abci/types.js";
import { CodecError } from "../codec/proto.js";
import { moduleAddress, toBech32 } from "../crypto/address.js";
import { verifySignature } from "../crypto/ed25519.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import { type DecodedTx, decodeTx, txSignBytes } from "../types/tx.js";
import { type Account, accountKey } from "./bank/account.js";
import { creditKey, readAccount, writeAccount } from "./bank/accounts.js";
import { AppError, CODESPACE, ResultCode } from "./codes.js";
import { messageEventOf, txEventOf } from "./events.js";
import { GasMeter } from "./gas.js";
import type { AnyMsgHandler, MsgContext } from "./module.js";
import type { AppParams } from "./params.js";
import type { VerifiedTxCache } from "./sig-cache.js";
import { CacheStore, type KvReader, type KvStore } from "./state/kv.js";

/** The module account that receives every fee. */
export const FEE_COLLECTOR: Uint8Array = moduleAddress("fee_collector");
/** Its account key, written by every tx (a constant: stores may keep it, nobody modifies it). */
const FEE_COLLECTOR_KEY = accountKey(FEE_COLLECTOR);

export interface RegisteredMsg {
  readonly handler: AnyMsgHandler;
  /** The owning module's name (the `message.module` event attribute). */
  readonly module: string;
}

export interface TxEnv {
  readonly chainId: string;
  readonly params: AppParams;
  readonly msgs: ReadonlyMap<string, RegisteredMsg>;
  readonly sigCache: VerifiedTxCache;
  /**
   * Decoded txs (and their msgs) by their bytes object: a tx is decoded at CheckTx, again at each
   * recheck and at DeliverTx, usually from the very same Uint8Array (the mempool hands its copy
   * to the block). Decoding is a pure function of the bytes, which nothing mutates; a WeakMap
   * lets a tx's entry go with its bytes.
   */
  readonly decoded?: WeakMap<Uint8Array, DecodedEntry>;
  readonly logger: Logger;
}

export interface BlockInfo {
  readonly height: number;
  readonly timeMs: number;
}

interface Admitted {
  readonly tx: DecodedTx;
  readonly reg: RegisteredMsg;
  readonly msg: unknown;
  readonly intrinsicGas: number;
  readonly msgGas: number;
  readonly account: Account;
  /** The sender's account key (see `writeAccount`: made for this tx, never modified). */
  readonly senderKey: Uint8Array;
  readonly maxFee: bigint;
  /** What CheckTx reserves from the balance: maxFee + the msg's spend. */
  readonly reserve: bigint;
}

/**
 * A decoded tx and its msg once decoded and validated (a pure function of the msg bytes):
 * CheckTx and DeliverTx of the same tx decode its msg once. Both are read-only.
 */
export interface DecodedEntry {
  readonly tx: DecodedTx;
  msg: unknown;
}

const EMPTY = new Uint8Array(0);
const NO_EVENTS: readonly AbciEvent[] = Object.freeze([]);

function decodeStep(env: TxEnv, bytes: Uint8Array): DecodedEntry {
  if (bytes.length > env.params.maxTxBytes) {
    throw new AppError("TX_TOO_LARGE", `tx is ${bytes.length} bytes, the limit is ${env.params.maxTxBytes}`);
  }
  const known = env.decoded?.get(bytes);
  if (known !== undefined) return known;
  try {
    const entry: DecodedEntry = { tx: decodeTx(bytes), msg: undefined };
    env.decoded?.set(bytes, entry);
    return entry;
  } catch (err) {
    if (err instanceof CodecError) throw new AppError("TX_DECODE", `cannot decode tx: ${err.message}`);
    throw err;
  }
}

/** Checks Ed25519 signatures, possibly on other threads (src/crypto/verify-pool.ts). */
export interface SignatureVerifier {
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/**
 * Decodes `bytes` and verifies its signature through `verifier`, caching both for the CheckTx or
 * DeliverTx that follows. Never rejects: a tx that fails to decode or verify here (or a verifier
 * that fails) is left for that call, which checks it again and refuses it with a code.
 */
export async function preVerifyTx(env: TxEnv, verifier: SignatureVerifier, bytes: Uint8Array): Promise<void> {
  try {
    const { tx } = decodeStep(env, bytes);
    if (env.sigCache.has(tx.hash)) return;
    if (await verifier.verify(tx.raw.pubKey, txSignBytes(tx.raw.body), tx.raw.signature)) {
      env.sigCache.add(tx.hash);
    }
  } catch {
    // CheckTx/DeliverTx decode and verify on their own.
  }
}

/** Every admission rule, reads only. `minGasPrice` is given for CheckTx only (node-local). */
function admit(
  env: TxEnv,
  store: KvReader,
  entry: DecodedEntry,
  size: number,
  minGasPrice: bigint | null,
): Admitted {
  const tx = entry.tx;
  const body = tx.body;
  const check = minGasPrice !== null;
  if (body.chainId !== env.chainId) {
    throw new AppError("WRONG_CHAIN_ID", `tx is for chain "${body.chainId}", this is "${env.chainId}"`);
  }
  const reg = env.msgs.get(body.msg.typeUrl);
  if (reg === undefined) {
    throw new AppError("UNKNOWN_MSG_TYPE", `no module handles msg type "${body.msg.typeUrl}"`);
  }
  const msg = decodeMsg(entry, reg);
  if (check && body.gasPrice < minGasPrice) {
    throw new AppError(
      "GAS_PRICE_TOO_LOW",
      `gas price ${body.gasPrice} is below this node's minimum of ${minGasPrice} base units per gas`,
    );
  }
  const intrinsicGas = env.params.txBaseGas + env.params.txByteGas * size;
  const msgGas = env.params.msgGas[body.msg.typeUrl] ?? reg.handler.defaultGas;
  // CheckTx also refuses a tx certain to run out of gas; DeliverTx lets it fail and pay.
  const required = check ? intrinsicGas + msgGas : intrinsicGas;
  if (body.gasLimit < required) {
    throw new AppError(
      "OUT_OF_GAS",
      `gas limit ${body.gasLimit} is below the ${required} gas this tx needs`,
      {
        required,
      },
    );
  }
  if (!env.sigCache.has(tx.hash)) {
    if (!verifySignature(tx.raw.pubKey, txSignBytes(tx.raw.body), tx.raw.signature)) {
      throw new AppError("BAD_SIGNATURE", "the signature does not verify for this body and public key");
    }
    env.sigCache.add(tx.hash);
  }
  const senderKey = accountKey(tx.sender);
  const account = readAccount(store, senderKey);
  if (body.nonce < account.nonce) {
    throw new AppError(
      "NONCE_TOO_LOW",
      `nonce ${body.nonce} was already used; the account's next nonce is ${account.nonce}`,
      {
        expected: account.nonce,
      },
    );
  }
  if (body.nonce > account.nonce) {
    throw new AppError(
      "NONCE_AHEAD",
      `nonce ${body.nonce} is ahead; the account's next nonce is ${account.nonce}`,
      {
        expected: account.nonce,
      },
    );
  }
  const maxFee = BigInt(body.gasLimit) * body.gasPrice;
  const reserve = check ? maxFee + reg.handler.spend(msg) : maxFee;
  if (account.balance < reserve) {
    throw new AppError(
      "INSUFFICIENT_FUNDS",
      `balance ${account.balance} is below the ${reserve} base units this tx may cost (gas limit × gas price${check ? " + amount" : ""})`,
      { balance: account.balance.toString(), needed: reserve.toString() },
    );
  }
  return { tx, reg, msg, intrinsicGas, msgGas, account, senderKey, maxFee, reserve };
}

function decodeMsg(entry: DecodedEntry, reg: RegisteredMsg): unknown {
  if (entry.msg !== undefined) return entry.msg;
  const tx = entry.tx;
  let msg: unknown;
  try {
    msg = reg.handler.decode(tx.body.msg.value);
  } catch (err) {
    if (err instanceof CodecError)
      throw new AppError("TX_DECODE", `cannot decode ${tx.body.msg.typeUrl}: ${err.message}`);
    throw err;
  }
  entry.msg = msg;
  return msg;
}

function execResult(
  code: number,
  log: string,
  gasWanted: number,
  gasUsed: number,
  events: readonly AbciEvent[],
): ExecTxResult {
  return {
    code,
    codespace: code === 0 ? "" : CODESPACE,
    log,
    info: "",
    data: EMPTY,
    gasWanted,
    gasUsed,
    events,
  };
}

/**
 * CheckTx against the check state: on success the sender's nonce advances and the worst-case
 * cost is reserved in `store`, so the sender's next tx is checked against what will be left.
 */
export function checkTx(env: TxEnv, store: KvStore, bytes: Uint8Array, minGasPrice: bigint): CheckTxResult {
  let tx: DecodedTx | undefined;
  try {
    const entry = decodeStep(env, bytes);
    tx = entry.tx;
    const a = admit(env, store, entry, bytes.length, minGasPrice);
    writeAccount(store, a.senderKey, { balance: a.account.balance - a.reserve, nonce: a.account.nonce + 1 });
    return {
      code: 0,
      codespace: "",
      log: "",
      info: "",
      data: EMPTY,
      gasWanted: tx.body.gasLimit,
      gasUsed: a.intrinsicGas + a.msgGas,
      events: NO_EVENTS,
      sender: tx.sender,
      nonce: tx.body.nonce,
      priority: tx.body.gasPrice,
    };
  } catch (err) {
    let base: ExecTxResult;
    if (err instanceof AppError) {
      base = execResult(err.resultCode, err.message, tx?.body.gasLimit ?? 0, 0, []);
    } else {
      env.logger.error("CheckTx failed unexpectedly", { err: errorMessage(err) });
      base = execResult(ResultCode.INTERNAL, `internal error: ${errorMessage(err)}`, 0, 0, []);
    }
    if (tx === undefined) return base;
    return {
      ...base,
      sender: tx.sender,
      nonce: tx.body.nonce,
      priority: tx.body.gasPrice,
      ...(err instanceof AppError && err.code === "NONCE_AHEAD" ? { nonceAhead: true } : {}),
    };
  }
}

/**
 * DeliverTx against the block working set. Throws only for failures of the node itself.
 * Synchronous unless the msg handler is asynchronous (a transfer's is not): a promise per tx is
 * a cost the hot path need not pay.
 */
export function deliverTx(
  env: TxEnv,
  store: KvStore,
  bytes: Uint8Array,
  block: BlockInfo,
): ExecTxResult | Promise<ExecTxResult> {
  let a: Admitted;
  try {
    a = admit(env, store, decodeStep(env, bytes), bytes.length, null);
  } catch (err) {
    if (err instanceof AppError) return execResult(err.resultCode, err.message, 0, 0, []);
    throw err;
  }
  const { tx, senderKey } = a;
  writeAccount(store, senderKey, { balance: a.account.balance - a.maxFee, nonce: a.account.nonce + 1 });

  const gas = new GasMeter(tx.body.gasLimit);
  gas.consume(a.intrinsicGas, "tx size");
  const layer = new CacheStore(store);
  const ctx: MsgContext = {
    chainId: env.chainId,
    params: env.params,
    store: layer,
    height: block.height,
    timeMs: block.timeMs,
    events: [],
    sender: tx.sender,
    nonce: tx.body.nonce,
    gasPrice: tx.body.gasPrice,
    gas,
  };
  let out: ReturnType<AnyMsgHandler["deliver"]>;
  try {
    gas.consume(a.msgGas, tx.body.msg.typeUrl);
    out = a.reg.handler.deliver(ctx, a.msg);
  } catch (err) {
    return settle(env, store, a, layer, ctx, undefined, err);
  }
  if (out instanceof Promise) {
    return out.then(
      (data) => settle(env, store, a, layer, ctx, data, NO_ERROR),
      (err: unknown) => settle(env, store, a, layer, ctx, undefined, err),
    );
  }
  return settle(env, store, a, layer, ctx, out, NO_ERROR);
}

/** Marks a msg that did not throw (anything, even undefined, can be thrown). */
const NO_ERROR: unique symbol = Symbol("no error");

/**
 * Keeps the msg layer's writes if the msg succeeded (drops them if not), refunds the unused gas,
 * pays the fee collector and builds the result.
 */
function settle(
  env: TxEnv,
  store: KvStore,
  a: Admitted,
  layer: CacheStore,
  ctx: MsgContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: what a handler returns (most return nothing).
  returned: void | Uint8Array,
  thrown: unknown,
): ExecTxResult {
  const { tx, reg, senderKey } = a;
  let code: number = ResultCode.OK;
  let log = "";
  let data: Uint8Array = returned ?? EMPTY;
  let err = thrown;
  if (err === NO_ERROR) {
    try {
      layer.writeTo(store);
    } catch (e) {
      err = e;
    }
  }
  if (err !== NO_ERROR) {
    layer.discard();
    data = EMPTY;
    if (err instanceof AppError) {
      code = err.resultCode;
      log = err.message;
    } else {
      // A bug in a handler: fail the tx the same way on every node rather than halt the chain.
      env.logger.error("msg handler failed unexpectedly", {
        typeUrl: tx.body.msg.typeUrl,
        err: errorMessage(err),
      });
      code = ResultCode.INTERNAL;
      log = `internal error: ${errorMessage(err)}`;
    }
  }
  const gas = ctx.gas;
  const fee = BigInt(gas.used) * tx.body.gasPrice;
  creditKey(store, senderKey, a.maxFee - fee);
  creditKey(store, FEE_COLLECTOR_KEY, fee);
  const senderBech32 = toBech32(tx.sender);
  const events: AbciEvent[] = [txEventOf(fee, senderBech32, tx.body.nonce)];
  if (code === ResultCode.OK) {
    events.push(messageEventOf(tx.body.msg.typeUrl, senderBech32, reg.module));
    for (const e of ctx.events) events.push(e);
  }
  return {
    code,
    codespace: code === 0 ? "" : CODESPACE,
    log,
    info: "",
    data,
    gasWanted: tx.body.gasLimit,
    gasUsed: gas.used,
    events,
  };
}
