/**
 * Marketplace benchmarks (issue 7): one EndBlock scheduling pass of the pure scheduler over
 * 10,000 pending tasks and 1,000 instances, the same at a tenth of the size (its 10× is the
 * limit row, so the ratio shows how cost grows: ~1 is linear, ~10 would be quadratic), metering
 * + settlement of 10,000 usage reports, and the market module's whole EndBlock in a real
 * DccnApp (state reads, scheduling, placement writes) for 1,000 pending tasks over 100 instances.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { addressFromPublicKey, toBech32 } from "../src/crypto/address.js";
import { PrivateKey } from "../src/crypto/ed25519.js";
import { DccnApp } from "../src/dccn-app/index.js";
import {
  acceptUsageReport,
  DEFAULT_SCHEDULER_PARAMS,
  type InstanceState,
  type MeterState,
  marketModule,
  marketMsgAny,
  newMeterState,
  ONE,
  type PendingTask,
  type ProviderView,
  type Resources,
  resources,
  type ScheduleInput,
  scheduleTasks,
  settle,
} from "../src/dccn-app/market/index.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../src/types/params.js";
import { type AnyMsg, signTx } from "../src/types/tx.js";
import { benchHeader } from "./fixtures.js";
import type { BenchRow } from "./table.js";

export type MarketBenchRow = BenchRow & { readonly group: "market" };

/** Small deterministic generator so every run measures the same market. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const GiB = 1n << 30n;
const REGIONS = ["eu", "us", "asia"];

function marketForBench(instances: number, tasks: number, users: number, seed: number): ScheduleInput {
  const rnd = lcg(seed);
  const perProvider = 10;
  const providers: ProviderView[] = [];
  const insts: InstanceState[] = [];
  for (let p = 0; p < instances / perProvider; p++) {
    const address = `ankr1provider${String(p).padStart(5, "0")}`;
    providers.push({
      address,
      reputation: BigInt(rnd(100)) * (ONE / 100n),
      indices: Array.from({ length: 5 }, () => BigInt(rnd(1000)) * (ONE / 1000n)),
    });
    for (let j = 0; j < perProvider; j++) {
      insts.push({
        id: `node-${j}`,
        provider: address,
        capacity: resources({
          cpu: BigInt(8 + rnd(57)) * 1000n,
          memory: BigInt(16 + rnd(241)) * GiB,
          disk: BigInt(100 + rnd(1900)) * GiB,
          bandwidth: BigInt(1 + rnd(10)) * 1_000_000_000n,
          gpu: BigInt(rnd(5) === 0 ? 1 + rnd(4) : 0),
        }),
        used: resources({}),
        prices: resources({
          cpu: BigInt(100 + rnd(900)) * 1000n,
          memory: BigInt(1 + rnd(100)),
          disk: BigInt(rnd(5)),
          bandwidth: BigInt(rnd(5)),
          gpu: BigInt(100 + rnd(900)) * 1_000_000n,
        }),
        available: true,
        region: REGIONS[rnd(REGIONS.length)]!,
        tags: rnd(3) === 0 ? ["ssd"] : [],
      });
    }
  }
  const pending: PendingTask[] = [];
  for (let t = 0; t < tasks; t++) {
    const region = rnd(5) === 0 ? REGIONS[rnd(REGIONS.length)] : undefined;
    pending.push({
      id: `task-${String(t).padStart(6, "0")}`,
      owner: `ankr1user${String(rnd(users)).padStart(5, "0")}`,
      submitHeight: 1 + rnd(10),
      demand: resources({
        cpu: BigInt(1 + rnd(40)) * 250n,
        memory: BigInt(1 + rnd(32)) * (GiB / 2n),
        disk: BigInt(rnd(50)) * GiB,
        bandwidth: BigInt(rnd(100)) * 1_000_000n,
        gpu: rnd(20) === 0 ? 1n : 0n,
      }),
      maxPricePerSec: BigInt(5 + rnd(50)) * 10n ** 11n,
      ...(region === undefined ? {} : { constraints: { region } }),
    });
  }
  return {
    instances: insts,
    providers,
    users: Array.from({ length: users }, (_, i) => ({
      address: `ankr1user${String(i).padStart(5, "0")}`,
      weight: ONE + BigInt(rnd(3)) * (ONE / 2n),
    })),
    usage: [],
    pending,
  };
}

/** Median wall time of `runs` calls after one warm-up, in ms. */
function timeMs<T>(runs: number, f: () => T): { ms: number; last: T } {
  let last = f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, last };
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

function benchSettlement(reports: number): number {
  const tasks = 1000;
  const alloc: Resources = resources({
    cpu: 2000n,
    memory: 4n * GiB,
    disk: 20n * GiB,
    bandwidth: 100_000_000n,
  });
  const prices: Resources = resources({ cpu: 500_000n, memory: 20n, disk: 1n, bandwidth: 2n });
  const states: MeterState[] = Array.from({ length: tasks }, (_, i) =>
    newMeterState({ taskId: `t${i}`, provider: "ankr1p", allocation: alloc, startedAt: 0 }),
  );
  const escrow: bigint[] = Array.from({ length: tasks }, () => 10n ** 30n);
  const period = 60;
  const t0 = performance.now();
  for (let r = 0; r < reports; r++) {
    const i = r % tasks;
    const s = states[i]!;
    const start = s.meteredUntil;
    const usage = resources({
      cpu: alloc.cpu * BigInt(period) - BigInt(r % 997),
      memory: alloc.memory * BigInt(period),
      disk: alloc.disk * BigInt(period),
      bandwidth: BigInt(r % 1_000_000),
    });
    states[i] = acceptUsageReport(
      s,
      { taskId: s.taskId, periodStart: start, periodEnd: start + period, usage },
      "ankr1p",
      1_000_000,
    );
    const out = settle({
      escrow: escrow[i]!,
      prices,
      usage: [usage],
      appFeeBps: 300,
      hasAppProvider: true,
      final: false,
    });
    escrow[i] = out.escrowLeft;
  }
  return reports / ((performance.now() - t0) / 1000);
}

/**
 * The market module's EndBlock in a real app: `providers` × 10 instances registered, then
 * `tasks` submissions from 20 tenants delivered in one block; returns EndBlock's wall time (ms)
 * and how many tasks it placed.
 */
async function benchModuleEndBlock(
  providers: number,
  tasks: number,
): Promise<{ ms: number; placed: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dccn-bench-market-"));
  const app = await DccnApp.open({ dbPath: path.join(dir, "app.db"), modules: [marketModule] });
  try {
    const keys = Array.from({ length: providers + 20 }, (_, i) =>
      PrivateKey.fromSeed(new Uint8Array(32).fill(i + 1)),
    );
    const addrs = keys.map((k) => toBech32(addressFromPublicKey(k.publicKey)));
    await app.initChain({
      timeMs: 1_700_000_000_000,
      chainId: "bench-market",
      initialHeight: 1,
      consensusParams: DEFAULT_CONSENSUS_PARAMS,
      validators: [],
      appStateJson: JSON.stringify({
        accounts: addrs.map((address) => ({ address, balance: (10n ** 30n).toString() })),
      }),
    });
    const nonces = new Map<number, number>();
    const tx = (who: number, msg: AnyMsg) => {
      const nonce = nonces.get(who) ?? 0;
      nonces.set(who, nonce + 1);
      return signTx(keys[who]!, {
        chainId: "bench-market",
        nonce,
        gasLimit: 10_000_000,
        gasPrice: 0n,
        memo: "",
        msg,
      });
    };
    const rnd = lcg(7);
    const block = async (height: number, txs: Uint8Array[], timed: boolean) => {
      await app.beginBlock({
        hash: new Uint8Array(32),
        header: benchHeader("bench-market", height),
        lastCommitInfo: { round: 0, votes: [] },
        byzantineValidators: [],
      });
      for (const t of txs) {
        const r = await app.deliverTx(t);
        if (r.code !== 0) throw new Error(`bench tx failed: ${r.log}`);
      }
      const t0 = performance.now();
      const end = await app.endBlock({ height });
      const ms = performance.now() - t0;
      await app.commit();
      return { ms: timed ? ms : 0, events: end.events };
    };
    const setup: Uint8Array[] = [];
    for (let p = 0; p < providers; p++) {
      setup.push(
        tx(p, marketMsgAny("registerProvider", { name: `dc-${p}`, region: REGIONS[p % 3]!, tags: [] })),
      );
      for (let j = 0; j < 10; j++) {
        setup.push(
          tx(
            p,
            marketMsgAny("addInstance", {
              instanceId: `node-${j}`,
              capacity: resources({ cpu: BigInt(8 + rnd(57)) * 1000n, memory: BigInt(16 + rnd(241)) * GiB }),
              prices: resources({ cpu: BigInt(100 + rnd(900)) * 1000n, memory: BigInt(1 + rnd(100)) }),
              region: "",
              tags: [],
            }),
          ),
        );
      }
    }
    await block(1, setup, false);
    const submits = Array.from({ length: tasks }, () =>
      tx(
        providers + rnd(20),
        marketMsgAny("submitTask", {
          kind: "job",
          demand: resources({ cpu: BigInt(1 + rnd(40)) * 250n, memory: BigInt(1 + rnd(32)) * (GiB / 2n) }),
          replicas: 1,
          durationSec: 3600,
          maxPricePerSec: BigInt(5 + rnd(50)) * 10n ** 11n,
          appProvider: new Uint8Array(0),
          appFeeBps: 0,
          region: "",
          tags: [],
          minReputation: 0n,
        }),
      ),
    );
    const { ms, events } = await block(2, submits, true);
    const placed = events.filter((e) => e.type === "market_task").length;
    return { ms, placed };
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchMarket(): Promise<MarketBenchRow[]> {
  const big = marketForBench(1000, 10_000, 200, 1);
  const small = marketForBench(100, 1000, 20, 2);
  const paramsBig = { ...DEFAULT_SCHEDULER_PARAMS, maxTasksPerCall: 10_000 };
  const paramsSmall = { ...DEFAULT_SCHEDULER_PARAMS, maxTasksPerCall: 1000 };
  const s = timeMs(5, () => scheduleTasks(small, paramsSmall));
  const b = timeMs(3, () => scheduleTasks(big, paramsBig));
  const rate = benchSettlement(10_000);
  const mod = await benchModuleEndBlock(10, 1000);
  const group = "market" as const;
  return [
    { group, name: "market_schedule_1k_tasks_100_instances_ms", value: round(s.ms), unit: "ms" },
    {
      group,
      name: "market_schedule_1k_tasks_100_instances_placed",
      value: s.last.assignments.length,
      unit: "tasks",
    },
    {
      group,
      name: "market_schedule_10k_tasks_1k_instances_ms",
      value: round(b.ms),
      unit: "ms",
      limit: { name: "10 × the 1k/100 run: linear growth", value: round(10 * s.ms), unit: "ms" },
    },
    {
      group,
      name: "market_schedule_10k_tasks_1k_instances_placed",
      value: b.last.assignments.length,
      unit: "tasks",
    },
    { group, name: "market_meter_settle_reports_per_s", value: Math.round(rate), unit: "reports/s" },
    {
      group,
      name: "market_module_endblock_1k_pending_100_instances_ms",
      value: round(mod.ms),
      unit: "ms",
      limit: { name: "the pure scheduler on 1k/100", value: round(s.ms), unit: "ms" },
    },
    {
      group,
      name: "market_module_endblock_1k_pending_100_instances_placed",
      value: mod.placed,
      unit: "tasks",
    },
  ];
}
