/**
 * The mempool between RPC/gossip and block proposal. Admission runs the app's CheckTx; txs
 * whose nonce is ahead of their sender's check state are parked until the gap fills; the
 * proposer reaps in arrival order without ever putting a sender's later nonce first; after
 * each block, committed txs leave and the rest are re-checked against the new state.
 *
 * Every CheckTx, update and flush runs through one serial queue: the app's check state sees
 * exactly one caller at a time, and no CheckTx runs between the app's Commit and the recheck.
 * Behaviour follows CometBFT's mempool (cache, limits, recheck, once-per-height notification).
 */
import {
  type Application,
  type CheckTxMode,
  type CheckTxResult,
  CODE_OK,
  type ExecTxResult,
} from "../abci/types.js";
import { toHex, toHexUpper } from "../codec/bytes.js";
import { sha256 } from "../crypto/hash.js";
import { errorMessage } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { txHash } from "../types/tx.js";
import { TxCache } from "./cache.js";
import { MempoolError } from "./errors.js";
import { type MempoolOptions, resolveMempoolOptions } from "./options.js";
import { SerialQueue } from "./serial-queue.js";
import { encodedTxSize } from "./size.js";
import { type TxOrder, TxStore } from "./tx-store.js";

export interface MempoolModules {
  readonly app: Application;
  readonly logger?: Logger;
}

export type AdmissionStatus = "pending" | "parked" | "rejected";

/**
 * The app's CheckTx answer plus what the mempool did with the tx. A parked tx is reported
 * with code 0 (it is held and will be proposed once its sender's missing nonces arrive);
 * the app's own message about it is kept in `info`.
 */
export interface MempoolCheckResult extends CheckTxResult {
  readonly hash: Uint8Array;
  readonly status: AdmissionStatus;
}

/** Plain counters since start, for metrics. */
export interface MempoolCounters {
  /** Txs that entered the pending set from checkTx. */
  admitted: number;
  /** Txs parked on arrival or demoted to parked by a recheck. */
  parked: number;
  /** Parked txs moved to pending once their nonce became next. */
  promoted: number;
  /** Parked txs dropped to make room for executable txs. */
  evicted: number;
  /** Txs removed because they were committed in a block. */
  committed: number;
  /** Pending txs dropped because a recheck found them invalid. */
  recheckDropped: number;
  /** Refusals by code: mempool codes (`MEMPOOL_FULL`, …) and app codes as `app:<code>`. */
  readonly rejected: Record<string, number>;
}

/** Called at most once per height, when txs become available for the next block. */
export type TxsAvailableListener = (height: number) => void;

export class Mempool {
  readonly counters: MempoolCounters = {
    admitted: 0,
    parked: 0,
    promoted: 0,
    evicted: 0,
    committed: 0,
    recheckDropped: 0,
    rejected: {},
  };
  readonly options: MempoolOptions;

  private readonly app: Application;
  private readonly log: Logger;
  private readonly store = new TxStore();
  private readonly cache: TxCache;
  private readonly queue = new SerialQueue();
  private queuedChecks = 0;
  private lastHeight = 0;
  private notifiedThisHeight = false;
  private readonly listeners = new Set<TxsAvailableListener>();
  private waiters = new Set<() => void>();

  constructor(opts: Partial<MempoolOptions>, modules: MempoolModules) {
    this.options = resolveMempoolOptions(opts);
    this.app = modules.app;
    this.log = (modules.logger ?? silentLogger).child("mempool");
    this.cache = new TxCache(this.options.cacheSize);
  }

  /** Height of the last block passed to update (0 before the first). */
  get height(): number {
    return this.lastHeight;
  }

  /**
   * Checks a tx and keeps it if the app accepts it (or parks it when only its nonce is
   * ahead). Size, duplicate, full and busy refusals throw a MempoolError; the app's own
   * refusals return a result with a non-zero code and status "rejected".
   */
  async checkTx(tx: Uint8Array): Promise<MempoolCheckResult> {
    if (tx.length === 0) throw this.refuse("MEMPOOL_TX_EMPTY", "an empty tx cannot be checked");
    if (tx.length > this.options.maxTxBytes) {
      throw this.refuse(
        "MEMPOOL_TX_TOO_LARGE",
        `tx is ${tx.length} bytes; the mempool accepts at most ${this.options.maxTxBytes} bytes per tx`,
        { size: tx.length, max: this.options.maxTxBytes },
      );
    }
    const hash = txHash(tx);
    const key = toHex(hash);
    // Reserve the hash synchronously, so a second copy arriving while the first is being
    // checked is turned away here instead of reaching the app.
    if (this.store.has(key) || !this.cache.push(key)) {
      throw this.refuse(
        "MEMPOOL_TX_IN_CACHE",
        `tx ${toHexUpper(hash)} is already in the mempool/cache; it was not checked again`,
        { hash: toHexUpper(hash) },
      );
    }
    if (this.queuedChecks >= this.options.maxQueuedChecks) {
      this.cache.remove(key);
      throw this.refuse(
        "MEMPOOL_BUSY",
        `${this.queuedChecks} txs are already waiting for CheckTx; retry shortly`,
        { queued: this.queuedChecks },
      );
    }
    this.queuedChecks++;
    let held = false;
    try {
      // The app's stateless checks (signature) start now, alongside those of the txs queued
      // ahead; this tx's turn in the serial queue waits for them.
      const prepared = this.app.preCheckTx?.(tx);
      const result = await this.queue.run(
        prepared === undefined
          ? () => this.admit(tx, hash, key)
          : async () => {
              await prepared;
              return this.admit(tx, hash, key);
            },
      );
      held = result.status !== "rejected";
      return result;
    } finally {
      this.queuedChecks--;
      // Not held: forget the hash so the tx may be resubmitted once it can pass (CometBFT).
      if (!held) this.cache.remove(key);
    }
  }

  /**
   * Pending txs for a block: arrival order, a sender's nonces ascending, stopping at the first
   * tx that does not fit. `maxBytes` counts each tx as encoded in the block (see
   * encodedTxSize); `maxGas` sums CheckTx gasWanted; -1 means unlimited. A tx too big for any
   * block on its own is passed over (with its sender's later nonces) so it cannot stall
   * every proposal.
   */
  reap(maxBytes: number, maxGas: number): Uint8Array[] {
    assertLimit("maxBytes", maxBytes);
    assertLimit("maxGas", maxGas);
    const out: Uint8Array[] = [];
    const skippedSenders = new Set<string>();
    let bytes = 0;
    let gas = 0;
    for (const e of this.store.reapOrder()) {
      if (e.order && skippedSenders.has(e.order.senderKey)) continue;
      const txBytes = encodedTxSize(e.size);
      if ((maxBytes >= 0 && txBytes > maxBytes) || (maxGas >= 0 && e.gasWanted > maxGas)) {
        this.log.warn("tx can never fit in a block; passing over it", {
          hash: toHexUpper(e.hash),
          bytes: txBytes,
          gasWanted: e.gasWanted,
        });
        if (e.order) skippedSenders.add(e.order.senderKey);
        continue;
      }
      if (maxBytes >= 0 && bytes + txBytes > maxBytes) break;
      if (maxGas >= 0 && gas + e.gasWanted > maxGas) break;
      bytes += txBytes;
      gas += e.gasWanted;
      out.push(e.tx);
    }
    return out;
  }

  /**
   * After a block is committed (and the app's check state reset by its Commit): drops the
   * committed txs, remembers their hashes, re-checks the rest if `recheck` is on, and retries
   * parked txs. `results` are the block's DeliverTx results, index-aligned with `txs`.
   */
  async update(height: number, txs: readonly Uint8Array[], results: readonly ExecTxResult[]): Promise<void> {
    this.assertUpdate(height, txs, results);
    await this.queue.run(() => this.applyUpdate(height, txs, results));
  }

  /**
   * Runs the app's Commit and then update() without letting any CheckTx in between — what the
   * block executor should call, since a CheckTx in that window would see a half-reset state.
   */
  async commitAndUpdate<T>(
    appCommit: () => Promise<T>,
    height: number,
    txs: readonly Uint8Array[],
    results: readonly ExecTxResult[],
  ): Promise<T> {
    this.assertUpdate(height, txs, results);
    return this.queue.run(async () => {
      const out = await appCommit();
      await this.applyUpdate(height, txs, results);
      return out;
    });
  }

  /** Txs held (pending + parked). */
  size(): number {
    return this.store.count;
  }

  /** Raw bytes held (pending + parked). */
  sizeBytes(): number {
    return this.store.bytes;
  }

  /** Txs parked waiting for an earlier nonce. */
  parkedSize(): number {
    return this.store.parkedCount;
  }

  /** Txs ready for a block. */
  pendingSize(): number {
    return this.store.pendingCount;
  }

  /** Held txs: pending in reap order, then parked in parking order; `limit` < 0 = all. */
  unconfirmedTxs(limit = -1): Uint8Array[] {
    const all = [...this.store.reapOrder(), ...this.store.parkedInOrder()];
    return (limit >= 0 ? all.slice(0, limit) : all).map((e) => e.tx);
  }

  /** Whether the tx with this hash is held (pending or parked). */
  has(hash: Uint8Array): boolean {
    return this.store.has(toHex(hash));
  }

  /**
   * The mempool's own bytes object of a tx equal to `tx` (same hash), if it holds one. A block
   * from a peer carries its own copies of txs this node already checked; executing the held
   * objects instead lets every cache keyed by tx bytes (hash, decoded tx and msg) hit.
   */
  heldCopy(tx: Uint8Array): Uint8Array | undefined {
    // Hashed without txHash's memo: a peer's copy is dropped right after, so remembering its
    // hash would only cost a WeakMap entry per tx (the held copy's hash is remembered already).
    return this.store.get(toHex(sha256(tx)))?.tx;
  }

  /** Drops every tx and forgets every seen hash (CometBFT's unsafe_flush_mempool). */
  async flush(): Promise<void> {
    await this.queue.run(() => {
      this.store.clear();
      this.cache.clear();
    });
  }

  /**
   * Calls `listener(nextHeight)` once per height when txs are ready for the next block (like
   * CometBFT's TxsAvailable). Returns an unsubscribe function.
   */
  onTxsAvailable(listener: TxsAvailableListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves as soon as at least one tx is ready for a block (at once if one already is). */
  waitForTxs(signal?: AbortSignal): Promise<void> {
    if (this.store.pendingCount > 0) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(abortError(signal));
      };
      const waiter = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  // --- admission -------------------------------------------------------------------------

  private async admit(tx: Uint8Array, hash: Uint8Array, key: string): Promise<MempoolCheckResult> {
    const { maxTxs, maxTxsBytes } = this.options;
    // Parked txs can always be evicted for an executable one, so only pending txs make a
    // pool "full" before the app is asked.
    if (this.store.pendingCount + 1 > maxTxs || this.store.pendingBytes + tx.length > maxTxsBytes) {
      throw this.fullError();
    }
    let res: CheckTxResult;
    try {
      res = await this.app.checkTx(tx, "new");
    } catch (err) {
      throw this.appFailed("new", err);
    }
    const order = orderOf(res);
    if (res.code === CODE_OK) {
      this.makeRoom(tx.length);
      this.store.addPending({
        tx,
        hash,
        key,
        size: tx.length,
        gasWanted: gasOf(res),
        order,
        height: this.lastHeight,
      });
      this.counters.admitted++;
      this.notifyAvailable();
      // Most senders have nothing parked: no async step for them.
      if (order && this.store.parkedOf(order.senderKey).length > 0) {
        await this.promoteParked(order.senderKey, order.nonce);
      }
      return { ...res, hash, status: "pending" };
    }
    if (res.nonceAhead === true && order !== undefined && this.options.maxParkedPerSender > 0) {
      return this.park(tx, hash, key, res, order);
    }
    this.count(`app:${res.code}`);
    return { ...res, hash, status: "rejected" };
  }

  private park(
    tx: Uint8Array,
    hash: Uint8Array,
    key: string,
    res: CheckTxResult,
    order: TxOrder,
  ): MempoolCheckResult {
    const sender = toHexUpper(order.sender);
    const existing = this.store.parkedAt(order.senderKey, order.nonce);
    if (existing) {
      throw this.refuse(
        "MEMPOOL_NONCE_PARKED",
        `sender ${sender} already has tx ${toHexUpper(existing.hash)} parked with nonce ${order.nonce}; ` +
          `submit the missing earlier nonces first`,
        { sender, nonce: order.nonce },
      );
    }
    if (this.store.parkedOf(order.senderKey).length >= this.options.maxParkedPerSender) {
      throw this.refuse(
        "MEMPOOL_SENDER_PARKED_FULL",
        `sender ${sender} already has ${this.options.maxParkedPerSender} txs waiting for an earlier nonce; ` +
          `submit the missing nonces before more future ones`,
        { sender, nonce: order.nonce },
      );
    }
    if (
      this.store.count + 1 > this.options.maxTxs ||
      this.store.bytes + tx.length > this.options.maxTxsBytes
    ) {
      throw this.fullError();
    }
    this.store.addParked({
      tx,
      hash,
      key,
      size: tx.length,
      gasWanted: gasOf(res),
      order,
      height: this.lastHeight,
    });
    this.counters.parked++;
    return {
      ...res,
      code: CODE_OK,
      codespace: "",
      log: `parked: nonce ${order.nonce} is ahead of the sender's next nonce; the tx will be checked again when the missing nonces arrive`,
      info: res.log,
      hash,
      status: "parked",
    };
  }

  /**
   * Moves a sender's parked txs to pending, lowest nonce first, while the app accepts them.
   * With `afterNonce` (a nonce just admitted) it only tries a parked tx whose nonce is next;
   * without it (after a block) it asks the app about the lowest parked nonce regardless.
   */
  private async promoteParked(senderKey: string, afterNonce?: number): Promise<void> {
    let last = afterNonce;
    for (;;) {
      const head = this.store.parkedOf(senderKey)[0];
      if (head?.order === undefined) return;
      if (last !== undefined && head.order.nonce > last + 1) return;
      const res = await this.callAppQuietly(head.tx, "new");
      if (res?.code !== CODE_OK && res?.nonceAhead === true) return;
      this.store.remove(head.key);
      if (res?.code === CODE_OK) {
        this.store.addPending({ ...head, gasWanted: gasOf(res), height: this.lastHeight });
        this.counters.promoted++;
        this.notifyAvailable();
        if (last !== undefined) last = head.order.nonce;
      } else {
        this.cache.remove(head.key);
        this.count(res === undefined ? "MEMPOOL_APP_ERROR" : `app:${res.code}`);
        this.log.debug("dropped parked tx", { hash: toHexUpper(head.hash), code: res?.code });
      }
    }
  }

  /** Evicts parked txs until `bytes` more (one more tx) fit within the global limits. */
  private makeRoom(bytes: number): void {
    const { maxTxs, maxTxsBytes } = this.options;
    while (this.store.count + 1 > maxTxs || this.store.bytes + bytes > maxTxsBytes) {
      const victim = this.store.evictionCandidate();
      if (victim === undefined) return;
      this.store.remove(victim.key);
      this.cache.remove(victim.key);
      this.counters.evicted++;
      this.log.debug("evicted parked tx for room", { hash: toHexUpper(victim.hash) });
    }
  }

  // --- after a block ---------------------------------------------------------------------

  private async applyUpdate(
    height: number,
    txs: readonly Uint8Array[],
    results: readonly ExecTxResult[],
  ): Promise<void> {
    if (height <= this.lastHeight) {
      this.log.warn("update height did not advance", { height, last: this.lastHeight });
    }
    this.lastHeight = height;
    this.notifiedThisHeight = false;
    txs.forEach((tx, i) => {
      // The block holds the mempool's own bytes objects, whose hash txHash remembers.
      const key = toHex(txHash(tx));
      // A committed valid tx must not be re-admitted; an invalid one may be fixed and resent.
      if (results[i]?.code === CODE_OK) this.cache.push(key);
      else this.cache.remove(key);
      if (this.store.remove(key)) this.counters.committed++;
    });
    if (this.options.recheck && this.store.pendingCount > 0) await this.recheck();
    for (const senderKey of this.store.parkedSenders()) await this.promoteParked(senderKey);
    this.notifyAvailable();
    this.log.debug("updated", { height, committed: txs.length, size: this.store.count });
  }

  /** Re-runs CheckTx on every pending tx in reap order (each sender's nonces ascending). */
  private async recheck(): Promise<void> {
    for (const entry of this.store.reapOrder()) {
      const res = await this.callAppQuietly(entry.tx, "recheck");
      if (res?.code === CODE_OK) {
        entry.gasWanted = gasOf(res);
        continue;
      }
      this.store.remove(entry.key);
      // An earlier nonce was dropped: the tx is not invalid, just early — park it if allowed.
      if (res?.nonceAhead === true && entry.order && this.canPark(entry.order)) {
        this.store.addParked({ ...entry, order: entry.order, height: this.lastHeight });
        this.counters.parked++;
        continue;
      }
      this.cache.remove(entry.key);
      this.counters.recheckDropped++;
      this.log.debug("recheck dropped tx", { hash: toHexUpper(entry.hash), code: res?.code });
    }
  }

  private canPark(order: TxOrder): boolean {
    const parked = this.store.parkedOf(order.senderKey);
    return (
      parked.length < this.options.maxParkedPerSender &&
      this.store.parkedAt(order.senderKey, order.nonce) === undefined
    );
  }

  // --- helpers ---------------------------------------------------------------------------

  private appFailed(mode: CheckTxMode, err: unknown): MempoolError {
    this.log.error("app CheckTx failed", { mode, err: errorMessage(err) });
    return this.refuse("MEMPOOL_APP_ERROR", `the app failed to check the tx: ${errorMessage(err)}`, {}, err);
  }

  /** For background re-checks: an app failure counts as "not valid" (undefined), never a throw. */
  private async callAppQuietly(tx: Uint8Array, mode: CheckTxMode): Promise<CheckTxResult | undefined> {
    try {
      return await this.app.checkTx(tx, mode);
    } catch (err) {
      this.log.error("app CheckTx failed", { mode, err: errorMessage(err) });
      return undefined;
    }
  }

  private notifyAvailable(): void {
    if (this.store.pendingCount === 0) return;
    if (this.waiters.size > 0) {
      const waiters = this.waiters;
      this.waiters = new Set();
      for (const wake of waiters) wake();
    }
    if (this.notifiedThisHeight) return;
    this.notifiedThisHeight = true;
    for (const listener of [...this.listeners]) {
      try {
        listener(this.lastHeight + 1);
      } catch (err) {
        this.log.error("txs-available listener threw", { err: errorMessage(err) });
      }
    }
  }

  private fullError(): MempoolError {
    const { maxTxs, maxTxsBytes } = this.options;
    return this.refuse(
      "MEMPOOL_FULL",
      `mempool is full (${this.store.count}/${maxTxs} txs, ${this.store.bytes}/${maxTxsBytes} bytes); retry after the next block`,
      { txs: this.store.count, bytes: this.store.bytes },
    );
  }

  private refuse(
    code: MempoolError["code"],
    message: string,
    meta: Record<string, unknown> = {},
    cause?: unknown,
  ): MempoolError {
    this.count(code);
    return new MempoolError(code, message, meta, cause === undefined ? undefined : { cause });
  }

  private count(code: string): void {
    this.counters.rejected[code] = (this.counters.rejected[code] ?? 0) + 1;
  }

  private assertUpdate(height: number, txs: readonly Uint8Array[], results: readonly ExecTxResult[]): void {
    if (!Number.isSafeInteger(height) || height < 1) {
      throw new MempoolError(
        "MEMPOOL_BAD_ARGUMENT",
        `update height must be a positive integer, got ${height}`,
      );
    }
    if (txs.length !== results.length) {
      throw new MempoolError(
        "MEMPOOL_BAD_ARGUMENT",
        `update got ${txs.length} txs but ${results.length} results; they must be index-aligned`,
      );
    }
  }
}

/** The ordering key, when the app reported a sender and a usable nonce. */
function orderOf(res: CheckTxResult): TxOrder | undefined {
  const { sender, nonce } = res;
  if (sender === undefined || nonce === undefined || !Number.isSafeInteger(nonce) || nonce < 0)
    return undefined;
  return { sender, senderKey: toHex(sender), nonce };
}

/** gasWanted as a usable count; an app answering nonsense gets 0 rather than poisoning sums. */
function gasOf(res: CheckTxResult): number {
  return Number.isSafeInteger(res.gasWanted) && res.gasWanted > 0 ? res.gasWanted : 0;
}

function assertLimit(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < -1) {
    throw new MempoolError(
      "MEMPOOL_BAD_ARGUMENT",
      `reap ${name} must be an integer >= -1 (-1 = unlimited), got ${value}`,
    );
  }
}

function abortError(signal: AbortSignal | undefined): MempoolError {
  return new MempoolError(
    "MEMPOOL_WAIT_ABORTED",
    "stopped waiting for mempool txs",
    {},
    { cause: signal?.reason },
  );
}
