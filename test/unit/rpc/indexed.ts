/**
 * An RPC server over the test chain with a real event indexer (LevelDB in a temp dir) fed by
 * the chain's EventBus. Txs carry transfer events naming their sender, so tx_search by sender
 * works as on the real chain.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecTxResult } from "../../../src/abci/types.js";
import { toHex } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { EventIndexer } from "../../../src/indexer/indexer.js";
import { type Logger, silentLogger } from "../../../src/log.js";
import type { RpcEnv } from "../../../src/rpc/env.js";
import type { RpcServerOptions } from "../../../src/rpc/options.js";
import { RpcServer } from "../../../src/rpc/server.js";
import { decodeTx } from "../../../src/types/tx.js";
import { TestChain, txResultFor } from "./fixture.js";

/** txResultFor's result plus `transfer.sender` (hex address) and `transfer.amount` (= nonce). */
export function senderResult(tx: Uint8Array, index: number, height: number): ExecTxResult {
  const base = txResultFor(tx, index);
  const decoded = decodeTx(tx);
  return {
    ...base,
    code: 0,
    codespace: "",
    log: "",
    events: [
      ...base.events,
      {
        type: "transfer",
        attributes: [
          { key: "sender", value: toHex(decoded.sender), index: true },
          { key: "amount", value: String(decoded.body.nonce), index: true },
          { key: "block", value: String(height), index: false },
        ],
      },
    ],
  };
}

export const senderOf = (chain: TestChain, k: number): string =>
  toHex(addressFromPublicKey(chain.keys[k]!.publicKey));

export interface IndexedServer {
  readonly chain: TestChain;
  readonly indexer: EventIndexer;
  readonly server: RpcServer;
  /** Commit every admitted tx in its own block right after CheckTx (for broadcast_tx_commit). */
  autoCommit(on: boolean): void;
  close(): Promise<void>;
}

export async function startIndexedServer(
  opts: Partial<RpcServerOptions> = {},
  env: Partial<RpcEnv> = {},
  chain = new TestChain(),
  logger: Logger = silentLogger,
): Promise<IndexedServer> {
  chain.resultFor = senderResult;
  const dir = mkdtempSync(join(tmpdir(), "dccn-rpc-"));
  const indexer = await EventIndexer.open(join(dir, "tx_index.db"));
  indexer.start(chain.eventBus);
  const server = await RpcServer.start(
    { laddr: "tcp://127.0.0.1:0", ...opts },
    chain.env({ indexer, ...env }),
    logger,
  );
  return {
    chain,
    indexer,
    server,
    autoCommit(on: boolean) {
      chain.mempool.onAdmitted = on ? (tx) => setImmediate(() => chain.produceBlock([tx])) : () => {};
    },
    async close() {
      await server.close();
      await indexer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
