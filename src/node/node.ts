/**
 * The composition root: builds every part of a node in dependency order from its config and
 * tears them down in reverse, each step bounded by a timeout.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BlockExecutor } from "../abci/executor.js";
import { handshake } from "../abci/handshake.js";
import { toHex, utf8 } from "../codec/bytes.js";
import { configPaths } from "../config/config.js";
import { loadNodeKey } from "../config/node-key.js";
import type { NodeConfig } from "../config/types.js";
import { Driver } from "../consensus/driver.js";
import { RawSigner } from "../consensus/sim/raw-signer.js";
import type { TimeoutConfig } from "../consensus/types.js";
import { sha256 } from "../crypto/hash.js";
import { autoWorkerCount, VerifyPool } from "../crypto/verify-pool.js";
import { DccnApp } from "../dccn-app/app.js";
import { DccnError, errorMessage } from "../errors.js";
import { EventBus } from "../events/bus.js";
import { EvidencePool } from "../evidence/pool.js";
import { loadGenesisFile } from "../genesis/genesis.js";
import type { GenesisDoc } from "../genesis/types.js";
import { ThreadedIndexer } from "../indexer/threaded.js";
import type { Logger } from "../log.js";
import { Mempool } from "../mempool/mempool.js";
import { loadValidatorKey } from "../privval/key-file.js";
import { Signer } from "../privval/signer.js";
import { RpcServer } from "../rpc/server.js";
import { StateStore } from "../state/state-store.js";
import { BlockStore } from "../store/block-store.js";
import { Database } from "../store/db.js";
import { type Vote, VoteType } from "../types/vote.js";
import { ConsensusWal } from "../wal/wal.js";
import { appModules } from "./app-modules.js";
import { ConsensusHost } from "./consensus-host.js";
import { MetricsServer } from "./metrics.js";
import { NodeNetwork } from "./network.js";
import { buildRpcEnv } from "./rpc-env.js";
import { VERSION } from "./version.js";

export type NodeRole = "validator" | "full";

/** Test-only: a validator started with this set to "1" signs a second, nil prevote every round. */
export const UNSAFE_DOUBLE_SIGN_ENV = "DCCN_UNSAFE_DOUBLE_SIGN";

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

/** TEST-ONLY: for each of our prevotes, the same prevote for a different value (nil ↔ block). */
function conflictingPrevote(raw: RawSigner): (vote: Vote) => Vote | null {
  return (vote) =>
    vote.type !== VoteType.Prevote
      ? null
      : raw.vote({
          type: vote.type,
          height: vote.height,
          round: vote.round,
          blockHash:
            vote.blockHash === null ? sha256(utf8(`not-a-block/${vote.height}/${vote.round}`)) : null,
          validatorIndex: vote.validatorIndex,
        });
}

interface Closable {
  readonly name: string;
  close(): Promise<unknown>;
}

export class DccnNode {
  private stopping: Promise<void> | undefined;
  private readonly finished: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: unknown) => void };

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: GenesisDoc,
    private readonly logger: Logger,
    readonly host: ConsensusHost,
    readonly network: NodeNetwork | null,
    /** Everything to close, in the order it was opened. */
    private readonly parts: readonly Closable[],
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

    const opened: Closable[] = [];
    const open = <T extends { close(): Promise<unknown> }>(name: string, part: T): T => {
      opened.push({ name, close: () => part.close() });
      return part;
    };
    try {
      const blockStore = open("block store", await BlockStore.open(join(paths.dbDir, "blockstore.db")));
      const stateStore = open("state store", await StateStore.open(join(paths.dbDir, "state.db")));
      const evidenceDb = open("evidence db", await Database.open(join(paths.dbDir, "evidence.db")));
      const evidence = await EvidencePool.open(evidenceDb, {
        chainId: genesis.chainId,
        loadValidators: (h) => stateStore.loadValidators(h),
        loadBlockTime: async (h) => (await blockStore.loadBlock(h))?.header.timeMs ?? null,
        logger: logger.child("evidence"),
      });
      const workers = config.app.signatureWorkers;
      const verifier = open(
        "signature workers",
        new VerifyPool({
          workers: workers < 0 ? autoWorkerCount() : workers,
          logger: logger.child("verify"),
        }),
      );
      const app = open(
        "app",
        await DccnApp.open({
          dbPath: join(paths.dbDir, "application.db"),
          minGasPrice: config.app.minimumGasPrice,
          logger: logger.child("app"),
          modules: appModules(),
          ...(verifier.workers > 0 ? { verifier } : {}),
        }),
      );
      const eventBus = new EventBus();
      const indexer =
        config.txIndex.indexer === "kv"
          ? open(
              "indexer",
              await ThreadedIndexer.open(join(paths.dbDir, "tx_index.db"), {
                retainHeights: config.txIndex.retainHeights,
                logger: logger.child("indexer"),
              }),
            )
          : null;
      indexer?.start(eventBus);
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
        { evidenceVerifier: evidence },
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
      // Blocks committed before a crash may not have reached the evidence pool or the indexer.
      for (let h = evidence.lastCommittedHeight + 1; h <= state.lastBlockHeight; h++) {
        const block = await blockStore.loadBlock(h);
        if (block !== null) await evidence.markCommitted(block, state);
      }
      // Indexing is not consensus-critical: an indexer that cannot catch up (its worker did not
      // start) has logged why, and the node runs on without it.
      await indexer
        ?.catchUp(
          {
            loadBlock: (h) => blockStore.loadBlock(h),
            loadAbciResponses: (h) => stateStore.loadAbciResponses(h),
          },
          state.lastBlockHeight,
        )
        .catch((err: unknown) => logger.warn("event indexer did not catch up", { err: errorMessage(err) }));

      let signer: Signer | null = null;
      let doubleSigner: RawSigner | null = null;
      if (role === "validator") {
        signer = await Signer.open(
          paths.privValidatorStateFile,
          await loadValidatorKey(paths.privValidatorKeyFile),
          genesis.chainId,
        );
        if (process.env[UNSAFE_DOUBLE_SIGN_ENV] === "1") {
          logger.warn("TEST-ONLY: this validator double-signs prevotes", { env: UNSAFE_DOUBLE_SIGN_ENV });
          doubleSigner = new RawSigner(await loadValidatorKey(paths.privValidatorKeyFile), genesis.chainId);
        }
      }

      const network = open(
        "p2p",
        await NodeNetwork.create(
          {
            config,
            chainId: genesis.chainId,
            nodeKeySeed: nodeKey.seed,
            maxBlockBytes: state.consensusParams.block.maxBytes,
          },
          { blockStore, mempool, evidence, logger: logger.child("p2p") },
        ),
      );
      nodeKey.seed.fill(0);
      await network.start();
      logger.info("p2p listening", { addrs: network.host.multiaddrs() });

      const timeouts = timeoutConfig(config);
      const wal = open("wal", await ConsensusWal.open(paths.walFile, {}, { logger: logger.child("wal") }));
      const host = new ConsensusHost(
        {
          commitMs: timeouts.commitMs,
          createEmptyBlocks: timeouts.createEmptyBlocks,
          unsafeDoubleSign: doubleSigner === null ? undefined : conflictingPrevote(doubleSigner),
        },
        {
          driver: new Driver({ address: signer?.address ?? null, timeouts }),
          signer,
          executor,
          blockStore,
          stateStore,
          mempool,
          network,
          wal,
          evidence,
          onCommitted: (block, after) => evidence.markCommitted(block, after),
          onBehind: (height) => network.onBehind(height),
          logger: logger.child("consensus"),
        },
        state,
      );

      const rpc = open(
        "rpc",
        await RpcServer.start(
          config.rpc,
          buildRpcEnv({
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
            indexer,
            network,
            evidence,
          }),
          logger.child("rpc"),
        ),
      );
      logger.info("rpc server listening", { url: rpc.url });
      if (config.instrumentation.prometheus) {
        open(
          "metrics",
          await MetricsServer.start(
            config.instrumentation.prometheusListenAddr,
            {
              eventBus,
              consensus: () => host.summary,
              mempoolSize: () => mempool.size(),
              mempoolBytes: () => mempool.sizeBytes(),
              peers: () => network.host.connectedPeers().length,
              catchingUp: () => network.catchingUp,
            },
            logger.child("metrics"),
          ),
        );
      }

      const node = new DccnNode(config, genesis, logger, host, network, opened);
      const onFatal = (err: unknown) => {
        logger.error("fatal error; stopping", { err: errorMessage(err) });
        void node.stop(err);
      };
      network.deliverTo(host);
      // Block sync first (when there is anyone to sync from), then consensus from the tip.
      void (async () => {
        if (NodeNetwork.hasPeers(config)) {
          const height = await network.syncToTip(genesis.chainId, {
            lastBlockHeight: () => host.chainState.lastBlockHeight,
            currentValidators: () => host.chainState.validators,
            applyBlock: (block, commit) => host.applySynced(block, commit),
          });
          logger.info("caught up; switching to consensus", { height });
        }
        await network.attachConsensus(host);
        await host.start(onFatal);
        logger.info("consensus started", { height: host.chainState.lastBlockHeight + 1 });
      })().catch(onFatal);
      logger.info("node started", {
        chainId: genesis.chainId,
        role,
        height: state.lastBlockHeight,
        validator: signer ? toHex(signer.address).toUpperCase() : "none",
      });
      return node;
    } catch (err) {
      nodeKey.seed.fill(0);
      for (const part of opened.reverse()) {
        await withTimeout(`close ${part.name} after failed start`, 3000, () => part.close(), logger);
      }
      if (err instanceof DccnError) throw err;
      throw new DccnError<NodeErrorCode>(
        "NODE_START_FAILED",
        `node failed to start: ${errorMessage(err)}`,
        {},
        { cause: err },
      );
    }
  }

  /** Stops everything in reverse order of construction. Idempotent. */
  stop(fatal?: unknown): Promise<void> {
    this.stopping ??= (async () => {
      const log = this.logger;
      log.info("stopping node");
      const rpc = this.parts.find((p) => p.name === "rpc");
      if (rpc) await withTimeout("rpc", 3000, () => rpc.close(), log);
      this.host.stop();
      await withTimeout("consensus", 10_000, () => this.host.whenIdle(), log);
      for (const part of [...this.parts].reverse()) {
        if (part === rpc) continue;
        await withTimeout(part.name, 5000, () => part.close(), log);
      }
      log.info("node stopped");
      if (fatal === undefined) this.settle.resolve();
      else this.settle.reject(fatal);
    })();
    return this.stopping;
  }
}
