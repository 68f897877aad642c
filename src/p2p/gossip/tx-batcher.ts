/**
 * Collects the txs a node gossips and hands them on in batches: when a batch reaches `maxTxs`
 * txs or `maxBytes` encoded bytes, or `delayMs` after its first tx, whichever comes first. Order
 * is kept across batches (a sender's txs must arrive in nonce order): batches are published one
 * after the other, each after the previous publish settled.
 */
import { DccnError } from "../../errors.js";
import { MAX_TX_BATCH_TXS, txBatchEntrySize } from "./tx-batch.js";

export interface TxBatcherOptions {
  /** Txs per batch at most. Default 500. */
  readonly maxTxs?: number;
  /** Encoded bytes per batch at most (a single larger tx goes alone). Default 512 KiB. */
  readonly maxBytes?: number;
  /** Longest wait, after a batch's first tx, before it is published. Default 100 ms. */
  readonly delayMs?: number;
}

/**
 * 500 txs of a few hundred bytes (a transfer is ~250) fill ~128 KiB: one gossip message instead
 * of 500. 512 KiB bounds a batch of larger txs (contract uploads) well under the tx topic's limit
 * so one message never stalls a peer's stream for long. Every message costs each peer encryption,
 * framing, a socket write and gossipsub's duplicate forwards whatever its size, so the wait is
 * what makes batches big: at a few hundred txs/s per node, 10 ms gathered ~3 txs a message and
 * 100 ms gathers ~30, which cut a 4-validator network's CPU per tx by a fifth. Like CometBFT's
 * 100 ms flush throttle, it is small against block times of a second or more.
 */
export const DEFAULT_TX_BATCHER_OPTIONS: Required<TxBatcherOptions> = {
  maxTxs: 500,
  maxBytes: 512 * 1024,
  delayMs: 100,
};

export class TxBatcherError extends DccnError<"TX_BATCHER_BAD_OPTIONS"> {
  constructor(message: string) {
    super("TX_BATCHER_BAD_OPTIONS", message);
    this.name = "TxBatcherError";
  }
}

/** Sends one batch; a rejection is reported to `onError` and does not stop later batches. */
export type PublishTxBatch = (txs: Uint8Array[]) => Promise<void>;

export class TxBatcher {
  private readonly maxTxs: number;
  private readonly maxBytes: number;
  private readonly delayMs: number;
  private txs: Uint8Array[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    opts: TxBatcherOptions,
    private readonly publish: PublishTxBatch,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    const o = { ...DEFAULT_TX_BATCHER_OPTIONS, ...opts };
    if (!Number.isSafeInteger(o.maxTxs) || o.maxTxs < 1 || o.maxTxs > MAX_TX_BATCH_TXS) {
      throw new TxBatcherError(`maxTxs must be an integer in [1, ${MAX_TX_BATCH_TXS}], got ${o.maxTxs}`);
    }
    if (!Number.isSafeInteger(o.maxBytes) || o.maxBytes < 1) {
      throw new TxBatcherError(`maxBytes must be a positive integer, got ${o.maxBytes}`);
    }
    if (!Number.isFinite(o.delayMs) || o.delayMs < 0) {
      throw new TxBatcherError(`delayMs must be a non-negative number, got ${o.delayMs}`);
    }
    this.maxTxs = o.maxTxs;
    this.maxBytes = o.maxBytes;
    this.delayMs = o.delayMs;
  }

  /** Txs waiting for their batch to be published. */
  get pending(): number {
    return this.txs.length;
  }

  /** Queues `tx` behind every tx added before it; ignored after `stop()`. */
  add(tx: Uint8Array): void {
    if (this.stopped) return;
    const size = txBatchEntrySize(tx.length);
    if (this.txs.length > 0 && this.bytes + size > this.maxBytes) this.dispatch();
    this.txs.push(tx);
    this.bytes += size;
    if (this.txs.length >= this.maxTxs || this.bytes >= this.maxBytes) this.dispatch();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.dispatch(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Publishes the pending txs now; resolves once they (and every earlier batch) were handed on. */
  flush(): Promise<void> {
    this.dispatch();
    return this.tail;
  }

  /** Drops the pending txs; nothing is published from now on, not even batches already queued. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
    this.txs = [];
    this.bytes = 0;
  }

  private dispatch(): void {
    this.clearTimer();
    if (this.stopped || this.txs.length === 0) return;
    const batch = this.txs;
    this.txs = [];
    this.bytes = 0;
    this.tail = this.tail.then(async () => {
      if (this.stopped) return;
      try {
        await this.publish(batch);
      } catch (err) {
        this.onError(err);
      }
    });
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
