/**
 * End-to-end throughput of a single-validator node (issue 2): the compiled `dccn` started as a
 * child process on a temp home, several concurrent clients submitting signed transfers over
 * RPC (broadcast_tx_sync, one tx per request) for a sustained window, commits observed through
 * the websocket's NewBlock events. Reports committed transfers/s beside the machine's
 * single-core Ed25519 verify rate (every tx is verified at least once, so that is the limit),
 * and p50/p99 submit-to-commit latency.
 *
 * The node runs its default config except ports and a mempool large enough for the load; pass
 * `cpuProfDir` to write a V8 CPU profile of the node (written when it stops).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import WebSocket from "ws";
import { buildSendTx } from "../src/client/tx-builder.js";
import { toBase64 } from "../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../src/crypto/address.js";
import { PrivateKey } from "../src/crypto/ed25519.js";
import { LoadHttpClient } from "./http-load.js";
import type { BenchRow } from "./table.js";

export const CLI = resolve(import.meta.dirname, "../src/cli/main.js");
const CHAIN_ID = "bench-node";
export const FUNDS = 10n ** 27n;
export const TRANSFER_GAS_LIMIT = 40_000;

export interface BenchNodeOptions {
  /** Senders funded in genesis for the throughput clients (one per client). */
  readonly clients?: number;
  /** Extra funded senders for other benchmarks (the RPC broadcast row). */
  readonly spareSenders?: number;
  /** config.toml overrides per section. */
  readonly config?: Readonly<Record<string, Record<string, string | number | boolean>>>;
  /** Directory for a V8 CPU profile of the node process (`--cpu-prof`). */
  readonly cpuProfDir?: string;
  /** Append the node's log to this file. */
  readonly logFile?: string;
  /** genesis consensus_params.block.max_gas (default: the chain default). */
  readonly blockMaxGas?: number;
}

/** A node child process on a temp home, with funded sender keys. */
export interface BenchNode {
  readonly url: string;
  readonly home: string;
  readonly chainId: string;
  readonly clientKeys: readonly PrivateKey[];
  readonly spareKeys: readonly PrivateKey[];
  /** CPU time the node process has used so far (user + system), or undefined off Linux. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** utime + stime of a process from /proc (clock ticks of 10 ms on Linux). */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((res, rej) => {
          const s = createServer();
          s.once("error", rej);
          s.listen(0, "127.0.0.1", () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Sets `key = value` lines inside `[section]` of a TOML file. */
export function setToml(
  path: string,
  section: string,
  values: Record<string, string | number | boolean>,
): void {
  let current = "";
  const out = readFileSync(path, "utf8")
    .split("\n")
    .map((line) => {
      const sec = /^\s*\[([^\]]+)\]\s*$/.exec(line);
      if (sec) current = sec[1]!;
      const kv = /^\s*([A-Za-z0-9_]+)\s*=/.exec(line);
      if (kv && current === section && kv[1]! in values) {
        const v = values[kv[1]!]!;
        return `${kv[1]} = ${typeof v === "string" ? JSON.stringify(v) : String(v)}`;
      }
      return line;
    });
  writeFileSync(path, out.join("\n"));
}

export const keyFor = (i: number) => {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, 0xbe9c0000 + i);
  return PrivateKey.fromSeed(seed);
};

export async function startBenchNode(opts: BenchNodeOptions = {}): Promise<BenchNode> {
  const clients = opts.clients ?? 16;
  const spare = opts.spareSenders ?? 0;
  const home = mkdtempSync(join(tmpdir(), "dccn-bench-node-"));
  const init = spawnSync(
    process.execPath,
    [CLI, "init", "--home", home, "--chain-id", CHAIN_ID, "--moniker", "bench"],
    {
      encoding: "utf8",
    },
  );
  if (init.status !== 0) throw new Error(`dccn init failed: ${init.stderr}`);
  const clientKeys = Array.from({ length: clients }, (_, i) => keyFor(i));
  const spareKeys = Array.from({ length: spare }, (_, i) => keyFor(10_000 + i));
  const genesisFile = join(home, "config", "genesis.json");
  const genesis = JSON.parse(readFileSync(genesisFile, "utf8")) as {
    app_state: { accounts: { address: string; balance: string }[] };
    consensus_params: { block: { max_gas: string } };
  };
  if (opts.blockMaxGas !== undefined) genesis.consensus_params.block.max_gas = String(opts.blockMaxGas);
  for (const k of [...clientKeys, ...spareKeys]) {
    genesis.app_state.accounts.push({
      address: toBech32(addressFromPublicKey(k.publicKey)),
      balance: FUNDS.toString(),
    });
  }
  writeFileSync(genesisFile, JSON.stringify(genesis, null, 2));
  const [rpcPort, p2pPort] = (await freePorts(2)) as [number, number];
  const configFile = join(home, "config", "config.toml");
  setToml(configFile, "rpc", { laddr: `tcp://127.0.0.1:${rpcPort}`, max_open_connections: 0 });
  setToml(configFile, "p2p", { laddr: `/ip4/127.0.0.1/tcp/${p2pPort}` });
  setToml(configFile, "mempool", { size: 50_000, cache_size: 100_000 });
  setToml(configFile, "log", { level: "warn" });
  for (const [section, values] of Object.entries(opts.config ?? {})) setToml(configFile, section, values);

  const nodeArgs = opts.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", opts.cpuProfDir] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, CLI, "start", "--home", home], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const logFile = opts.logFile;
  child.stderr?.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
    if (logFile !== undefined) appendFileSync(logFile, d);
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = `http://127.0.0.1:${rpcPort}`;
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bench node exited: ${log}`);
    try {
      const st = (await (await fetch(`${url}/status`)).json()) as {
        result?: { sync_info: { latest_block_height: string } };
      };
      if (Number(st.result?.sync_info.latest_block_height ?? 0) >= 1) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`the bench node did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    home,
    chainId: CHAIN_ID,
    clientKeys,
    spareKeys,
    cpuMs: () => processCpuMs(child.pid),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface NodeThroughputOptions {
  /** The measured window (default 20 s), after `warmupMs` (default 3 s) of the same load. */
  readonly durationMs?: number;
  readonly warmupMs?: number;
  /** Txs a client may have submitted but not yet seen committed (default 250). */
  readonly maxOutstandingPerClient?: number;
  /** The machine's single-core Ed25519 verify rate, measured in the same run. */
  readonly verifyRate: number;
  /** Txs per request: 1 (default) sends one broadcast_tx_sync per HTTP request. */
  readonly batch?: number;
  /**
   * Txs/s the clients sign ahead of the load, over warm-up and window together (default 0.6 ×
   * verifyRate); beyond those they sign as they go.
   */
  readonly presignRate?: number;
}

export interface NodeThroughput {
  readonly committedPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly committed: number;
  readonly blocks: number;
  readonly rejected: number;
  /** Node CPU time per tx committed in the window (ms), when the OS reports it. */
  readonly cpuMsPerTx: number | undefined;
  /**
   * CPU time of this process (the load generator: signing, HTTP, following blocks) per tx
   * committed in the window (ms). It shares the machine's cores with the node, so it says how
   * much of the throughput the clients themselves cap.
   */
  readonly clientCpuMsPerTx: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * Follows committed blocks: NewBlockHeader events, then each block's txs from `block` (base64,
 * as sent), as block explorers and indexers do. NewBlock would carry the txs too, but with every
 * tx's results and events rendered: several MB of JSON per block of thousands of txs that the
 * node would render and this process parse, on the same two cores. Calls `onBlock` in height
 * order with the header's arrival time. Clients match the strings against the base64 they sent,
 * so following thousands of txs per block costs them no decoding or hashing.
 */
export async function followBlocks(
  url: string,
  onBlock: (txsBase64: readonly string[], at: number) => void,
): Promise<() => void> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/websocket`, { maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((res, rej) => {
    ws.once("open", () => res());
    ws.once("error", rej);
  });
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const subscribed = new Promise<void>((res) => {
    ws.on("message", (data: Buffer) => {
      const at = performance.now();
      const m = JSON.parse(data.toString()) as {
        result?: { data?: { value?: { header?: { height?: string } } } };
      };
      const height = m.result?.data?.value?.header?.height;
      if (height === undefined) return res();
      chain = chain.then(async () => {
        const call = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "block", params: { height } });
        // A kept-alive connection reset under load costs a retry, not the block's txs.
        for (let attempt = 1; !stopped; attempt++) {
          try {
            const reply = JSON.parse(await postJson(url, call)) as {
              result?: { block?: { data?: { txs?: string[] | null } } };
            };
            if (!stopped) onBlock(reply.result?.block?.data?.txs ?? [], at);
            return;
          } catch (err) {
            if (attempt >= 5) throw err;
          }
        }
      });
    });
  });
  ws.send(
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "subscribe",
      params: { query: "tm.event='NewBlockHeader'" },
    }),
  );
  await subscribed;
  return () => {
    stopped = true;
    ws.terminate();
  };
}

/** A signed transfer as a load client sends it. */
export interface LoadTx {
  /** What the client puts in broadcast_tx_sync and finds again in NewBlock events. */
  readonly base64: string;
}

/**
 * One client's transfers by nonce. `presign` of them are signed before the load starts, as load
 * generators do: signing costs the clients ~26 µs a tx, and they share the machine's two cores
 * with the nodes they measure. Beyond those, txs are signed when first asked for. A nonce always
 * gives the same tx (Ed25519 signatures are deterministic), so a retry resends identical bytes.
 *
 * Presigned txs are kept as base64 text back to back in one buffer (about 340 bytes a tx and no
 * object each), so a 5-minute run's million txs fit in a few hundred MiB of the bench process
 * instead of gigabytes of heap.
 */
export class TransferFeed {
  private packed: { readonly from: number; text: Buffer; readonly ends: Uint32Array } | undefined;
  private readonly txs = new Map<number, LoadTx>();

  constructor(
    private readonly key: PrivateKey,
    private readonly chainId: string,
    private readonly to: Uint8Array,
  ) {}

  /** Signs nonces `fromNonce .. fromNonce + count - 1` now (replacing an earlier presign). */
  presign(fromNonce: number, count: number): void {
    const ends = new Uint32Array(count);
    let text = Buffer.allocUnsafe(Math.max(1, count) * 400);
    let used = 0;
    for (let i = 0; i < count; i++) {
      const b64 = this.sign(fromNonce + i);
      if (used + b64.length > text.length) {
        const grown = Buffer.allocUnsafe(Math.max(text.length * 2, used + b64.length));
        text.copy(grown, 0, 0, used);
        text = grown;
      }
      used += text.write(b64, used, "latin1");
      ends[i] = used;
    }
    this.packed = { from: fromNonce, text: text.subarray(0, used), ends };
  }

  get(nonce: number): LoadTx {
    const p = this.packed;
    if (p !== undefined && nonce >= p.from && nonce < p.from + p.ends.length) {
      const i = nonce - p.from;
      return { base64: p.text.toString("latin1", i === 0 ? 0 : p.ends[i - 1]!, p.ends[i]!) };
    }
    let tx = this.txs.get(nonce);
    if (tx === undefined) {
      tx = { base64: this.sign(nonce) };
      this.txs.set(nonce, tx);
    }
    return tx;
  }

  /** Forgets txs below `nonce` (committed), so a long run does not hold them all. */
  dropBelow(nonce: number): void {
    const p = this.packed;
    if (p !== undefined && nonce >= p.from + p.ends.length) this.packed = undefined;
    for (const n of this.txs.keys()) {
      if (n >= nonce) break;
      this.txs.delete(n);
    }
  }

  private sign(nonce: number): string {
    const { bytes } = buildSendTx({
      key: this.key,
      chainId: this.chainId,
      nonce,
      to: this.to,
      amount: 1n + BigInt(nonce % 1000),
      // What a transfer needs (as a wallet would estimate it): blocks are filled by gas
      // limits, so the default 100,000 would cap a block at max_gas / 100,000 txs.
      gasLimit: TRANSFER_GAS_LIMIT,
    });
    return toBase64(bytes);
  }
}

/**
 * Keep-alive connections for the load: node:http rather than fetch (undici), whose per-request
 * overhead made the clients use about as much CPU as the node they measure on a 2-core machine.
 * Each client has one request in flight at a time, so each holds about one connection.
 */
const loadClients = new Map<string, LoadHttpClient>();

function postJson(url: string, body: string): Promise<string> {
  let client = loadClients.get(url);
  if (client === undefined) {
    client = new LoadHttpClient(url);
    loadClients.set(url, client);
  }
  return client.post(body);
}

/** broadcast_tx_sync for each tx (bytes or base64), as one JSON-RPC batch when there are several. */
export async function broadcast(
  url: string,
  txs: readonly (Uint8Array | string)[],
): Promise<{ ok: boolean; log: string }[]> {
  const calls = txs.map((tx, id) => ({
    jsonrpc: "2.0",
    id,
    method: "broadcast_tx_sync",
    params: { tx: typeof tx === "string" ? tx : toBase64(tx) },
  }));
  type Reply = {
    id?: number;
    result?: { code: number; log: string };
    error?: { message: string; data?: string };
  };
  const body = JSON.parse(await postJson(url, JSON.stringify(calls.length === 1 ? calls[0] : calls))) as
    | Reply
    | Reply[];
  const byId = new Map((Array.isArray(body) ? body : [body]).map((r) => [r.id ?? 0, r]));
  return txs.map((_, id) => {
    const r = byId.get(id);
    if (r?.result !== undefined) return { ok: r.result.code === 0, log: r.result.log };
    return { ok: false, log: `${r?.error?.message ?? "no reply"} ${r?.error?.data ?? ""}` };
  });
}

/** The committed nonce of `address` (0 for an account the chain has not seen). */
export async function accountNonce(url: string, address: string): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "abci_query",
      params: { path: `/account/${address}` },
    }),
  });
  const body = (await res.json()) as { result?: { response: { value: string | null } } };
  const value = body.result?.response.value;
  if (value === undefined || value === null || value === "") return 0;
  return Number((JSON.parse(Buffer.from(value, "base64").toString("utf8")) as { nonce: number }).nonce);
}

/** Runs the load and measures. Earlier runs' txs must have committed (it starts at the chain's nonces). */
export async function measureNodeThroughput(
  node: BenchNode,
  opts: NodeThroughputOptions,
): Promise<NodeThroughput> {
  const durationMs = opts.durationMs ?? 20_000;
  const warmupMs = opts.warmupMs ?? 3000;
  const maxOutstanding = opts.maxOutstandingPerClient ?? 250;
  const batch = opts.batch ?? 1;
  const submitted = new Map<string, { at: number; client: number }>();
  const outstanding = node.clientKeys.map(() => 0);
  const latencies: number[] = [];
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  let inWindow = 0;
  let blocks = 0;
  let rejected = 0;
  let cpuAtStart: number | undefined;
  let cpuAtEnd: number | undefined;
  let clientCpuAtStart: NodeJS.CpuUsage | undefined;
  let clientCpu: NodeJS.CpuUsage | undefined;
  // Address bytes, not bech32: the clients should not spend their CPU parsing it per tx.
  const to = addressFromPublicKey(keyFor(999_999).publicKey);
  const feeds = node.clientKeys.map((key) => new TransferFeed(key, node.chainId, to));
  const nonces = await Promise.all(
    node.clientKeys.map((key) => accountNonce(node.url, toBech32(addressFromPublicKey(key.publicKey)))),
  );
  const presignRate = opts.presignRate ?? 0.6 * opts.verifyRate;
  const perClient = Math.ceil((presignRate * (warmupMs + durationMs)) / 1000 / feeds.length);
  for (const [c, feed] of feeds.entries()) feed.presign(nonces[c]!, perClient);
  const stopFollowing = await followBlocks(node.url, (txs, at) => {
    if (at >= windowStart && at < windowEnd) blocks++;
    for (const b64 of txs) {
      const s = submitted.get(b64);
      if (s === undefined) continue;
      submitted.delete(b64);
      outstanding[s.client]!--;
      if (at >= windowStart && at < windowEnd) inWindow++;
      // Latency of txs submitted inside the window (those before it queued behind the warm-up).
      if (s.at >= windowStart && s.at < windowEnd) latencies.push(at - s.at);
    }
  });
  try {
    const start = performance.now();
    windowStart = start + warmupMs;
    windowEnd = windowStart + durationMs;
    const cpuMarks = [
      setTimeout(() => {
        cpuAtStart = node.cpuMs();
        clientCpuAtStart = process.cpuUsage();
      }, warmupMs),
      setTimeout(() => {
        cpuAtEnd = node.cpuMs();
        clientCpu = process.cpuUsage(clientCpuAtStart);
      }, warmupMs + durationMs),
    ];
    await Promise.all(
      feeds.map(async (feed, c) => {
        let nonce = nonces[c]!;
        while (performance.now() < windowEnd) {
          if (outstanding[c]! >= maxOutstanding) {
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          // `batch` consecutive nonces in one JSON-RPC request (a batch is served in order).
          const txs = Array.from({ length: batch }, (_, i) => feed.get(nonce + i));
          const at = performance.now();
          for (const tx of txs) submitted.set(tx.base64, { at, client: c });
          outstanding[c]! += txs.length;
          const replies = await broadcast(
            node.url,
            txs.map((t) => t.base64),
          );
          let refused = false;
          for (const [i, r] of replies.entries()) {
            const tx = txs[i]!;
            if (!refused && (r.ok || /already in the mempool/.test(r.log))) {
              nonce++;
              continue;
            }
            // Refused (mempool full, busy): forget it and the rest; retry from its nonce.
            refused = true;
            if (submitted.delete(tx.base64)) outstanding[c]!--;
          }
          feed.dropBelow(nonce);
          if (refused) {
            rejected++;
            await new Promise((res) => setTimeout(res, 20));
          }
        }
      }),
    );
    for (const t of cpuMarks) clearTimeout(t);
    cpuAtEnd ??= node.cpuMs();
    clientCpu ??= process.cpuUsage(clientCpuAtStart);
    // Let what was submitted in the window commit, so its latency is counted.
    const drainDeadline = performance.now() + 30_000;
    while (submitted.size > 0 && performance.now() < drainDeadline)
      await new Promise((r) => setTimeout(r, 50));
  } finally {
    stopFollowing();
  }
  return throughputOf({ inWindow, durationMs, latencies, blocks, rejected, cpuAtStart, cpuAtEnd, clientCpu });
}

/** What a load window measured, as a NodeThroughput (sorts `latencies` in place). */
export function throughputOf(w: {
  readonly inWindow: number;
  readonly durationMs: number;
  readonly latencies: number[];
  readonly blocks: number;
  readonly rejected: number;
  readonly cpuAtStart: number | undefined;
  readonly cpuAtEnd: number | undefined;
  readonly clientCpu: NodeJS.CpuUsage;
}): NodeThroughput {
  const { inWindow, cpuAtStart, cpuAtEnd } = w;
  w.latencies.sort((a, b) => a - b);
  return {
    committedPerSec: inWindow / (w.durationMs / 1000),
    p50Ms: percentile(w.latencies, 0.5),
    p99Ms: percentile(w.latencies, 0.99),
    committed: inWindow,
    blocks: w.blocks,
    rejected: w.rejected,
    cpuMsPerTx:
      cpuAtStart === undefined || cpuAtEnd === undefined || inWindow === 0
        ? undefined
        : (cpuAtEnd - cpuAtStart) / inWindow,
    clientCpuMsPerTx: inWindow === 0 ? Number.NaN : (w.clientCpu.user + w.clientCpu.system) / 1000 / inWindow,
  };
}

/** Table rows for one measurement; `batch` > 1 labels the rows as JSON-RPC batches. */
export function nodeRows(t: NodeThroughput, verifyRate: number, clients: number, batch = 1): BenchRow[] {
  const how = batch > 1 ? `batches of ${batch}` : "one tx per request";
  const limit = { name: "1-core Ed25519 verify rate", value: Math.round(verifyRate), unit: "verifies/s" };
  const rows: BenchRow[] = [
    {
      group: "node",
      name: `committed transfers, ${clients} clients, broadcast_tx_sync ${how}`,
      value: Math.round(t.committedPerSec),
      unit: "tx/s",
      limit,
      target: "≥ 0.40 of limit",
      ok: t.committedPerSec >= 0.4 * verifyRate,
    },
    {
      group: "node",
      name: `submit→commit latency p50 (${how})`,
      value: Math.round(t.p50Ms),
      unit: "ms",
      target: "< 1500 ms",
      ok: t.p50Ms < 1500,
    },
    { group: "node", name: `submit→commit latency p99 (${how})`, value: Math.round(t.p99Ms), unit: "ms" },
  ];
  if (t.cpuMsPerTx !== undefined) {
    rows.push({
      group: "node",
      name: `node CPU per committed tx, all threads (${how})`,
      value: Math.round(t.cpuMsPerTx * 1000),
      unit: "µs",
      limit: { name: "one Ed25519 verify", value: Math.round(1e6 / verifyRate), unit: "µs" },
    });
  }
  rows.push({
    group: "node",
    name: `bench clients' CPU per committed tx (${how})`,
    value: Math.round(t.clientCpuMsPerTx * 1000),
    unit: "µs",
  });
  rows.push({
    group: "node",
    name: `txs per block, mean in window (${how})`,
    value: t.blocks === 0 ? 0 : Math.round(t.committed / t.blocks),
    unit: "tx",
  });
  return rows;
}
