/**
 * Local-network benchmarks (issue 3), one run on a fresh `dccn testnet` of 4 validators and 1
 * full node, every node a child process on 127.0.0.1 (free port range, temp dir):
 *
 * - sustained load: clients submit signed transfers (broadcast_tx_sync) spread round-robin over
 *   the 4 validators' RPC; commits are observed on node0's websocket. Committed transfers/s and
 *   p50/p99 submit→commit latency, beside the limit "each tx verified by 4 nodes on 2 cores"
 *   (2 × single-core verify rate ÷ 4). RSS of every validator is sampled over the same window.
 * - block sync: once the load has committed, the full node starts late and replays the chain
 *   from its peers; blocks/s and txs/s from its first applied block to the tip it was started
 *   behind (read by polling its RPC status).
 *
 * Nodes run the config `dccn testnet` writes (default consensus timeouts, as an operator would
 * run them) except a mempool large enough for the load. Logs go to the temp dir; their tails are
 * added to an error. Child processes and the temp dir are removed even when a step fails.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodePorts } from "../src/cli/commands/testnet.js";
import { addressFromPublicKey, toBech32 } from "../src/crypto/address.js";
import {
  accountNonce,
  broadcast,
  CLI,
  FUNDS,
  followBlocks,
  keyFor,
  processCpuMs,
  setToml,
  TransferFeed,
  throughputOf,
} from "./node.js";
import type { BenchRow } from "./table.js";

const CHAIN_ID = "bench-localnet";
const VALIDATORS = 4;
/** Seeds of the load clients' keys (apart from bench/node.ts's). */
const CLIENT_KEY_BASE = 50_000;
/** Memory rule: after warm-up, RSS at the end of the window at most this × RSS at its start. */
const RSS_GROWTH_LIMIT = 1.5;

export interface LocalnetBenchOptions {
  /** The machine's single-core Ed25519 verify rate, measured in the same run. */
  readonly verifyRate: number;
  /** The sustained window (throughput, latency, memory) after `warmupMs` of the same load. */
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Funded senders, spread round-robin over the validators' RPC. Default 16. */
  readonly clients?: number;
  /** Txs a client may have submitted but not yet seen committed. Default 250. */
  readonly maxOutstandingPerClient?: number;
  /** RSS sampling period. Default 1000 ms. */
  readonly rssSampleMs?: number;
  /** Directory for V8 CPU profiles of the nodes (`--cpu-prof`, written when they stop). */
  readonly cpuProfDir?: string;
}

interface SummaryNode {
  readonly name: string;
  readonly role: "validator" | "full";
  readonly home: string;
  readonly rpc_url: string;
  /** host:port of the Prometheus endpoint (`dccn testnet` turns it on). */
  readonly metrics_addr: string;
}

/** One `dccn start` child process with its log in a file. */
class NodeChild {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  readonly logFile: string;

  constructor(
    readonly node: SummaryNode,
    logDir: string,
    cpuProfDir?: string,
  ) {
    this.logFile = join(logDir, `${node.name}.log`);
    const fd = openSync(this.logFile, "a");
    const prof = cpuProfDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", cpuProfDir];
    try {
      this.child = spawn(
        process.execPath,
        [...prof, CLI, "start", "--home", node.home, "--role", node.role],
        {
          stdio: ["ignore", fd, fd],
        },
      );
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((r) => this.child.once("exit", () => r()));
  }

  get url(): string {
    return this.node.rpc_url;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resident set size in MiB (from /proc), or undefined off Linux / once the process is gone. */
  rssMiB(): number | undefined {
    try {
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.child.pid}/status`, "utf8"))?.[1];
      return kb === undefined ? undefined : Number(kb) / 1024;
    } catch {
      return undefined;
    }
  }

  /** V8 heap in use (MiB) from the node's Prometheus metrics, telling JS growth from native. */
  async heapUsedMiB(): Promise<number | undefined> {
    try {
      const text = await (await fetch(`http://${this.node.metrics_addr}/metrics`)).text();
      const v = /^dccn_process_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
      return v === undefined ? undefined : Number(v) / 2 ** 20;
    } catch {
      return undefined;
    }
  }

  cpuMs(): number | undefined {
    return processCpuMs(this.child.pid);
  }

  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort (process exit): SIGKILL. */
  killNow(): void {
    if (this.running) this.child.kill("SIGKILL");
  }

  tail(lines = 12): string {
    if (!existsSync(this.logFile)) return "";
    return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value; a probe that throws ends the wait with its error. */
async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The node's latest block height, or undefined while its RPC does not answer. */
async function heightOf(url: string): Promise<number | undefined> {
  try {
    const st = (await (await fetch(`${url}/status`)).json()) as {
      result: { sync_info: { latest_block_height: string } };
    };
    return Number(st.result.sync_info.latest_block_height);
  } catch {
    return undefined;
  }
}

/** A node's height when it must answer. */
async function mustHeight(url: string): Promise<number> {
  const h = await heightOf(url);
  if (h === undefined) throw new Error(`${url} does not answer RPC status`);
  return h;
}

/** Txs in each block `1..to`, from the `blockchain` RPC (20 metas per call). */
async function txCounts(url: string, to: number): Promise<number[]> {
  const counts: number[] = new Array(to + 1).fill(0);
  for (let min = 1; min <= to; min += 20) {
    const res = await fetch(`${url}/blockchain?minHeight=${min}&maxHeight=${Math.min(to, min + 19)}`);
    const body = (await res.json()) as {
      result: { block_metas: { header: { height: string }; num_txs: string }[] };
    };
    for (const m of body.result.block_metas) counts[Number(m.header.height)] = Number(m.num_txs);
  }
  return counts;
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(undefined));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

/** A base port whose whole testnet layout is free right now (not the fixed 26656 one: a localnet may run). */
async function freeBasePort(nodes: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 10 * Math.floor(Math.random() * 3500);
    const ports = Array.from({ length: nodes }, (_, i) => nodePorts(i, base)).flatMap((p) => [
      p.p2p,
      p.rpc,
      p.metrics,
    ]);
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map((s) => (s ? new Promise((r) => s.close(r)) : undefined)));
    if (servers.every((s) => s !== undefined)) return base;
  }
  throw new Error("no free port range for the bench network");
}

/** `dccn testnet` homes in `dir`, every genesis funding `clientAddrs` too, mempools sized for the load. */
async function generateNet(dir: string, clientAddrs: readonly string[]): Promise<SummaryNode[]> {
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      "testnet",
      "--validators",
      String(VALIDATORS),
      "--full-nodes",
      "1",
      "--chain-id",
      CHAIN_ID,
      "--base-port",
      String(await freeBasePort(VALIDATORS + 1)),
      "--output-dir",
      join(dir, "net"),
      "--output",
      "json",
    ],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`dccn testnet failed: ${r.stderr}`);
  const nodes = (JSON.parse(r.stdout) as { nodes: SummaryNode[] }).nodes;
  const first = nodes[0];
  if (first === undefined) throw new Error("dccn testnet wrote no nodes");
  // Every home holds the same genesis: extend it once and write it everywhere.
  const genesis = JSON.parse(readFileSync(join(first.home, "config", "genesis.json"), "utf8")) as {
    app_state: { accounts: { address: string; balance: string }[] };
  };
  for (const address of clientAddrs) genesis.app_state.accounts.push({ address, balance: FUNDS.toString() });
  const text = JSON.stringify(genesis, null, 2);
  for (const n of nodes) {
    writeFileSync(join(n.home, "config", "genesis.json"), text);
    setToml(join(n.home, "config", "config.toml"), "mempool", { size: 50_000, cache_size: 100_000 });
  }
  return nodes;
}

interface LoadResult {
  readonly committedPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly committed: number;
  readonly blocks: number;
  readonly rejected: number;
  readonly cpuMsPerTx: number | undefined;
  /** CPU of this process (the load generator, sharing the cores with the nodes) per committed tx. */
  readonly clientCpuMsPerTx: number;
  /** Per validator, over the window. */
  readonly memory: readonly MemoryTrace[];
}

/** MiB at the window's start (after warm-up), middle and end; RSS max of the periodic samples. */
interface MemoryTrace {
  readonly rss: { start: number; mid: number; end: number; max: number };
  readonly heapUsed: { start: number; end: number };
}

/** Samples one node's memory at marks and periodically. */
class MemorySampler {
  private readonly marks = new Map<string, { rss: number; heap: number }>();
  private max = 0;

  constructor(private readonly node: NodeChild) {}

  sample(): void {
    this.max = Math.max(this.max, this.node.rssMiB() ?? 0);
  }

  async mark(name: "start" | "mid" | "end"): Promise<void> {
    const rss = this.node.rssMiB() ?? Number.NaN;
    this.marks.set(name, { rss, heap: (await this.node.heapUsedMiB()) ?? Number.NaN });
  }

  trace(): MemoryTrace {
    const get = (n: string) => this.marks.get(n) ?? { rss: Number.NaN, heap: Number.NaN };
    const [start, mid, end] = [get("start"), get("mid"), get("end")];
    return {
      rss: { start: start.rss, mid: mid.rss, end: end.rss, max: Math.max(this.max, start.rss, end.rss) },
      heapUsed: { start: start.heap, end: end.heap },
    };
  }
}

/** The sustained load over the validators' RPC; memory and CPU of the validators over its window. */
async function runLoad(
  validators: readonly NodeChild[],
  keys: readonly ReturnType<typeof keyFor>[],
  opts: LocalnetBenchOptions,
): Promise<LoadResult> {
  const maxOutstanding = opts.maxOutstandingPerClient ?? 250;
  const submitted = new Map<string, { at: number; client: number }>();
  const outstanding = keys.map(() => 0);
  const latencies: number[] = [];
  const memory = validators.map((v) => new MemorySampler(v));
  const marks: Promise<unknown>[] = [];
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  let inWindow = 0;
  let blocks = 0;
  let rejected = 0;
  let cpuAtStart: number | undefined;
  let cpuAtEnd: number | undefined;
  let clientCpuAtStart: NodeJS.CpuUsage | undefined;
  let clientCpu: NodeJS.CpuUsage | undefined;
  const cpuTotal = () => {
    const all = validators.map((v) => v.cpuMs());
    return all.every((c) => c !== undefined) ? all.reduce((a, b) => a + b, 0) : undefined;
  };
  // Every transfer of the run is signed before it starts (bench/node.ts TransferFeed), for a rate
  // up to 0.55 of the limit: the clients share the 2 cores with the validators, and signing on
  // the fly cost them ~40 µs a tx, CPU the limit assumes the validators have. Beyond that rate
  // the clients sign the rest as they go.
  const to = addressFromPublicKey(keyFor(999_998).publicKey);
  const feeds = keys.map((key) => new TransferFeed(key, CHAIN_ID, to));
  const nonces = await Promise.all(
    keys.map((key, c) =>
      accountNonce(validators[c % validators.length]!.url, toBech32(addressFromPublicKey(key.publicKey))),
    ),
  );
  const limit = (2 * opts.verifyRate) / VALIDATORS;
  const perClient = Math.ceil((0.55 * limit * (opts.warmupMs + opts.durationMs)) / 1000 / feeds.length);
  for (const [c, feed] of feeds.entries()) feed.presign(nonces[c]!, perClient);
  const observer = validators[0]!;
  const stopFollowing = await followBlocks(observer.url, (txs, at) => {
    if (at >= windowStart && at < windowEnd) blocks++;
    for (const b64 of txs) {
      const s = submitted.get(b64);
      if (s === undefined) continue;
      submitted.delete(b64);
      outstanding[s.client]!--;
      if (at >= windowStart && at < windowEnd) inWindow++;
      if (s.at >= windowStart && s.at < windowEnd) latencies.push(at - s.at);
    }
  });
  const timers: NodeJS.Timeout[] = [];
  // Set when the run ends early (a client failed), so the other clients stop too.
  let aborted = false;
  try {
    windowStart = performance.now() + opts.warmupMs;
    windowEnd = windowStart + opts.durationMs;
    const markAll = (name: "start" | "mid" | "end") => marks.push(...memory.map((m) => m.mark(name)));
    timers.push(
      setTimeout(() => {
        cpuAtStart = cpuTotal();
        clientCpuAtStart = process.cpuUsage();
        markAll("start");
      }, opts.warmupMs),
      setTimeout(() => markAll("mid"), opts.warmupMs + opts.durationMs / 2),
      setTimeout(() => {
        cpuAtEnd = cpuTotal();
        clientCpu = process.cpuUsage(clientCpuAtStart);
        markAll("end");
      }, opts.warmupMs + opts.durationMs),
      setInterval(() => {
        const now = performance.now();
        if (now >= windowStart && now <= windowEnd) for (const m of memory) m.sample();
      }, opts.rssSampleMs ?? 1000),
    );
    await Promise.all(
      keys.map(async (_, c) => {
        const url = validators[c % validators.length]!.url;
        const feed = feeds[c]!;
        let nonce = nonces[c]!;
        while (!aborted && performance.now() < windowEnd) {
          if (outstanding[c]! >= maxOutstanding) {
            await sleep(5);
            continue;
          }
          feed.dropBelow(nonce);
          const tx = feed.get(nonce);
          const at = performance.now();
          submitted.set(tx.base64, { at, client: c });
          outstanding[c]!++;
          // A transport error (a kept-alive connection reset under load) is retried like a refusal:
          // the same nonce signs the same tx, and a copy that got in answers as already seen/used.
          const [reply] = await broadcast(url, [tx.base64]).catch((err: unknown) => {
            if (!validators[c % validators.length]!.running) throw err;
            return [undefined];
          });
          if (reply !== undefined && (reply.ok || /already in the mempool/.test(reply.log))) {
            nonce++;
            continue;
          }
          if (reply !== undefined && /already used/.test(reply.log)) {
            // Committed already (an earlier copy): nothing to wait for.
            if (submitted.delete(tx.base64)) outstanding[c]!--;
            nonce++;
            continue;
          }
          // Refused (mempool full, busy): forget it and retry the same nonce a little later.
          if (submitted.delete(tx.base64)) outstanding[c]!--;
          rejected++;
          await sleep(20);
        }
      }),
    );
    // Let what was submitted in the window commit, so its latency is counted.
    const drainDeadline = performance.now() + 60_000;
    while (submitted.size > 0 && performance.now() < drainDeadline) await sleep(50);
  } finally {
    aborted = true;
    for (const t of timers) clearTimeout(t);
    stopFollowing();
  }
  cpuAtEnd ??= cpuTotal();
  clientCpu ??= process.cpuUsage(clientCpuAtStart);
  await Promise.all(marks);
  return {
    ...throughputOf({
      inWindow,
      durationMs: opts.durationMs,
      latencies,
      blocks,
      rejected,
      cpuAtStart,
      cpuAtEnd,
      clientCpu,
    }),
    memory: memory.map((m) => m.trace()),
  };
}

interface SyncResult {
  /** Height the full node had at its first RPC poll that showed a block applied. */
  readonly fromHeight: number;
  readonly toHeight: number;
  readonly txs: number;
  readonly seconds: number;
  /** From the process start to the tip, startup and peer discovery included. */
  readonly totalSeconds: number;
}

/** Starts the full node behind the tip `target` and times its block sync up to it. */
async function runSync(
  full: () => NodeChild,
  target: number,
  counts: readonly number[],
  timeoutMs: number,
): Promise<SyncResult> {
  const spawnedAt = performance.now();
  const node = full();
  let first: { height: number; at: number } | undefined;
  const done = await waitUntil(
    `the late full node to sync to height ${target}`,
    async () => {
      if (!node.running) throw new Error("the full node exited");
      const height = await heightOf(node.url);
      const at = performance.now();
      if (height === undefined) return undefined;
      if (first === undefined && height > 0) first = { height, at };
      return height >= target ? at : undefined;
    },
    timeoutMs,
    50,
  );
  // Timed from its first applied block; from the process start if it reached the tip at once.
  const start = first !== undefined && first.height < target ? first : { height: 0, at: spawnedAt };
  const txs = counts.slice(start.height + 1, target + 1).reduce((a, b) => a + b, 0);
  return {
    fromHeight: start.height,
    toHeight: target,
    txs,
    seconds: (done - start.at) / 1000,
    totalSeconds: (done - spawnedAt) / 1000,
  };
}

const mib = (v: number) => Math.round(v * 10) / 10;

function rows(load: LoadResult, sync: SyncResult, opts: LocalnetBenchOptions, clients: number): BenchRow[] {
  const g = "localnet";
  const limit = (opts.verifyRate * 2) / VALIDATORS;
  const secs = Math.round(opts.durationMs / 1000);
  const out: BenchRow[] = [
    {
      group: g,
      name: `4 validators, committed transfers, ${clients} clients over 4 RPCs (default timeouts)`,
      value: Math.round(load.committedPerSec),
      unit: "tx/s",
      limit: { name: "2 cores × 1-core verify ÷ 4 nodes", value: Math.round(limit), unit: "tx/s" },
      target: "≥ 0.40 of limit",
      ok: load.committedPerSec >= 0.4 * limit,
    },
    {
      group: g,
      name: "4 validators, submit→commit latency p50",
      value: Math.round(load.p50Ms),
      unit: "ms",
      target: "< 2000 ms",
      ok: load.p50Ms < 2000,
    },
    { group: g, name: "4 validators, submit→commit latency p99", value: Math.round(load.p99Ms), unit: "ms" },
    {
      group: g,
      name: "4 validators, block interval, mean in window",
      value: load.blocks === 0 ? 0 : Math.round(opts.durationMs / load.blocks),
      unit: "ms",
    },
    {
      group: g,
      name: "4 validators, txs per block, mean in window",
      value: load.blocks === 0 ? 0 : Math.round(load.committed / load.blocks),
      unit: "tx",
    },
  ];
  if (load.cpuMsPerTx !== undefined) {
    out.push({
      group: g,
      name: "CPU of all 4 validators per committed tx",
      value: Math.round(load.cpuMsPerTx * 1000),
      unit: "µs",
      limit: { name: "4 Ed25519 verifies", value: Math.round(4e6 / opts.verifyRate), unit: "µs" },
    });
  }
  out.push({
    group: g,
    name: "bench clients' CPU per committed tx (same 2 cores)",
    value: Math.round(load.clientCpuMsPerTx * 1000),
    unit: "µs",
  });
  const blocks = sync.toHeight - sync.fromHeight;
  out.push(
    {
      group: g,
      name: `late full node block sync, heights ${sync.fromHeight + 1}..${sync.toHeight}`,
      value: sync.seconds > 0 ? Math.round((blocks / sync.seconds) * 10) / 10 : 0,
      unit: "blocks/s",
      // Sync must outpace the chain to ever reach the tip.
      limit: {
        name: "network's block rate under load",
        value: Math.round((load.blocks / (opts.durationMs / 1000)) * 100) / 100,
        unit: "blocks/s",
      },
    },
    {
      group: g,
      name: `late full node block sync, ${sync.txs} txs replayed`,
      value: sync.seconds > 0 ? Math.round(sync.txs / sync.seconds) : 0,
      unit: "tx/s",
      limit: { name: "1-core Ed25519 verify rate", value: Math.round(opts.verifyRate), unit: "verifies/s" },
    },
    {
      group: g,
      name: `late full node, process start → tip (height ${sync.toHeight})`,
      value: Math.round(sync.totalSeconds * 10) / 10,
      unit: "s",
    },
  );
  for (const [i, { rss }] of load.memory.entries()) {
    out.push({
      group: g,
      name: `node${i} RSS at end of ${secs} s load (mid ${Math.round(rss.mid)}, max ${Math.round(rss.max)} MiB)`,
      value: mib(rss.end),
      unit: "MiB",
      limit: { name: "start, after warm-up", value: mib(rss.start), unit: "MiB" },
      target: `stable: end ≤ ${RSS_GROWTH_LIMIT}× start`,
      ok: rss.end <= rss.start * RSS_GROWTH_LIMIT,
    });
  }
  // The V8 heap of the node that grew most tells JS objects kept from native memory (LevelDB, buffers).
  const growth = (m: MemoryTrace) => m.rss.end / m.rss.start;
  const worst = load.memory.reduce((w, m, i) => (growth(m) > growth(load.memory[w]!) ? i : w), 0);
  const heap = load.memory[worst]?.heapUsed;
  if (heap !== undefined && Number.isFinite(heap.start) && Number.isFinite(heap.end)) {
    out.push({
      group: g,
      name: `node${worst} V8 heap used at end of ${secs} s load (node growing most)`,
      value: mib(heap.end),
      unit: "MiB",
      limit: { name: "start, after warm-up", value: mib(heap.start), unit: "MiB" },
    });
  }
  return out;
}

/** Runs the whole group on a fresh network and returns its table rows. */
export async function benchLocalnet(opts: LocalnetBenchOptions): Promise<BenchRow[]> {
  const clients = opts.clients ?? 16;
  const keys = Array.from({ length: clients }, (_, i) => keyFor(CLIENT_KEY_BASE + i));
  const dir = mkdtempSync(join(tmpdir(), "dccn-bench-localnet-"));
  const children: NodeChild[] = [];
  // If the bench process dies mid-run, take the nodes and the temp dir with it.
  const onExit = () => {
    for (const c of children) c.killNow();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    onExit();
    process.kill(process.pid, signal);
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const nodes = await generateNet(
      dir,
      keys.map((k) => toBech32(addressFromPublicKey(k.publicKey))),
    );
    const start = (n: SummaryNode) => {
      const c = new NodeChild(n, dir, opts.cpuProfDir);
      children.push(c);
      return c;
    };
    const validators = nodes.filter((n) => n.role === "validator").map(start);
    const fullNode = nodes.find((n) => n.role === "full");
    if (validators.length !== VALIDATORS || fullNode === undefined)
      throw new Error("unexpected testnet layout");
    await Promise.all(
      validators.map((v) =>
        waitUntil(
          `${v.node.name} to commit block 2`,
          async () => {
            if (!v.running) throw new Error(`${v.node.name} exited`);
            return ((await heightOf(v.url)) ?? 0) >= 2 ? true : undefined;
          },
          120_000,
        ),
      ),
    );
    const load = await runLoad(validators, keys, opts);
    if (load.committed === 0) throw new Error(`no transfer committed (${load.rejected} refused submissions)`);
    const tip = await mustHeight(validators[0]!.url);
    const counts = await txCounts(validators[0]!.url, tip);
    const sync = await runSync(() => start(fullNode), tip, counts, 600_000);
    return rows(load, sync, opts, clients);
  } catch (err) {
    const tails = children.map((c) => `--- ${c.node.name}\n${c.tail()}`).join("\n");
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tails}`);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    process.off("exit", onExit);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}
