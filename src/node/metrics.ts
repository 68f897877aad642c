/**
 * Prometheus metrics (`[instrumentation] prometheus = true`), served at
 * http://<prometheus_listen_addr>/metrics. Names follow CometBFT's where one exists
 * (`dccn_consensus_height` ~ `cometbft_consensus_height`), so existing dashboards adapt easily.
 * Values are read when scraped or updated from chain events; nothing here feeds consensus.
 */
import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { DccnError } from "../errors.js";
import type { EventBus, NewBlockEvent } from "../events/bus.js";
import type { Logger } from "../log.js";

export interface MetricsSources {
  readonly eventBus: EventBus;
  /** Height, round and step name of consensus in progress. */
  consensus(): { height: number; round: number };
  mempoolSize(): number;
  mempoolBytes(): number;
  peers(): number;
  catchingUp(): boolean;
}

export class MetricsServer {
  private constructor(
    private readonly server: Server,
    private readonly detach: () => void,
    readonly url: string,
  ) {}

  static async start(listen: string, src: MetricsSources, logger: Logger): Promise<MetricsServer> {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "dccn_process_" });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    gauge("dccn_consensus_height", "Height consensus is working on.", () => src.consensus().height);
    gauge("dccn_consensus_round", "Round of the height in progress.", () => src.consensus().round);
    gauge("dccn_mempool_size", "Pending txs in the mempool.", src.mempoolSize);
    gauge("dccn_mempool_size_bytes", "Total bytes of pending txs.", src.mempoolBytes);
    gauge("dccn_p2p_peers", "Connected peers.", src.peers);
    gauge("dccn_blocksync_syncing", "1 while block sync runs.", () => (src.catchingUp() ? 1 : 0));
    const blocks = new Counter({
      name: "dccn_blocks_total",
      help: "Blocks committed.",
      registers: [registry],
    });
    const txs = new Counter({ name: "dccn_txs_total", help: "Txs committed.", registers: [registry] });
    const failed = new Counter({
      name: "dccn_txs_failed_total",
      help: "Committed txs whose result code was not 0.",
      registers: [registry],
    });
    const blockSize = new Histogram({
      name: "dccn_block_size_bytes",
      help: "Encoded size of committed blocks.",
      buckets: [1024, 16_384, 131_072, 1_048_576, 4_194_304, 22_020_096],
      registers: [registry],
    });
    const interval = new Histogram({
      name: "dccn_block_interval_seconds",
      help: "Time between the headers of consecutive blocks.",
      buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30],
      registers: [registry],
    });
    let lastTimeMs: number | null = null;
    const onBlock = (e: NewBlockEvent) => {
      blocks.inc();
      txs.inc(e.block.txs.length);
      failed.inc(e.txResults.filter((r) => r.code !== 0).length);
      blockSize.observe(e.blockSize);
      if (lastTimeMs !== null) interval.observe(Math.max(0, e.block.header.timeMs - lastTimeMs) / 1000);
      lastTimeMs = e.block.header.timeMs;
    };
    src.eventBus.on("NewBlock", onBlock);

    const server = createServer((req, res) => {
      if (req.method !== "GET" || (req.url ?? "/").split("?")[0] !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found; metrics are at /metrics\n");
        return;
      }
      registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    const { host, port } = splitHostPort(listen);
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) =>
        reject(new DccnError("METRICS_LISTEN_FAILED", `cannot serve metrics on ${listen}: ${err.message}`)),
      );
      server.listen(port, host, () => resolve());
    });
    const url = `http://${listen}/metrics`;
    logger.info("metrics server listening", { url });
    return new MetricsServer(server, () => src.eventBus.off("NewBlock", onBlock), url);
  }

  async close(): Promise<void> {
    this.detach();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(":");
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(addr.slice(i + 1)) };
}
