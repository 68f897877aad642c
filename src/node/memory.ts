/**
 * Process memory of a running node: how fast V8 lets its heap grow, and a periodic debug log.
 *
 * Under sustained load (thousands of txs/s) a node promotes short-lived data to the old
 * generation — txs waiting in the mempool, blocks, index entries — while its live heap stays
 * around 100 MiB. V8's default heap growing factor goes up to 4× the live size between major
 * GCs, so the heap grew to ~400 MiB, and the native memory of dead ArrayBuffers waiting for that
 * GC (their backing stores, ~1M small malloc chunks) grew glibc's main arena by ~250 MiB more:
 * RSS climbed from ~350 to ~700 MiB per node in the first minutes of a localnet run.
 *
 * The cap trades CPU for memory: each major GC marks the ~110 MiB live set, and they come
 * more often the lower it is. Measured on the single-validator benchmark (node CPU per tx):
 * 50% cost ~205 µs, 100% ~190 µs, 150% ~180 µs, V8's default ~178 µs. Over a 5-minute localnet
 * load, RSS end/start was 1.25–1.32 at 100% and 1.31–1.42 at 150% (a peak of 1.66×): 100%
 * keeps most of the CPU with memory well inside the 1.5× budget.
 */
import { setFlagsFromString } from "node:v8";
import type { Logger } from "../log.js";

/** Old-generation growth between major GCs, in percent of the live size (V8's own default: up to 300). */
export const HEAP_GROWING_PERCENT = 100;

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
