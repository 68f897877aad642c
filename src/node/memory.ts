/**
 * Process memory of a running node: how fast V8 lets its heap grow, and a periodic debug log.
 *
 * Under sustained load (hundreds of txs/s) a node promotes short-lived data to the old
 * generation — txs waiting in the mempool, blocks, index entries — while its live heap stays
 * around 100 MiB. V8's default heap growing factor goes up to 4× the live size between major
 * GCs, so the heap grew to ~400 MiB, and the native memory of dead ArrayBuffers waiting for that
 * GC (their backing stores, ~1M small malloc chunks) grew glibc's main arena by ~250 MiB more:
 * RSS climbed from ~350 to ~700 MiB per node in the first minutes of a localnet run. A fixed
 * growing factor of 1.5× runs major GCs more often (each marks only the ~100 MiB live set) and
 * measured no throughput loss on the single-node benchmark.
 */
import { setFlagsFromString } from "node:v8";
import type { Logger } from "../log.js";

/** Old-generation growth between major GCs, in percent of the live size (V8's own default: up to 300). */
export const HEAP_GROWING_PERCENT = 50;

const FLAG = "--heap-growing-percent";

/**
 * Caps V8's heap growth at `percent` (once per process; read by V8 at every GC, so it applies
 * after start-up). An operator's own `node --heap-growing-percent=N` wins. Returns the flag set,
 * or null when left alone.
 */
export function tuneHeapGrowth(percent: number = HEAP_GROWING_PERCENT): string | null {
  if (process.execArgv.some((a) => a.startsWith(FLAG))) return null;
  const flag = `${FLAG}=${Math.max(1, Math.floor(percent))}`;
  setFlagsFromString(flag);
  return flag;
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 17) / 8;

/**
 * Logs `process.memoryUsage()` (MiB) at debug level every `intervalMs`: RSS beside the V8 heap
 * and the memory V8 knows about outside it tells JS growth from native growth. Returns a stop function.
 */
export function startMemoryLog(logger: Logger, intervalMs = 30_000): () => void {
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    logger.debug("memory", {
      rssMiB: mib(m.rss),
      heapTotalMiB: mib(m.heapTotal),
      heapUsedMiB: mib(m.heapUsed),
      externalMiB: mib(m.external),
      arrayBuffersMiB: mib(m.arrayBuffers),
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
