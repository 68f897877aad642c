import { MempoolError } from "./errors.js";

export interface MempoolOptions {
  /** Most txs held at once, pending and parked together. */
  readonly maxTxs: number;
  /** Most bytes held at once (sum of raw tx sizes), pending and parked together. */
  readonly maxTxsBytes: number;
  /** Largest single tx accepted. */
  readonly maxTxBytes: number;
  /** Capacity of the LRU cache of seen tx hashes; 0 disables the cache. */
  readonly cacheSize: number;
  /** Most future-nonce txs parked per sender; 0 disables parking. */
  readonly maxParkedPerSender: number;
  /** Re-run CheckTx on the remaining txs after every block. */
  readonly recheck: boolean;
  /** Most checkTx calls waiting for their turn; beyond it callers get MEMPOOL_BUSY. */
  readonly maxQueuedChecks: number;
}

export const DEFAULT_MEMPOOL_OPTIONS: MempoolOptions = {
  maxTxs: 5000,
  maxTxsBytes: 64 * 1024 * 1024,
  maxTxBytes: 1024 * 1024,
  cacheSize: 10_000,
  maxParkedPerSender: 16,
  recheck: true,
  maxQueuedChecks: 10_000,
};

const POSITIVE: readonly (keyof MempoolOptions)[] = [
  "maxTxs",
  "maxTxsBytes",
  "maxTxBytes",
  "maxQueuedChecks",
];
const NON_NEGATIVE: readonly (keyof MempoolOptions)[] = ["cacheSize", "maxParkedPerSender"];

/** Fills defaults and validates; throws MEMPOOL_BAD_OPTIONS naming the offending option. */
export function resolveMempoolOptions(opts: Partial<MempoolOptions> = {}): MempoolOptions {
  const out: MempoolOptions = { ...DEFAULT_MEMPOOL_OPTIONS, ...stripUndefined(opts) };
  for (const name of [...POSITIVE, ...NON_NEGATIVE]) {
    const value = out[name];
    const min = POSITIVE.includes(name) ? 1 : 0;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
      throw new MempoolError(
        "MEMPOOL_BAD_OPTIONS",
        `mempool option ${name} must be an integer >= ${min}, got ${String(value)}`,
        { option: name },
      );
    }
  }
  if (typeof out.recheck !== "boolean") {
    throw new MempoolError("MEMPOOL_BAD_OPTIONS", `mempool option recheck must be true or false`, {
      option: "recheck",
    });
  }
  return out;
}

function stripUndefined(opts: Partial<MempoolOptions>): Partial<MempoolOptions> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}
