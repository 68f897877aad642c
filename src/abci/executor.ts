/**
 * The block executor: builds proposal blocks, validates blocks against the chain state, and
 * applies a decided block (BeginBlock → DeliverTx* → EndBlock → save ABCI responses →
 * Commit → save state → publish events).
 *
 * Crash safety rests on the write order: the block is in the block store before applyBlock
 * runs (enforced), the ABCI responses are saved before the app commits, and the new state is
 * saved after; handshake.ts recovers from a crash between any two of these steps.
 */
import { equalBytes, toHex, toHexUpper, utf8 } from "../codec/bytes.js";
import { sha256 } from "../crypto/hash.js";
import { DccnError, errorMessage } from "../errors.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../log.js";
import type { AbciResponses } from "../state/abci-responses.js";
import type { StateStore } from "../state/state-store.js";
import { updateState } from "../state/transition.js";
import { type ChainState, nextHeight } from "../state/types.js";
import type { BlockStore } from "../store/block-store.js";
import {
  type Block,
  BlockIdFlag,
  type Commit,
  commitHash,
  dataHash,
  encodeBlock,
  encodeCommit,
  evidenceHash,
  type Header,
  headerHash,
} from "../types/block.js";
import { consensusParamsHash } from "../types/params.js";
import { txHash } from "../types/tx.js";
import type { ValidatorSet } from "../types/validator.js";
import { verifyCommit } from "./commit-verify.js";
import type { Application, CommitResponse, ExecTxResult, Misbehavior, VoteInfo } from "./types.js";

export type BlockErrorCode =
  | "BLOCK_INVALID_CHAIN_ID"
  | "BLOCK_INVALID_HEIGHT"
  | "BLOCK_INVALID_TIME"
  | "BLOCK_INVALID_LAST_BLOCK_HASH"
  | "BLOCK_INVALID_LAST_COMMIT"
  | "BLOCK_INVALID_LAST_COMMIT_HASH"
  | "BLOCK_INVALID_DATA_HASH"
  | "BLOCK_INVALID_VALIDATORS_HASH"
  | "BLOCK_INVALID_NEXT_VALIDATORS_HASH"
  | "BLOCK_INVALID_CONSENSUS_HASH"
  | "BLOCK_INVALID_APP_HASH"
  | "BLOCK_INVALID_LAST_RESULTS_HASH"
  | "BLOCK_INVALID_EVIDENCE_HASH"
  | "BLOCK_INVALID_PROPOSER"
  | "BLOCK_INVALID_EVIDENCE"
  | "BLOCK_TOO_LARGE"
  | "BLOCK_HASH_MISMATCH";

export class BlockValidationError extends DccnError<BlockErrorCode> {
  constructor(
    code: BlockErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "BlockValidationError";
  }
}

export type ExecErrorCode = "EXEC_APP_FAILED" | "EXEC_BLOCK_NOT_SAVED" | "EXEC_INVALID_APP_RESPONSE";

export class ExecError extends DccnError<ExecErrorCode> {
  constructor(
    code: ExecErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "ExecError";
  }
}

/** Checks a block's evidence against the state; returns the misbehaviour it proves. */
export interface EvidenceVerifier {
  verify(state: ChainState, evidence: readonly Uint8Array[]): Promise<readonly Misbehavior[]>;
}

/** The default: this node does not accept evidence yet, so blocks carrying any are invalid. */
export const rejectAllEvidence: EvidenceVerifier = {
  verify: async (_state, evidence) => {
    if (evidence.length > 0) {
      throw new BlockValidationError("BLOCK_INVALID_EVIDENCE", "this node accepts no evidence in blocks");
    }
    return [];
  },
};

export interface BlockExecutorOptions {
  readonly evidenceVerifier?: EvidenceVerifier;
}

export interface BlockExecutorModules {
  readonly app: Application;
  readonly blockStore: BlockStore;
  readonly stateStore: StateStore;
  readonly eventBus: EventBus;
  readonly logger: Logger;
  /**
   * Wraps the app's Commit, e.g. so the mempool holds CheckTx while the app resets its check
   * state and then rechecks (`mempool.commitAndUpdate`). Default: call `commit` directly.
   */
  readonly commitHook?: (
    height: number,
    txs: readonly Uint8Array[],
    txResults: readonly ExecTxResult[],
    commit: () => Promise<CommitResponse>,
  ) => Promise<CommitResponse>;
}

export interface ProposalInput {
  readonly height: number;
  /** Candidate txs in order; trailing ones that do not fit in block.maxBytes are left out. */
  readonly txs: readonly Uint8Array[];
  /** +2/3 precommits for the previous block; null only at the initial height. */
  readonly lastCommit: Commit | null;
  readonly proposerAddress: Uint8Array;
  /** The proposer's clock; raised to just after the last block's time when behind it. */
  readonly timeMs: number;
  readonly evidence?: readonly Uint8Array[];
}

export interface ApplyBlockResult {
  readonly state: ChainState;
  readonly results: AbciResponses;
  /** The app's retain height (blocks below it were pruned from the block store; 0 = none). */
  readonly retainHeight: number;
}

/** Bytes a length-delimited field adds to a message: tag (1 byte for fields < 16) + length + data. */
function fieldSize(len: number): number {
  let n = 1;
  for (let v = len; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return 1 + n + len;
}

/** The earliest valid time for the next block: genesis time at the start, else strictly later. */
export function minNextBlockTime(state: ChainState): number {
  return state.lastBlockHeight === 0 ? state.lastBlockTimeMs : state.lastBlockTimeMs + 1;
}

/** The votes of `lastValidators` as recorded in a block's last commit (for BeginBlock). */
export function lastCommitInfo(
  lastValidators: ValidatorSet | null,
  lastCommit: Commit | null,
): { round: number; votes: VoteInfo[] } {
  if (lastValidators === null) return { round: 0, votes: [] };
  const votes = lastValidators.validators.map((v, i) => {
    const sig = lastCommit?.signatures[i];
    return {
      validatorAddress: v.address,
      power: v.votingPower,
      signedLastBlock: sig !== undefined && sig.flag !== BlockIdFlag.Absent,
    };
  });
  return { round: lastCommit?.round ?? 0, votes };
}

function appFailed(height: number, step: string, err: unknown): ExecError {
  return new ExecError(
    "EXEC_APP_FAILED",
    `the application failed in ${step} at height ${height}: ${errorMessage(err)}`,
    { height, step },
    { cause: err },
  );
}

async function callApp<T>(height: number, step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw appFailed(height, step, err);
  }
}

/**
 * Runs a block through the app (BeginBlock, DeliverTx*, EndBlock) without committing it and
 * without touching any store. Used by applyBlock and by the handshake's replay.
 */
/** Longest stretch of DeliverTx calls between two turns of the event loop. */
const DELIVER_SLICE_MS = 5;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function executeBlockOnApp(
  app: Application,
  block: Block,
  blockHash: Uint8Array,
  lastValidators: ValidatorSet | null,
  byzantineValidators: readonly Misbehavior[],
): Promise<AbciResponses> {
  const height = block.header.height;
  // All signatures of the block at once, off the main thread where the app can.
  const preCheck = app.preCheckTx;
  if (preCheck !== undefined) {
    const pending: Promise<void>[] = [];
    for (const tx of block.txs) {
      const p = preCheck.call(app, tx);
      if (p !== undefined) pending.push(p);
    }
    if (pending.length > 0) await Promise.all(pending);
  }
  const beginBlock = await callApp(height, "BeginBlock", () =>
    app.beginBlock({
      hash: blockHash,
      header: block.header,
      lastCommitInfo: lastCommitInfo(lastValidators, block.lastCommit),
      byzantineValidators,
    }),
  );
  const txResults: ExecTxResult[] = [];
  let sliceStart = performance.now();
  for (const tx of block.txs) {
    // callApp inlined: no closure and one async step fewer per tx.
    try {
      txResults.push(await app.deliverTx(tx));
    } catch (err) {
      throw appFailed(height, "DeliverTx", err);
    }
    // A block of thousands of txs would hold the event loop for a quarter second: let RPC
    // requests and CheckTx (a separate state) through between slices. Results do not depend on it.
    if (performance.now() - sliceStart >= DELIVER_SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  const endBlock = await callApp(height, "EndBlock", () => app.endBlock({ height }));
  return { beginBlock, txResults, endBlock, byzantineValidators };
}

export class BlockExecutor {
  private readonly evidenceVerifier: EvidenceVerifier;
  /** Keys of recently verified commits, so applyBlock does not re-verify what validateBlock did. */
  private readonly verifiedCommits: string[] = [];
  /**
   * The last tx list whose data hash was computed, by identity: a block is validated when
   * proposed and again when applied (and a proposer builds it first), and the Merkle root of
   * thousands of txs is not free. Blocks are never mutated after they are built or decoded.
   */
  private lastData: { readonly txs: readonly Uint8Array[]; readonly hash: Uint8Array } | null = null;
  private lastSize: { readonly block: Block; readonly size: number } | null = null;

  constructor(
    opts: BlockExecutorOptions,
    private readonly modules: BlockExecutorModules,
  ) {
    this.evidenceVerifier = opts.evidenceVerifier ?? rejectAllEvidence;
  }

  /** A block for `input.height` with every header hash filled in from `state`. */
  createProposalBlock(state: ChainState, input: ProposalInput): Block {
    const expected = nextHeight(state);
    if (input.height !== expected) {
      throw new BlockValidationError(
        "BLOCK_INVALID_HEIGHT",
        `cannot propose height ${input.height}: the next height is ${expected}`,
        { height: input.height, expected },
      );
    }
    const evidence = input.evidence ?? [];
    const lastCommit = input.height === state.initialHeight ? null : input.lastCommit;
    if (lastCommit === null && input.height !== state.initialHeight) {
      throw new BlockValidationError(
        "BLOCK_INVALID_LAST_COMMIT",
        `height ${input.height} needs a last commit`,
      );
    }
    const header = (txs: readonly Uint8Array[]): Header => ({
      chainId: state.chainId,
      height: input.height,
      timeMs: Math.max(input.timeMs, minNextBlockTime(state)),
      lastBlockHash: state.lastBlockHash,
      lastCommitHash: commitHash(lastCommit),
      dataHash: this.dataHashOf(txs),
      validatorsHash: state.validators.hash(),
      nextValidatorsHash: state.nextValidators.hash(),
      consensusHash: consensusParamsHash(state.consensusParams),
      appHash: state.appHash,
      lastResultsHash: state.lastResultsHash,
      evidenceHash: evidenceHash(evidence),
      proposerAddress: input.proposerAddress,
    });
    // The header's size does not depend on which txs are in (the data hash is always 32 bytes).
    const maxBytes = state.consensusParams.block.maxBytes;
    let size = encodeBlock({ header: header([]), txs: [], evidence, lastCommit }).length;
    if (size > maxBytes) {
      throw new BlockValidationError(
        "BLOCK_TOO_LARGE",
        `a block without txs is already ${size} bytes, over block.maxBytes ${maxBytes}`,
        { size, maxBytes },
      );
    }
    const txs: Uint8Array[] = [];
    for (const tx of input.txs) {
      const add = fieldSize(tx.length);
      if (size + add > maxBytes) break;
      size += add;
      txs.push(tx);
    }
    return { header: header(txs), txs, evidence, lastCommit };
  }

  /**
   * Deterministic validity of `block` as the next block after `state`; throws a
   * BlockValidationError naming the first rule broken. Returns the misbehaviour its evidence proves.
   */
  async validateBlock(state: ChainState, block: Block): Promise<readonly Misbehavior[]> {
    const h = block.header;
    const fail = (code: BlockErrorCode, message: string, cause?: unknown): never => {
      throw new BlockValidationError(
        code,
        `invalid block at height ${h.height}: ${message}`,
        { height: h.height },
        cause === undefined ? undefined : { cause },
      );
    };
    const hashRule = (code: BlockErrorCode, name: string, got: Uint8Array, want: Uint8Array) => {
      if (!equalBytes(got, want)) fail(code, `${name} is ${toHexUpper(got)}, expected ${toHexUpper(want)}`);
    };

    if (h.chainId !== state.chainId)
      fail("BLOCK_INVALID_CHAIN_ID", `chain id "${h.chainId}" is not "${state.chainId}"`);
    const expected = nextHeight(state);
    if (h.height !== expected) fail("BLOCK_INVALID_HEIGHT", `expected height ${expected}`);
    const minTime = minNextBlockTime(state);
    if (h.timeMs < minTime) {
      fail("BLOCK_INVALID_TIME", `time ${h.timeMs} is before ${minTime} (times must strictly increase)`);
    }
    hashRule("BLOCK_INVALID_LAST_BLOCK_HASH", "last block hash", h.lastBlockHash, state.lastBlockHash);
    hashRule(
      "BLOCK_INVALID_LAST_COMMIT_HASH",
      "last commit hash",
      h.lastCommitHash,
      commitHash(block.lastCommit),
    );
    hashRule("BLOCK_INVALID_DATA_HASH", "data hash", h.dataHash, this.dataHashOf(block.txs));
    hashRule("BLOCK_INVALID_VALIDATORS_HASH", "validators hash", h.validatorsHash, state.validators.hash());
    hashRule(
      "BLOCK_INVALID_NEXT_VALIDATORS_HASH",
      "next validators hash",
      h.nextValidatorsHash,
      state.nextValidators.hash(),
    );
    hashRule(
      "BLOCK_INVALID_CONSENSUS_HASH",
      "consensus hash",
      h.consensusHash,
      consensusParamsHash(state.consensusParams),
    );
    hashRule("BLOCK_INVALID_APP_HASH", "app hash", h.appHash, state.appHash);
    hashRule(
      "BLOCK_INVALID_LAST_RESULTS_HASH",
      "last results hash",
      h.lastResultsHash,
      state.lastResultsHash,
    );
    hashRule("BLOCK_INVALID_EVIDENCE_HASH", "evidence hash", h.evidenceHash, evidenceHash(block.evidence));
    if (state.validators.indexOf(h.proposerAddress) < 0) {
      fail("BLOCK_INVALID_PROPOSER", `proposer ${toHexUpper(h.proposerAddress)} is not a validator`);
    }
    const size = this.encodedSizeOf(block);
    const maxBytes = state.consensusParams.block.maxBytes;
    if (size > maxBytes) fail("BLOCK_TOO_LARGE", `${size} bytes exceeds block.maxBytes ${maxBytes}`);

    if (h.height === state.initialHeight) {
      if (block.lastCommit !== null)
        fail("BLOCK_INVALID_LAST_COMMIT", "the initial block cannot carry a last commit");
    } else if (block.lastCommit === null || state.lastValidators === null) {
      fail("BLOCK_INVALID_LAST_COMMIT", "the last commit is missing");
    } else {
      this.checkLastCommit(state, state.lastValidators, block.lastCommit, fail);
    }

    let evidenceBytes = 0;
    for (const ev of block.evidence) evidenceBytes += ev.length;
    if (evidenceBytes > state.consensusParams.evidence.maxBytes) {
      fail(
        "BLOCK_INVALID_EVIDENCE",
        `${evidenceBytes} bytes of evidence exceed evidence.maxBytes ${state.consensusParams.evidence.maxBytes}`,
      );
    }
    try {
      return await this.evidenceVerifier.verify(state, block.evidence);
    } catch (err) {
      if (err instanceof BlockValidationError) throw err;
      return fail("BLOCK_INVALID_EVIDENCE", errorMessage(err), err);
    }
  }

  /** A block's encoded size; validateBlock measures it and publish reports it (same block object). */
  private encodedSizeOf(block: Block): number {
    if (this.lastSize?.block !== block) this.lastSize = { block, size: encodeBlock(block).length };
    return this.lastSize.size;
  }

  private dataHashOf(txs: readonly Uint8Array[]): Uint8Array {
    if (this.lastData?.txs !== txs) this.lastData = { txs, hash: dataHash(txs) };
    return this.lastData.hash;
  }

  private checkLastCommit(
    state: ChainState,
    lastValidators: ValidatorSet,
    commit: Commit,
    fail: (code: BlockErrorCode, message: string, cause?: unknown) => never,
  ): void {
    const key = toHex(sha256(utf8(state.chainId), lastValidators.hash(), encodeCommit(commit)));
    if (this.verifiedCommits.includes(key)) {
      // Same commit bytes and set as verified before; only the target may differ.
      if (commit.height === state.lastBlockHeight && equalBytes(commit.blockHash, state.lastBlockHash))
        return;
    }
    try {
      verifyCommit(state.chainId, lastValidators, state.lastBlockHeight, state.lastBlockHash, commit);
    } catch (err) {
      fail("BLOCK_INVALID_LAST_COMMIT", `last commit: ${errorMessage(err)}`, err);
    }
    this.verifiedCommits.push(key);
    if (this.verifiedCommits.length > 8) this.verifiedCommits.shift();
  }

  /**
   * Validates and executes `block` (already saved in the block store), commits the app, saves
   * the ABCI responses and the new state, then publishes NewBlock and Tx events.
   */
  async applyBlock(state: ChainState, block: Block, blockHash: Uint8Array): Promise<ApplyBlockResult> {
    const { app, blockStore, stateStore, logger } = this.modules;
    const height = block.header.height;
    if (!equalBytes(headerHash(block.header), blockHash)) {
      throw new BlockValidationError(
        "BLOCK_HASH_MISMATCH",
        `block hash ${toHexUpper(blockHash)} is not the hash of the block at height ${height}`,
        { height },
      );
    }
    const byzantine = await this.validateBlock(state, block);
    if (blockStore.height() < height) {
      throw new ExecError(
        "EXEC_BLOCK_NOT_SAVED",
        `block ${height} must be saved in the block store before it is applied (store height ${blockStore.height()})`,
        { height },
      );
    }

    const results = await executeBlockOnApp(app, block, blockHash, state.lastValidators, byzantine);
    if (results.txResults.length !== block.txs.length) {
      throw new ExecError(
        "EXEC_INVALID_APP_RESPONSE",
        `the app returned ${results.txResults.length} results for ${block.txs.length} txs`,
      );
    }
    // Compute the next state before committing, so invalid updates stop us before the app moves on.
    let next: ChainState;
    try {
      next = updateState(state, blockHash, block.header, results, state.appHash);
    } catch (err) {
      throw new ExecError(
        "EXEC_INVALID_APP_RESPONSE",
        `the app's EndBlock at height ${height} is invalid: ${errorMessage(err)}`,
        { height },
        { cause: err },
      );
    }
    const encodedResponses = await stateStore.saveAbciResponses(height, results);
    const commitApp = () => callApp(height, "Commit", () => app.commit());
    const hook = this.modules.commitHook;
    const commit = hook ? await hook(height, block.txs, results.txResults, commitApp) : await commitApp();
    next = { ...next, appHash: commit.appHash };
    await stateStore.save(next);

    if (commit.retainHeight > 0) {
      try {
        const pruned = await blockStore.pruneBlocks(Math.min(commit.retainHeight, height));
        if (pruned > 0) logger.debug("pruned blocks", { retainHeight: commit.retainHeight, pruned });
      } catch (err) {
        logger.warn("pruning blocks failed", { retainHeight: commit.retainHeight, err: errorMessage(err) });
      }
    }

    logger.info("executed block", {
      height,
      txs: block.txs.length,
      appHash: toHexUpper(commit.appHash),
      // Already computed by updateState (re-hashing every result just for a log line is not free).
      resultsHash: toHexUpper(next.lastResultsHash),
    });
    this.publish(block, blockHash, results, encodedResponses);
    return { state: next, results, retainHeight: commit.retainHeight };
  }

  private publish(
    block: Block,
    blockHash: Uint8Array,
    results: AbciResponses,
    encodedResponses: Uint8Array,
  ): void {
    const { eventBus, logger } = this.modules;
    const height = block.header.height;
    // A subscriber's bug must not undo a committed block nor starve the other subscribers.
    const emitSafely = (emit: () => void) => {
      try {
        emit();
      } catch (err) {
        logger.error("event subscriber failed", { height, err: errorMessage(err) });
      }
    };
    const txHashes = block.txs.map(txHash);
    emitSafely(() =>
      eventBus.emit("NewBlock", {
        block,
        blockHash,
        blockSize: this.encodedSizeOf(block),
        beginBlock: results.beginBlock,
        endBlock: results.endBlock,
        txResults: results.txResults,
        txHashes,
        encodedResponses,
      }),
    );
    block.txs.forEach((tx, index) => {
      const result = results.txResults[index]!;
      emitSafely(() => eventBus.emit("Tx", { height, index, tx, hash: txHashes[index]!, result }));
    });
  }
}
