/** Many schedules in a row: seeds from..from+count-1, with throughput and the failures found. */
import { SimError } from "./errors.js";
import { checkSeed, describeScenario } from "./scenario.js";
import { type SimOptions, type SimResult, simulate } from "./simulate.js";

/** Seeds per run when none is given (`npm test` and `npm run sim`); the negative controls must fail within it. */
export const DEFAULT_SEEDS = 300;

export interface RunSeedsOptions extends SimOptions {
  /** First seed; default 1. */
  readonly from?: number;
  /** Number of seeds; default DEFAULT_SEEDS. */
  readonly count?: number;
  /** Stop at the first failing seed (negative controls, quick checks). */
  readonly stopOnFailure?: boolean;
  /** Called after each schedule (progress output). */
  readonly onResult?: (result: SimResult, done: number) => void;
}

export interface RunSeedsResult {
  readonly runs: number;
  readonly failures: readonly SimResult[];
  readonly elapsedMs: number;
  readonly schedulesPerSecond: number;
}

export async function runSeeds(options: RunSeedsOptions): Promise<RunSeedsResult> {
  const from = options.from ?? 1;
  const count = options.count ?? DEFAULT_SEEDS;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new SimError("SIM_BAD_OPTIONS", `the number of seeds must be a positive integer, got ${count}`);
  }
  checkSeed(from);
  checkSeed(from + count - 1);
  const failures: SimResult[] = [];
  const started = performance.now();
  let runs = 0;
  for (let seed = from; seed < from + count; seed++) {
    const result = await simulate(seed, { ...options, trace: false });
    runs++;
    options.onResult?.(result, runs);
    if (result.violation !== null) {
      failures.push(result);
      if (options.stopOnFailure === true) break;
    }
  }
  const elapsedMs = performance.now() - started;
  return { runs, failures, elapsedMs, schedulesPerSecond: elapsedMs > 0 ? (runs * 1000) / elapsedMs : 0 };
}

/** The options that reproduce `result`'s schedule exactly (what its replay command says). */
export function replayOptions(result: SimResult): SimOptions {
  const s = result.scenario;
  return {
    validators: s.powers.length,
    heights: s.heights,
    unsafeIgnoreLock: s.unsafeIgnoreLock,
    unsafeCountDuplicateVotes: s.unsafeCountDuplicateVotes,
  };
}

/**
 * A failing schedule explained: the violation, the command that replays it, the scenario,
 * and the trace (re-run with tracing on; the seed makes it the same run).
 */
export async function explainFailure(
  result: SimResult,
  maxTraceLines = Number.POSITIVE_INFINITY,
): Promise<string> {
  const traced =
    result.trace.length > 0 ? result : await simulate(result.seed, { ...replayOptions(result), trace: true });
  const lines =
    traced.trace.length > maxTraceLines
      ? [
          `… ${traced.trace.length - maxTraceLines} earlier lines omitted …`,
          ...traced.trace.slice(-maxTraceLines),
        ]
      : traced.trace;
  const v = traced.violation;
  return [
    `seed ${result.seed} FAILED: ${v === null ? "(no violation on re-run!)" : `${v.kind} at ${v.atMs} ms: ${v.message}`}`,
    `replay: ${result.replay}`,
    ...describeScenario(result.scenario).map((l) => `  ${l}`),
    "trace:",
    ...lines,
  ].join("\n");
}
