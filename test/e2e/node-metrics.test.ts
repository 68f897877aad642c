/** `[instrumentation] prometheus = true` serves Prometheus metrics that follow the chain. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePorts, initTestHome, NodeProcess, waitFor, waitForHeight } from "./harness.js";

/** The value of an unlabelled sample in Prometheus text format. */
function sample(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("metrics endpoint", () => {
  let node: NodeProcess;
  let metricsUrl: string;
  beforeAll(async () => {
    const [port] = (await freePorts(1)) as [number];
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const t = await initTestHome("metrics", {
      chainId: "dccn-metrics-e2e",
      config: { instrumentation: { prometheus: true, prometheus_listen_addr: `127.0.0.1:${port}` } },
    });
    node = new NodeProcess(t.home, t.rpcPort);
    await node.start();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it("reports committed blocks and the consensus height", async () => {
    await waitForHeight(node.rpcUrl, 3);
    const text = await waitFor("metrics with 3 blocks", async () => {
      const body = await (await fetch(metricsUrl)).text();
      return (sample(body, "dccn_blocks_total") ?? 0) >= 3 ? body : undefined;
    });
    // During the commit wait consensus still reports the height it just decided.
    expect(sample(text, "dccn_consensus_height")).toBeGreaterThanOrEqual(3);
    expect(sample(text, "dccn_mempool_size")).toBe(0);
    expect(sample(text, "dccn_p2p_peers")).toBe(0);
    expect(text).toContain("# TYPE dccn_block_interval_seconds histogram");
    expect((await fetch(metricsUrl.replace("/metrics", "/nope"))).status).toBe(404);
  });
});
