import { afterEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "../../../src/log.js";
import { HEAP_GROWING_PERCENT, startMemoryLog, tuneHeapGrowth } from "../../../src/node/memory.js";

function recordingLogger(): { logger: Logger; lines: { msg: string; fields: Record<string, unknown> }[] } {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: (msg, fields = {}) => lines.push({ msg, fields }),
    info: () => {},
    warn: () => {},
    error: () => {},
    child: () => logger,
  };
  return { logger, lines };
}

describe("node memory", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("caps V8 heap growth with the documented percent, and leaves an operator's own flag alone", () => {
    expect(tuneHeapGrowth()).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(tuneHeapGrowth(0)).toBe("--heap-growing-percent=1");
    const saved = process.execArgv;
    Object.defineProperty(process, "execArgv", { value: ["--heap-growing-percent=80"], configurable: true });
    try {
      expect(tuneHeapGrowth()).toBeNull();
    } finally {
      Object.defineProperty(process, "execArgv", { value: saved, configurable: true });
    }
  });

  it("logs RSS, heap and external memory in MiB every interval until stopped", () => {
    vi.useFakeTimers();
    const { logger, lines } = recordingLogger();
    const stop = startMemoryLog(logger, 1000);
    vi.advanceTimersByTime(2500);
    expect(lines).toHaveLength(2);
    const f = lines[0]!.fields;
    expect(lines[0]!.msg).toBe("memory");
    for (const k of ["rssMiB", "heapTotalMiB", "heapUsedMiB", "externalMiB", "arrayBuffersMiB"]) {
      expect(typeof f[k]).toBe("number");
    }
    expect(f.rssMiB as number).toBeGreaterThan(f.heapUsedMiB as number);
    stop();
    vi.advanceTimersByTime(5000);
    expect(lines).toHaveLength(2);
  });
});
