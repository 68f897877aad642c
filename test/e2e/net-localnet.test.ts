/**
 * `npm run localnet` / `localnet:stop` (localnet/run.mjs → `dccn localnet`) on a temp dir and a
 * free port range.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc, tempDir } from "./harness.js";
import { freeBasePort } from "./net-cluster.js";

const SCRIPT = resolve(import.meta.dirname, "../../localnet/run.mjs");
const NODES = ["node0", "node1", "node2", "node3", "node4"];

/** Running (a zombie, exited but not yet reaped by whoever inherited it, counts as gone). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("localnet/run.mjs", () => {
  let dir: string;
  let env: Record<string, string>;
  const run = (command: string) => {
    const r = spawnSync(process.execPath, [SCRIPT, command], {
      encoding: "utf8",
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const pids = () => NODES.map((n) => Number(readFileSync(join(dir, `${n}.pid`), "utf8").trim()));

  beforeAll(async () => {
    dir = tempDir("localnet");
    env = { DCCN_LOCALNET_DIR: dir, DCCN_LOCALNET_BASE_PORT: String(await freeBasePort(5)) };
  });
  afterAll(() => {
    run("stop");
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts 4 validators and a full node once, and stops them all", async () => {
    const first = run("start");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, "testnet.json"), "utf8")) as {
      nodes: { name: string; role: string; rpc_url: string }[];
    };
    expect(summary.nodes.map((n) => n.role)).toEqual([
      "validator",
      "validator",
      "validator",
      "validator",
      "full",
    ]);
    // Every RPC answers by the time start returns, and the script names each URL.
    for (const n of summary.nodes) {
      expect(first.stdout).toContain(n.rpc_url);
      const st = await rpc<{ node_info: { moniker: string } }>(n.rpc_url, "status");
      expect(st.node_info.moniker).toBe(n.name);
      expect(existsSync(join(dir, `${n.name}.log`))).toBe(true);
    }
    const started = pids();
    expect(started.every(isAlive)).toBe(true);

    // A second start finds them running and starts nothing.
    const second = run("start");
    expect(second.code).toBe(0);
    for (const n of NODES) expect(second.stdout).toMatch(new RegExp(`${n} .* already running`));
    expect(pids()).toEqual(started);

    const stopped = run("stop");
    expect(stopped.code).toBe(0);
    expect(started.some(isAlive)).toBe(false);
    for (const n of NODES) expect(existsSync(join(dir, `${n}.pid`))).toBe(false);
    // The homes stay: the next start continues the same chain.
    expect(existsSync(join(dir, "node0", "config", "genesis.json"))).toBe(true);
  }, 180_000);
});
