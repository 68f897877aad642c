/**
 * Byzantine simulator throughput: complete adversarial schedules per second (every fault and
 * attack the seeds draw, every property checked) with 4 and 7 validators, 20 heights each.
 * Seeds run from 1 for about `seconds` per row, so runs on one machine are comparable.
 */
import { pathToFileURL } from "node:url";
import { simulate } from "../src/consensus/sim/index.js";
import { type BenchRow, renderTable } from "./table.js";

export interface SimBenchOptions {
  /** Wall time per row (at least 3 schedules run). */
  readonly seconds?: number;
  readonly heights?: number;
}

async function schedulesPerSecond(validators: number, heights: number, seconds: number) {
  const started = performance.now();
  let runs = 0;
  let failures = 0;
  while (runs < 3 || performance.now() - started < seconds * 1000) {
    const result = await simulate(runs + 1, { validators, heights });
    if (result.violation !== null) failures++;
    runs++;
  }
  const elapsed = (performance.now() - started) / 1000;
  return { rate: runs / elapsed, failures, runs };
}

export async function benchSim(opts: SimBenchOptions = {}): Promise<BenchRow[]> {
  const seconds = opts.seconds ?? 4;
  const heights = opts.heights ?? 20;
  const rows: BenchRow[] = [];
  for (const validators of [4, 7]) {
    const { rate, failures, runs } = await schedulesPerSecond(validators, heights, seconds);
    rows.push({
      group: "sim",
      name: `sim_schedules_per_s_${validators}v_${heights}h`,
      value: Math.round(rate * 10) / 10,
      unit: "schedules/s",
      target: `no violation in ${runs} seeds`,
      ok: failures === 0,
    });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(renderTable(await benchSim()));
}
