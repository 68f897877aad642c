/**
 * `npm run bench`: every benchmark of the project in one run, printed as one table in which
 * each measurement stands beside the limit or peer it is judged against (measured in the same
 * run on the same machine).
 *
 *   node dist/bench/main.js [--only group[,group…]] [--quick] [--cpu-prof DIR]
 *
 * Groups: ed25519, smt, vm, sim, market, staking, node, rpc, localnet. `--quick` shortens every
 * window (a smoke run, not a measurement; localnet's sustained load: 20 s instead of 5 minutes);
 * `--cpu-prof DIR` writes V8 CPU profiles of the benchmarked nodes (single node and localnet).
 * Groups run one after another, never side by side, so they do not disturb each other.
 */
import { parseArgs } from "node:util";
import { buildSendTx } from "../src/client/tx-builder.js";
import { addressFromPublicKey, toBech32 } from "../src/crypto/address.js";
import { measureVerifyRate } from "./ed25519.js";
import { benchLocalnet } from "./localnet.js";
import { benchMarket } from "./market.js";
import { type BenchNode, measureNodeThroughput, nodeRows, startBenchNode } from "./node.js";
import { benchRpc } from "./rpc.js";
import { benchSim } from "./sim.js";
import { benchSmt } from "./smt.js";
import { benchStaking } from "./staking.js";
import { type BenchRow, renderTable } from "./table.js";
import { benchVm } from "./vm.js";

const GROUPS = ["ed25519", "smt", "vm", "sim", "market", "staking", "node", "rpc", "localnet"] as const;
type Group = (typeof GROUPS)[number];

interface Options {
  readonly only: ReadonlySet<Group>;
  readonly quick: boolean;
  readonly cpuProfDir: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      "cpu-prof": { type: "string" },
    },
    strict: true,
  });
  const only = new Set<Group>();
  for (const name of (values.only ?? GROUPS.join(",")).split(",").filter((s) => s !== "")) {
    if (!(GROUPS as readonly string[]).includes(name)) {
      throw new Error(`unknown bench group "${name}" (groups: ${GROUPS.join(", ")})`);
    }
    only.add(name as Group);
  }
  return { only, quick: values.quick === true, cpuProfDir: values["cpu-prof"] };
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * vm.ts rows carry a bare number as their limit: a bound on an `x` ratio, or the value of the
 * peer row measured beside it (named here after that row).
 */
function vmRows(rows: Awaited<ReturnType<typeof benchVm>>): BenchRow[] {
  return rows.map((r): BenchRow => {
    const base = { group: "vm", name: r.name, value: round(r.value), unit: r.unit };
    if (r.limit === undefined) return base;
    if (r.unit === "x") return { ...base, target: `≤ ${r.limit}×`, ok: r.value <= r.limit };
    const peer = rows.find((o) => o !== r && o.value === r.limit)?.name ?? "limit";
    return { ...base, limit: { name: peer, value: round(r.limit), unit: r.unit } };
  });
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const want = (g: Group) => opts.only.has(g);
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  const run = async (group: Group, f: () => Promise<BenchRow[]>) => {
    if (!want(group)) return;
    process.stderr.write(`bench: ${group}…\n`);
    try {
      rows.push(...(await f()));
    } catch (err) {
      failures.push(`${group}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  // The verify rate is the limit of the node's throughput: measure it first, on a quiet machine.
  const verifyRate = measureVerifyRate(opts.quick ? 500 : 2000);
  await run("ed25519", async () => [
    {
      group: "ed25519",
      name: "Ed25519 verify, 1 core (node:crypto)",
      value: Math.round(verifyRate),
      unit: "verifies/s",
    },
  ]);
  await run("smt", () => benchSmt(opts.quick ? { keys: 20_000, updateCommits: 5, proofs: 2000 } : {}));
  await run("vm", async () => vmRows(await benchVm()));
  await run("sim", () => benchSim(opts.quick ? { seconds: 1, heights: 10 } : {}));
  await run("market", () => benchMarket());
  await run("staking", () => benchStaking(opts.quick ? { candidates: 2000, blocks: 5 } : {}));

  if (want("node") || want("rpc")) {
    // Senders with one request in flight each: enough that the node, not the clients' round
    // trips, sets the pace (32 still left the node's main thread idle between replies).
    const clients = 64;
    let node: BenchNode | undefined;
    try {
      node = await startBenchNode({
        clients,
        spareSenders: 64,
        ...(opts.cpuProfDir === undefined ? {} : { cpuProfDir: opts.cpuProfDir }),
      });
      const started = node;
      await run("node", async () => {
        const out: BenchRow[] = [];
        // One tx per HTTP request, then JSON-RPC batches (what HTTP costs per tx shows in the gap).
        for (const batch of [1, 10]) {
          const t = await measureNodeThroughput(started, {
            verifyRate,
            batch,
            durationMs: opts.quick ? 5000 : 20_000,
            warmupMs: opts.quick ? 1000 : 3000,
          });
          out.push(...nodeRows(t, verifyRate, clients, batch));
        }
        return out;
      });
      await run("rpc", async () => {
        // Spare senders in turn, so each one's nonces arrive in order.
        const keys = started.spareKeys;
        const to = toBech32(addressFromPublicKey(keys[0]!.publicKey));
        const makeTx = (i: number) =>
          buildSendTx({
            key: keys[i % keys.length]!,
            chainId: started.chainId,
            nonce: Math.floor(i / keys.length),
            to,
            amount: 1n,
          }).bytes;
        const r = await benchRpc(started.url, {
          makeTx,
          durationMs: opts.quick ? 1000 : 3000,
          fanoutBlocks: opts.quick ? 2 : 5,
        });
        return r.map((x) => ({ group: "rpc", ...x }));
      });
    } catch (err) {
      failures.push(`node: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await node?.stop();
    }
  }

  // Last: a 4-validator network on loopback (several minutes in a full run).
  await run("localnet", () =>
    benchLocalnet({
      verifyRate,
      durationMs: opts.quick ? 20_000 : 300_000,
      warmupMs: opts.quick ? 10_000 : 15_000,
      rssSampleMs: opts.quick ? 1000 : 5000,
      ...(opts.cpuProfDir === undefined ? {} : { cpuProfDir: opts.cpuProfDir }),
    }),
  );

  console.log(renderTable(rows));
  if (failures.length > 0) {
    for (const f of failures) console.error(`bench failed: ${f}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
