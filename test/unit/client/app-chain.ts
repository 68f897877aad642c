/**
 * A one-node "chain" for client tests: a real DccnApp (LevelDB in a temp dir) behind the
 * JSON-RPC methods the client uses, rendered with the RPC server's own formatters. A tx
 * admitted by broadcast_tx_sync is committed in a block of its own at once, so the real
 * admission rules (signature, nonce, gas, fees) decide every outcome.
 */
import { fromBase64, fromHex, toBase64, toHexUpper } from "../../../src/codec/bytes.js";
import type { DccnApp } from "../../../src/dccn-app/index.js";
import { int64, renderQueryResponse, renderTxResult } from "../../../src/rpc/format.js";
import { txHash } from "../../../src/types/tx.js";
import { appState, CHAIN_ID, initApp, openApp, runBlock, tempDir, type Wallet } from "../dccn-app/helpers.js";
import { type FakeRpc, RpcFailure, startFakeRpc } from "./fake-rpc.js";

export interface AppChain {
  readonly app: DccnApp;
  readonly rpc: FakeRpc;
  /** Committed txs by upper-case hex hash. */
  readonly committed: Map<
    string,
    { height: number; tx: Uint8Array; result: ReturnType<typeof renderTxResult> }
  >;
  height(): number;
  /** With `autoCommit: false`: commits the admitted txs in one block. */
  commitPending(): Promise<void>;
  close(): Promise<void>;
}

export interface AppChainOptions {
  readonly minGasPrice?: bigint;
  /** `app_state.params` (gas schedule). */
  readonly params?: Record<string, unknown>;
  /** Commit each admitted tx at once (default true); else they wait for commitPending(). */
  readonly autoCommit?: boolean;
}

export async function startAppChain(
  accounts: readonly [Wallet, bigint][],
  opts: AppChainOptions = {},
): Promise<AppChain> {
  const app = await openApp(
    tempDir(),
    opts.minGasPrice === undefined ? {} : { minGasPrice: opts.minGasPrice },
  );
  await initApp(app, appState(accounts, opts.params));
  let height = 0;
  await runBlock(app, ++height, []);
  const committed: AppChain["committed"] = new Map();
  const pending: Uint8Array[] = [];
  const commit = async (txs: Uint8Array[]) => {
    const { results } = await runBlock(app, ++height, txs);
    txs.forEach((tx, i) => {
      committed.set(toHexUpper(txHash(tx)), { height, tx, result: renderTxResult(results[i]!) });
    });
  };

  const txParam = (p: Record<string, unknown>) => fromBase64(String(p.tx));
  const dryRun = (tx: Uint8Array) => app.dryRunCheckTx(tx);

  const rpc = await startFakeRpc({
    status: () => ({ node_info: { network: CHAIN_ID }, sync_info: { latest_block_height: int64(height) } }),
    abci_query: async (p) => ({
      response: renderQueryResponse(
        await app.query({
          path: String(p.path),
          data: typeof p.data === "string" ? fromHex(p.data) : new Uint8Array(0),
          height: Number(p.height ?? 0),
          prove: p.prove === true,
        }),
      ),
    }),
    check_tx: async (p) => renderTxResult(await dryRun(txParam(p))),
    broadcast_tx_sync: async (p) => {
      const tx = txParam(p);
      const check = await app.checkTx(tx, "new");
      const hash = toHexUpper(txHash(tx));
      if (check.code === 0) {
        if (opts.autoCommit === false) pending.push(tx);
        else await commit([tx]);
      }
      return { code: check.code, data: "", log: check.log, codespace: check.codespace, hash };
    },
    tx: (p) => {
      const hash = toHexUpper(fromBase64(String(p.hash)));
      const c = committed.get(hash);
      if (c === undefined) throw new RpcFailure(-32603, "Internal error", `tx (${hash}) not found`);
      return { hash, height: int64(c.height), index: 0, tx_result: c.result, tx: toBase64(c.tx) };
    },
  });
  return {
    app,
    rpc,
    committed,
    height: () => height,
    commitPending: () => commit(pending.splice(0)),
    close: async () => {
      await rpc.close();
      await app.close();
    },
  };
}
