/**
 * `npm run sim`: runs the Byzantine simulator over many seeds and prints schedules per second;
 * for a failing seed, the command that replays it exactly and its trace.
 *
 *   npm run sim -- --seeds 100000             many schedules (progress on stderr)
 *   npm run sim -- --seed 42 --validators 5   replay one schedule with its full trace
 */
import { parseArgs } from "node:util";
import { DccnError, errorMessage } from "../../errors.js";
import { SimError } from "./errors.js";
import { DEFAULT_SEEDS, explainFailure, runSeeds } from "./run-seeds.js";
import { DEFAULT_HEIGHTS, describeScenario } from "./scenario.js";
import { type SimOptions, simulate } from "./simulate.js";

const USAGE = `Usage: npm run sim -- [options]

Runs the consensus core through seeded Byzantine schedules (virtual time, faults, attacks)
and checks agreement, validity, no honest double-sign and liveness after GST.

Options:
  --seeds N                        number of seeds to run (default ${DEFAULT_SEEDS})
  --from S                         first seed (default 1)
  --seed S                         replay seed S alone and print its trace
  --validators V                   validators per schedule (default: drawn per seed, 4 to 7)
  --heights H                      heights every honest node must decide (default ${DEFAULT_HEIGHTS})
  --stop-on-failure                stop at the first failing seed
  --unsafe-ignore-lock             negative control: honest nodes ignore their lock
  --unsafe-count-duplicate-votes   negative control: honest nodes count duplicate votes
  -h, --help                       show this help`;

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text))
    throw new SimError("SIM_BAD_OPTIONS", `--${name} needs a whole number, got "${text}"`);
  return Number(text);
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seeds: { type: "string" },
      from: { type: "string" },
      seed: { type: "string" },
      validators: { type: "string" },
      heights: { type: "string" },
      "stop-on-failure": { type: "boolean" },
      "unsafe-ignore-lock": { type: "boolean" },
      "unsafe-count-duplicate-votes": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const validators = positiveInt("validators", values.validators);
  const heights = positiveInt("heights", values.heights);
  const options: SimOptions = {
    ...(validators !== undefined ? { validators } : {}),
    ...(heights !== undefined ? { heights } : {}),
    unsafeIgnoreLock: values["unsafe-ignore-lock"] === true,
    unsafeCountDuplicateVotes: values["unsafe-count-duplicate-votes"] === true,
  };

  const seed = positiveInt("seed", values.seed);
  if (seed !== undefined) {
    const result = await simulate(seed, { ...options, trace: true });
    const out = [...describeScenario(result.scenario), "", ...result.trace, ""];
    const v = result.violation;
    out.push(
      v === null
        ? `seed ${seed}: ok — ${result.stats.events} events, ${result.stats.virtualMs} ms virtual time`
        : `seed ${seed}: FAILED (${v.kind}) at ${v.atMs} ms: ${v.message}`,
    );
    out.push(`replay: ${result.replay}`);
    process.stdout.write(`${out.join("\n")}\n`);
    return v === null ? 0 : 1;
  }

  const count = positiveInt("seeds", values.seeds) ?? DEFAULT_SEEDS;
  const from = positiveInt("from", values.from) ?? 1;
  const started = performance.now();
  let lastReport = started;
  let failed = 0;
  const run = await runSeeds({
    ...options,
    from,
    count,
    stopOnFailure: values["stop-on-failure"] === true,
    onResult: (result, done) => {
      if (result.violation !== null) {
        failed++;
        process.stdout.write(
          `seed ${result.seed} FAILED (${result.violation.kind}): ${result.violation.message}\n  replay: ${result.replay}\n`,
        );
      }
      const now = performance.now();
      if (now - lastReport >= 2000) {
        lastReport = now;
        const rate = (done * 1000) / (now - started);
        process.stderr.write(
          `… ${done}/${count} schedules, ${failed} failed, ${rate.toFixed(1)} schedules/s\n`,
        );
      }
    },
  });
  process.stdout.write(
    `${run.runs} schedules, ${run.failures.length} failed, ${run.schedulesPerSecond.toFixed(1)} schedules/s (${(run.elapsedMs / 1000).toFixed(1)} s)\n`,
  );
  const first = run.failures[0];
  if (first !== undefined) {
    process.stdout.write(`\nFirst failure, replayed with its trace:\n${await explainFailure(first)}\n`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const isOptionError = err instanceof DccnError || (err instanceof Error && "code" in err);
    process.stderr.write(`sim: ${errorMessage(err)}\n${isOptionError ? `\n${USAGE}\n` : ""}`);
    process.exitCode = 2;
  },
);
