/** broadcast_tx_async|sync|commit, tx, unconfirmed_txs, num_unconfirmed_txs, check_tx. */
import type { CheckTxResult } from "../../abci/types.js";
import { equalBytes, toBase64 } from "../../codec/bytes.js";
import type { TxEvent } from "../../events/bus.js";
import type { Logger } from "../../log.js";
import { txHash } from "../../types/tx.js";
import type { RpcEnv } from "../env.js";
import { RpcError } from "../errors.js";
import { EMPTY_TX_RESULT, hex, int64, renderTxProof, renderTxResult } from "../format.js";
import { type JsonValue, RawJson } from "../json.js";
import type { RpcArgs } from "../params.js";
import { resolvePerPage } from "./heights.js";
import { renderIndexedTx, requireIndexer } from "./search.js";
import type { RpcCallContext, RpcMethod } from "./types.js";

export interface TxMethodOptions {
  /** How long broadcast_tx_commit waits for the tx to be committed. */
  readonly timeoutBroadcastTxCommitMs: number;
  readonly logger: Logger;
}

const TX_PARAM = [{ name: "tx", kind: "bytes" }] as const;

function requireTx(args: RpcArgs): Uint8Array {
  const tx = args.bytes("tx");
  if (tx === undefined || tx.length === 0) throw RpcError.invalidParams("tx is required (the tx bytes)");
  return tx;
}

/** Mempool refusals (full, duplicate, too large) come back as errors with their reason. */
async function admit(env: RpcEnv, tx: Uint8Array): Promise<CheckTxResult & { readonly hash?: Uint8Array }> {
  try {
    return await env.mempool.checkTx(tx);
  } catch (err) {
    throw RpcError.internal(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * Resolves with the Tx event of `hash`. Subscribed before the tx enters the mempool, so a
 * block committed right away is not missed; `cancel` must always be called.
 */
function subscribeTx(env: RpcEnv, hash: Uint8Array) {
  let onTx: (e: TxEvent) => void = () => {};
  const promise = new Promise<TxEvent>((resolve) => {
    onTx = (e: TxEvent) => {
      if (equalBytes(e.hash, hash)) resolve(e);
    };
    env.eventBus.on("Tx", onTx);
  });
  return { promise, cancel: () => env.eventBus.off("Tx", onTx) };
}

/** Waits for `promise` until `timeoutMs` passes or `signal` aborts. */
async function waitCommitted(
  promise: Promise<TxEvent>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<TxEvent> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => {};
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(RpcError.internal("timed out waiting for tx to be included in a block")),
      timeoutMs,
    );
    onAbort = () => reject(RpcError.internal(`broadcast confirmation not received: ${abortReason(signal)}`));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, stop]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : typeof r === "string" ? r : "request cancelled";
}

/**
 * A broadcast's result ({code, data, log, codespace, hash}, CometBFT's ResultBroadcastTx) as
 * JSON text: written on every broadcast, so it skips the generic serializer and lets the
 * dispatcher answer with a template. `data` and `hash` are hex. Anything unexpected (a
 * non-finite code would not serialize) keeps the object, and its usual handling.
 */
function broadcastResult(
  code: number,
  data: string,
  log: string,
  codespace: string,
  hash: string,
): JsonValue {
  if (!Number.isFinite(code) || typeof log !== "string" || typeof codespace !== "string") {
    return { code, data, log, codespace, hash };
  }
  return new RawJson(
    `{"code":${code},"data":"${data}","log":${JSON.stringify(log)},"codespace":${JSON.stringify(codespace)},"hash":"${hash}"}`,
  );
}

export function txMethods(env: RpcEnv, opts: TxMethodOptions): Record<string, RpcMethod> {
  const log = opts.logger;
  return {
    broadcast_tx_async: {
      params: TX_PARAM,
      call: async (args) => {
        const tx = requireTx(args);
        env.mempool.checkTx(tx).catch((err: unknown) => {
          log.debug("broadcast_tx_async: tx refused", { err });
        });
        return broadcastResult(0, "", "", "", hex(txHash(tx)));
      },
    },

    broadcast_tx_sync: {
      params: TX_PARAM,
      call: async (args) => {
        const tx = requireTx(args);
        const res = await admit(env, tx);
        return broadcastResult(res.code, hex(res.data), res.log, res.codespace, hex(res.hash ?? txHash(tx)));
      },
    },

    broadcast_tx_commit: {
      params: TX_PARAM,
      // The wait has its own timeout; the handler limit only backs it up.
      timeoutMs: opts.timeoutBroadcastTxCommitMs + 5_000,
      call: async (args, ctx: RpcCallContext) => {
        const tx = requireTx(args);
        const hash = txHash(tx);
        const sub = subscribeTx(env, hash);
        try {
          const check = await admit(env, tx);
          if (check.code !== 0) {
            return {
              check_tx: renderTxResult(check),
              tx_result: renderTxResult(EMPTY_TX_RESULT),
              hash: hex(hash),
              height: "0",
            };
          }
          const committed = await waitCommitted(sub.promise, opts.timeoutBroadcastTxCommitMs, ctx.signal);
          return {
            check_tx: renderTxResult(check),
            tx_result: renderTxResult(committed.result),
            hash: hex(hash),
            height: int64(committed.height),
          };
        } finally {
          sub.cancel();
        }
      },
    },

    check_tx: {
      params: TX_PARAM,
      call: async (args) => renderTxResult(await env.app.checkTx(requireTx(args), "new")),
    },

    tx: {
      params: [
        { name: "hash", kind: "bytes" },
        { name: "prove", kind: "bool" },
      ],
      call: async (args) => {
        const hash = args.bytes("hash") ?? new Uint8Array(0);
        // As CometBFT: only the event index finds txs by hash (the block store keeps none).
        const indexer = requireIndexer(env, "transaction");
        await indexer.idle();
        const t = hash.length > 0 ? await indexer.getTx(hash) : undefined;
        if (t === undefined) throw RpcError.internal(`tx (${hex(hash)}) not found`);
        const block = args.bool("prove") ? await env.blockStore.loadBlock(t.height) : null;
        const proof = block ? renderTxProof(block.txs, t.index, block.header.dataHash) : undefined;
        return renderIndexedTx(t, proof);
      },
    },

    unconfirmed_txs: {
      params: [{ name: "limit", kind: "int" }],
      call: async (args) => {
        const txs = await env.mempool.unconfirmedTxs(resolvePerPage(args.int("limit")));
        return {
          n_txs: int64(txs.length),
          total: int64(env.mempool.size()),
          total_bytes: int64(env.mempool.sizeBytes()),
          txs: txs.map(toBase64),
        };
      },
    },

    num_unconfirmed_txs: {
      params: [],
      call: async () => ({
        n_txs: int64(env.mempool.size()),
        total: int64(env.mempool.size()),
        total_bytes: int64(env.mempool.sizeBytes()),
        txs: null,
      }),
    },
  };
}
