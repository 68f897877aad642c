/**
 * Startup handshake between the chain state, the block store and the app (after CometBFT's
 * replay logic). The executor's write order for block H is:
 *
 *   1. block H saved in the block store        (store = H, state = H-1, app = H-1)
 *   2. BeginBlock/DeliverTx/EndBlock           (app has uncommitted changes, lost on a crash)
 *   3. ABCI responses of H saved
 *   4. app Commit                              (app = H)
 *   5. state H saved                           (state = H)
 *
 * A crash between 1 and 4 leaves app = state = H-1 < store: the block is applied again with
 * the real executor. A crash between 4 and 5 leaves app = store = H > state: the state is
 * rebuilt from the saved ABCI responses and the app's hash, without re-executing. An app that
 * lags further (it persists lazily, or lost its data) first gets the missing blocks replayed
 * to it alone, each one's app hash checked against the next header. An app ahead of the
 * block store, or hashes that disagree, are errors a person must look at.
 */
import { equalBytes, toHexUpper } from "../codec/bytes.js";
import { DccnError } from "../errors.js";
import type { GenesisDoc } from "../genesis/types.js";
import { type Logger, silentLogger } from "../log.js";
import { stateFromGenesis } from "../state/genesis.js";
import type { StateStore } from "../state/state-store.js";
import { updateState } from "../state/transition.js";
import { type ChainState, nextHeight } from "../state/types.js";
import type { BlockStore } from "../store/block-store.js";
import { type Block, headerHash } from "../types/block.js";
import { type BlockExecutor, executeBlockOnApp } from "./executor.js";
import type { Application } from "./types.js";

export type HandshakeErrorCode =
  | "HANDSHAKE_CHAIN_ID_MISMATCH"
  | "HANDSHAKE_BAD_APP_INFO"
  | "HANDSHAKE_APP_AHEAD"
  | "HANDSHAKE_STATE_MISSING"
  | "HANDSHAKE_STORE_INCONSISTENT"
  | "HANDSHAKE_BLOCKS_PRUNED"
  | "HANDSHAKE_MISSING_RECORD"
  | "HANDSHAKE_APP_HASH_MISMATCH";

export class HandshakeError extends DccnError<HandshakeErrorCode> {
  constructor(code: HandshakeErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "HandshakeError";
  }
}

export interface HandshakeModules {
  readonly app: Application;
  readonly blockStore: BlockStore;
  readonly stateStore: StateStore;
  readonly executor: BlockExecutor;
  readonly genesis: GenesisDoc;
  readonly logger?: Logger;
}

export interface HandshakeResult {
  /** The chain state, consistent with the app and the block store. */
  readonly state: ChainState;
  /** Whether InitChain was called (fresh app). */
  readonly initChain: boolean;
  /** Blocks executed on the app during recovery. */
  readonly replayedBlocks: number;
}

export async function handshake(m: HandshakeModules): Promise<HandshakeResult> {
  const { app, blockStore, stateStore, executor, genesis } = m;
  const logger = m.logger ?? silentLogger;

  let state = await stateStore.load();
  if (state !== null && state.chainId !== genesis.chainId) {
    throw new HandshakeError(
      "HANDSHAKE_CHAIN_ID_MISMATCH",
      `the state store belongs to chain "${state.chainId}" but the genesis file is for "${genesis.chainId}"`,
    );
  }
  const info = await app.info();
  if (!Number.isSafeInteger(info.lastBlockHeight) || info.lastBlockHeight < 0) {
    throw new HandshakeError("HANDSHAKE_BAD_APP_INFO", `the app reports height ${info.lastBlockHeight}`);
  }
  let appHeight = info.lastBlockHeight;
  let appHash = info.lastBlockAppHash;
  const storeHeight = blockStore.height();
  logger.info("handshake", { appHeight, storeHeight, stateHeight: state?.lastBlockHeight ?? null });

  let initChain = false;
  if (appHeight === 0) {
    const res = await app.initChain({
      timeMs: genesis.genesisTimeMs,
      chainId: genesis.chainId,
      initialHeight: genesis.initialHeight,
      consensusParams: genesis.consensusParams,
      validators: genesis.validators.map((v) => ({ pubKey: v.pubKey, power: v.power })),
      appStateJson: genesis.appStateJson,
    });
    initChain = true;
    // Only a chain without blocks takes InitChain's answer; otherwise replay rebuilds the app.
    if (state === null || state.lastBlockHeight === 0) {
      state = stateFromGenesis(genesis, res);
      await stateStore.save(state);
    }
    appHash = res.appHash.length > 0 ? res.appHash : genesis.appHash;
  }
  if (state === null) {
    throw new HandshakeError(
      "HANDSHAKE_STATE_MISSING",
      `the app is at height ${appHeight} but the state store is empty; restore the state database or reset the app`,
    );
  }
  let current: ChainState = state;
  const stateHeight = current.lastBlockHeight;
  const initialHeight = current.initialHeight;

  if (appHeight > storeHeight) {
    throw new HandshakeError(
      "HANDSHAKE_APP_AHEAD",
      `the app is at height ${appHeight}, ahead of the block store at ${storeHeight}; the block store is missing blocks the app has executed`,
      { appHeight, storeHeight },
    );
  }
  const storeHasNext = storeHeight !== 0 && storeHeight === nextHeight(current);
  if (storeHeight !== stateHeight && !storeHasNext) {
    throw new HandshakeError(
      "HANDSHAKE_STORE_INCONSISTENT",
      `the block store is at height ${storeHeight} but the state is at ${stateHeight}; they must be equal or one apart`,
      { storeHeight, stateHeight },
    );
  }
  const firstNeeded = appHeight === 0 ? initialHeight : appHeight + 1;
  if (appHeight < storeHeight && blockStore.base() > firstNeeded) {
    throw new HandshakeError(
      "HANDSHAKE_BLOCKS_PRUNED",
      `the app needs block ${firstNeeded} but the block store starts at ${blockStore.base()}`,
      { firstNeeded, base: blockStore.base() },
    );
  }

  const loadBlock = async (height: number): Promise<Block> => {
    const block = await blockStore.loadBlock(height);
    if (block === null) {
      throw new HandshakeError("HANDSHAKE_MISSING_RECORD", `block ${height} is missing from the block store`);
    }
    return block;
  };
  const expectAppHash = (height: number, want: Uint8Array, got: Uint8Array) => {
    if (!equalBytes(want, got)) {
      throw new HandshakeError(
        "HANDSHAKE_APP_HASH_MISMATCH",
        `after height ${height} the app hash is ${toHexUpper(got)} but the chain expects ${toHexUpper(want)}; the app's state diverged from the chain`,
        { height },
      );
    }
  };

  let replayedBlocks = 0;
  // Replays committed blocks to the app alone (the state already reflects them).
  const replayToApp = async (upTo: number): Promise<void> => {
    for (let h = appHeight === 0 ? initialHeight : appHeight + 1; h <= upTo; h++) {
      const block = await loadBlock(h);
      const lastValidators = h === initialHeight ? null : await stateStore.loadValidators(h - 1);
      if (h !== initialHeight && lastValidators === null) {
        throw new HandshakeError(
          "HANDSHAKE_MISSING_RECORD",
          `the validator set of height ${h - 1} is missing`,
        );
      }
      const saved = await stateStore.loadAbciResponses(h);
      if (saved === null && block.evidence.length > 0) {
        throw new HandshakeError("HANDSHAKE_MISSING_RECORD", `the ABCI responses of height ${h} are missing`);
      }
      await executeBlockOnApp(
        app,
        block,
        headerHash(block.header),
        lastValidators,
        saved?.byzantineValidators ?? [],
      );
      const commit = await app.commit();
      const nextMeta = h < storeHeight ? await blockStore.loadBlockMeta(h + 1) : null;
      const want = nextMeta?.header.appHash ?? (h === stateHeight ? current.appHash : null);
      if (want !== null) expectAppHash(h, want, commit.appHash);
      appHeight = h;
      appHash = commit.appHash;
      replayedBlocks++;
    }
  };

  if (appHeight < stateHeight) {
    logger.info("replaying blocks to the app", { from: firstNeeded, to: stateHeight });
    await replayToApp(stateHeight);
  }

  if (storeHasNext) {
    const block = await loadBlock(storeHeight);
    const blockHash = headerHash(block.header);
    if (appHeight === stateHeight) {
      // Crashed before the app committed the last block: apply it for real.
      expectAppHash(stateHeight, current.appHash, appHash);
      logger.info("applying the last stored block", { height: storeHeight });
      current = (await executor.applyBlock(current, block, blockHash)).state;
      appHash = current.appHash;
      replayedBlocks++;
    } else {
      // The app committed it but the state was not saved: rebuild the state from its responses.
      const responses = await stateStore.loadAbciResponses(storeHeight);
      if (responses === null) {
        throw new HandshakeError(
          "HANDSHAKE_MISSING_RECORD",
          `the app committed height ${storeHeight} but its ABCI responses were not saved`,
        );
      }
      logger.info("restoring the state of the last block from saved responses", { height: storeHeight });
      current = updateState(current, blockHash, block.header, responses, appHash);
      await stateStore.save(current);
    }
  }

  expectAppHash(current.lastBlockHeight, current.appHash, appHash);
  logger.info("handshake done", {
    height: current.lastBlockHeight,
    appHash: toHexUpper(current.appHash),
    replayedBlocks,
  });
  return { state: current, initChain, replayedBlocks };
}
