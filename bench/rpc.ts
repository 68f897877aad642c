/**
 * RPC benchmarks against a running node (issue 8): requests/s for `status` and `abci_query`
 * with concurrent clients, broadcast_tx_sync/s, and websocket fan-out of NewBlock to 100
 * subscribers (how long after the first subscriber the last one has each block). Loopback only.
 */
import WebSocket from "ws";

export interface RpcBenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

export interface RpcBenchOptions {
  /** Concurrent HTTP clients (default 8). */
  readonly concurrency?: number;
  /** How long each request benchmark runs (default 3000 ms). */
  readonly durationMs?: number;
  readonly abciPath?: string;
  readonly abciData?: Uint8Array;
  /**
   * The i-th signed tx for broadcast_tx_sync (each must be new to the mempool). Without it,
   * unique malformed txs are sent: the row then measures the round trip to a CheckTx refusal.
   */
  readonly makeTx?: (i: number) => Uint8Array;
  /** Websocket subscribers for the fan-out row (default 100). */
  readonly subscribers?: number;
  /** NewBlock events measured (default 5); the node must be producing blocks. */
  readonly fanoutBlocks?: number;
  /** Give up waiting for blocks after this long (default 30000 ms). */
  readonly fanoutTimeoutMs?: number;
}

async function rpc(url: string, method: string, params: Record<string, unknown>): Promise<boolean> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown };
  return body.result !== undefined;
}

/** Calls `one(i)` from `concurrency` workers until the time is up; answered calls per second. */
async function throughput(
  concurrency: number,
  durationMs: number,
  one: (i: number) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let ok = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (await one(next++)) ok++;
      }
    }),
  );
  return ok / ((performance.now() - start) / 1000);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** Per block: ms between the first and the last of `n` subscribers receiving its NewBlock. */
async function fanout(wsUrl: string, n: number, blocks: number, timeoutMs: number): Promise<number[]> {
  const arrivals = new Map<string, number[]>();
  const sockets: WebSocket[] = [];
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const ws = new WebSocket(`${wsUrl}/websocket`);
        sockets.push(ws);
        await new Promise<void>((resolve, reject) => {
          ws.once("error", reject);
          ws.once("open", () => resolve());
        });
        const subscribed = new Promise<void>((resolve) => {
          ws.on("message", (data) => {
            const m = JSON.parse(data.toString()) as {
              result?: { query?: string; data?: { value?: { block?: { header?: { height?: string } } } } };
            };
            const height = m.result?.data?.value?.block?.header?.height;
            if (m.result?.query === undefined) return resolve();
            if (height === undefined) return;
            const list = arrivals.get(height) ?? [];
            list.push(performance.now());
            arrivals.set(height, list);
          });
        });
        ws.send(
          JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "subscribe",
            params: { query: "tm.event='NewBlock'" },
          }),
        );
        await subscribed;
      }),
    );
    const complete = (): number[] =>
      [...arrivals.values()].filter((t) => t.length === n).map((t) => Math.max(...t) - Math.min(...t));
    const deadline = performance.now() + timeoutMs;
    while (complete().length < blocks && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return complete().slice(0, blocks);
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

export async function benchRpc(
  url = "http://127.0.0.1:26657",
  opts: RpcBenchOptions = {},
): Promise<RpcBenchRow[]> {
  const concurrency = opts.concurrency ?? 8;
  const durationMs = opts.durationMs ?? 3000;
  const rows: RpcBenchRow[] = [];

  const status = await throughput(concurrency, durationMs, () => rpc(url, "status", {}));
  rows.push({ name: `rpc status (${concurrency} clients)`, value: Math.round(status), unit: "req/s" });

  const data = Buffer.from(opts.abciData ?? new Uint8Array(0)).toString("hex");
  const path = opts.abciPath ?? "/app/params";
  const query = await throughput(concurrency, durationMs, () => rpc(url, "abci_query", { path, data }));
  rows.push({
    name: `rpc abci_query ${path} (${concurrency} clients)`,
    value: Math.round(query),
    unit: "req/s",
  });

  const makeTx = opts.makeTx;
  const txBytes = (i: number): Uint8Array =>
    makeTx ? makeTx(i) : Buffer.from(`bench-malformed-tx-${process.pid}-${Date.now()}-${i}`);
  const broadcast = await throughput(concurrency, durationMs, (i) =>
    rpc(url, "broadcast_tx_sync", { tx: Buffer.from(txBytes(i)).toString("base64") }),
  );
  rows.push({
    name: makeTx ? "rpc broadcast_tx_sync" : "rpc broadcast_tx_sync (refused txs)",
    value: Math.round(broadcast),
    unit: "tx/s",
  });

  const subscribers = opts.subscribers ?? 100;
  const spreads = await fanout(
    url.replace(/^http/, "ws"),
    subscribers,
    opts.fanoutBlocks ?? 5,
    opts.fanoutTimeoutMs ?? 30_000,
  );
  if (spreads.length > 0) {
    const sorted = [...spreads].sort((a, b) => a - b);
    rows.push({
      name: `ws NewBlock fan-out to ${subscribers} subscribers, first→last (p50)`,
      value: Number(percentile(sorted, 0.5).toFixed(2)),
      unit: "ms",
    });
    rows.push({
      name: `ws NewBlock fan-out to ${subscribers} subscribers, first→last (max)`,
      value: Number((sorted.at(-1) ?? 0).toFixed(2)),
      unit: "ms",
    });
  }
  return rows;
}
