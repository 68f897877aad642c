/**
 * The composition root: builds every part of a node in dependency order from its config and
 * tears them down in reverse, each step bounded by a timeout.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BlockExecutor } from "../abci/executor.js";
import { handshake } from "../abci/handshake.js";
import type { Application } from "../abci/types.js";
import { toHex } from "../codec/bytes.js";
import { configPaths } from "../config/config.js";
import { loadNodeKey } from "../config/node-key.js";
import type { NodeConfig } from "../config/types.js";
import { Driver } from "../consensus/driver.js";
import type { TimeoutConfig } from "../consensus/types.js";
import { DccnApp } from "../dccn-app/app.js";
import { DccnError, errorMessage } from "../errors.js";
import { EventBus } from "../events/bus.js";
import { loadGenesisFile } from "../genesis/genesis.js";
import type { GenesisDoc } from "../genesis/types.js";
import type { Logger } from "../log.js";
import { Mempool } from "../mempool/mempool.js";
import { loadValidatorKey } from "../privval/key-file.js";
import { Signer } from "../privval/signer.js";
import { RpcServer } from "../rpc/server.js";
import { StateStore } from "../state/state-store.js";
import { BlockStore } from "../store/block-store.js";
import { ConsensusHost, NO_NETWORK } from "./consensus-host.js";
import { buildRpcEnv } from "./rpc-env.js";
import { VERSION } from "./version.js";

export type NodeRole = "validator" | "full";

export type NodeErrorCode = "NODE_START_FAILED" | "NODE_STOP_TIMEOUT";

export interface NodeOptions {
  readonly config: NodeConfig;
  readonly role: NodeRole;
  readonly logger: Logger;
}

/** Runs `step` but gives up after `ms`, so one hung part cannot block shutdown. */
async function withTimeout(
  step: string,
  ms: number,
  run: () => Promise<unknown>,
  logger: Logger,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn("shutdown step timed out", { step, ms });
      resolve();
    }, ms);
  });
  try {
    await Promise.race([
      run().catch((err) => logger.warn("shutdown step failed", { step, err: errorMessage(err) })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function timeoutConfig(cfg: NodeConfig): TimeoutConfig {
  const c = cfg.consensus;
  return {
    proposeMs: c.timeoutProposeMs,
    proposeDeltaMs: c.timeoutProposeDeltaMs,
    prevoteMs: c.timeoutPrevoteMs,
    prevoteDeltaMs: c.timeoutPrevoteDeltaMs,
    precommitMs: c.timeoutPrecommitMs,
    precommitDeltaMs: c.timeoutPrecommitDeltaMs,
    commitMs: c.timeoutCommitMs,
    createEmptyBlocks: c.createEmptyBlocks,
  };
}

export class DccnNode {
  private stopping: Promise<void> | undefined;
  private readonly finished: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: unknown) => void };

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: GenesisDoc,
    private readonly logger: Logger,
    readonly blockStore: BlockStore,
    readonly stateStore: StateStore,
    readonly app: Application,
    readonly mempool: Mempool,
    readonly host: ConsensusHost,
    readonly rpc: RpcServer,
  ) {
    this.finished = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  /** Settles when the node has stopped; rejects if it stopped on a fatal error. */
  get done(): Promise<void> {
    return this.finished;
  }

  static async start(opts: NodeOptions): Promise<DccnNode> {
    const { config, role, logger } = opts;
    const paths = configPaths(config);
    const genesis = loadGenesisFile(paths.genesisFile);
    mkdirSync(paths.dbDir, { recursive: true });
    const nodeKey = loadNodeKey(paths.nodeKeyFile);
    const nodeId = nodeKey.nodeId;
    nodeKey.seed.fill(0);

    const opened: { close(): Promise<unknown> }[] = [];
    try {
      const blockStore = await BlockStore.open(join(paths.dbDir, "blockstore.db"));
      opened.push(blockStore);
      const stateStore = await StateStore.open(join(paths.dbDir, "state.db"));
      opened.push(stateStore);
      const app = await DccnApp.open({
        dbPath: join(paths.dbDir, "application.db"),
        minGasPrice: config.app.minimumGasPrice,
        logger: logger.child("app"),
      });
      opened.push(app);
      const eventBus = new EventBus();
      const mempool = new Mempool(
        {
          maxTxs: config.mempool.size,
          maxTxsBytes: config.mempool.maxTxsBytes,
          maxTxBytes: config.mempool.maxTxBytes,
          cacheSize: config.mempool.cacheSize,
          recheck: config.mempool.recheck,
        },
        { app, logger: logger.child("mempool") },
      );
      const executor = new BlockExecutor(
        {},
        {
          app,
          blockStore,
          stateStore,
          eventBus,
          logger: logger.child("executor"),
          commitHook: (height, txs, results, commit) => mempool.commitAndUpdate(commit, height, txs, results),
        },
      );
      const { state, replayedBlocks } = await handshake({
        app,
        blockStore,
        stateStore,
        executor,
        genesis,
        logger: logger.child("handshake"),
      });
      logger.info("handshake done", {
        height: state.lastBlockHeight,
        appHash: toHex(state.appHash),
        replayedBlocks,
      });

      let signer: Signer | null = null;
      if (role === "validator") {
        const key = await loadValidatorKey(paths.privValidatorKeyFile);
        signer = await Signer.open(paths.privValidatorStateFile, key, genesis.chainId);
      }
      const timeouts = timeoutConfig(config);
      const driver = new Driver({ address: signer?.address ?? null, timeouts });
      const host = new ConsensusHost(
        { commitMs: timeouts.commitMs, createEmptyBlocks: timeouts.createEmptyBlocks },
        {
          driver,
          signer,
          executor,
          blockStore,
          stateStore,
          mempool,
          network: NO_NETWORK,
          logger: logger.child("consensus"),
        },
        state,
      );

      const env = buildRpcEnv({
        config,
        genesisJson: genesis,
        nodeId,
        blockStore,
        stateStore,
        app,
        mempool,
        eventBus,
        host,
        signer,
        version: VERSION,
      });
      const rpc = await RpcServer.start(config.rpc, env, logger.child("rpc"));
      opened.push(rpc);
      logger.info("rpc server listening", { url: rpc.url });

      const node = new DccnNode(config, genesis, logger, blockStore, stateStore, app, mempool, host, rpc);
      await host.start((err) => {
        logger.error("fatal consensus error; stopping", { err: errorMessage(err) });
        void node.stop(err);
      });
      logger.info("node started", {
        chainId: genesis.chainId,
        role,
        height: state.lastBlockHeight,
        validator: signer ? toHex(signer.address).toUpperCase() : "none",
      });
      return node;
    } catch (err) {
      for (const part of opened.reverse()) {
        await withTimeout("close after failed start", 3000, () => part.close(), logger);
      }
      if (err instanceof DccnError) throw err;
      throw new DccnError<NodeErrorCode>(
        "NODE_START_FAILED",
        `node failed to start: ${errorMessage(err)}`,
        {},
        {
          cause: err,
        },
      );
    }
  }

  /** Stops everything in reverse order of construction. Idempotent. */
  stop(fatal?: unknown): Promise<void> {
    this.stopping ??= (async () => {
      const log = this.logger;
      log.info("stopping node");
      await withTimeout("rpc", 3000, () => this.rpc.close(), log);
      this.host.stop();
      await withTimeout("consensus", 10_000, () => this.host.whenIdle(), log);
      await withTimeout("app", 5000, () => this.app.close(), log);
      await withTimeout("state store", 5000, () => this.stateStore.close(), log);
      await withTimeout("block store", 5000, () => this.blockStore.close(), log);
      log.info("node stopped");
      if (fatal === undefined) this.settle.resolve();
      else this.settle.reject(fatal);
    })();
    return this.stopping;
  }
}
