import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeLocalnet } from "../../../src/cli/commands/localnet.js";
import { generateTestnet, readTestnetSummary } from "../../../src/cli/commands/testnet.js";
import { isDccnError } from "../../../src/errors.js";
import { generateValidatorKeyFile } from "../../../src/privval/index.js";
import { dccn, GENESIS_NOW } from "./run.js";

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "dccn-cli-localnet-"));
  dir = join(root, "net");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const generate = (basePort = 26656) =>
  generateTestnet({
    outputDir: dir,
    validators: 4,
    fullNodes: 1,
    chainId: "dccn-localnet",
    basePort,
    genesisTimeMs: GENESIS_NOW,
    generateValidatorKeyFile,
  });

function listenOnFreePort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

describe("testnet.json", () => {
  it("reads back exactly what generateTestnet wrote", async () => {
    const written = await generate();
    expect(readTestnetSummary(dir)).toEqual(written);
    expect(readTestnetSummary(join(root, "elsewhere"))).toBeUndefined();
  });

  it.each([
    ["not JSON", "{"],
    ["no nodes", '{"chain_id":"c"}'],
    ["a node without its rpc url", '{"chain_id":"c","nodes":[{"name":"node0","role":"validator"}]}'],
    ["a node of an unknown role", '{"chain_id":"c","nodes":[{"name":"node0","role":"relay"}]}'],
  ])("is refused when it has %s", (_name, text) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "testnet.json"), text);
    let caught: unknown;
    try {
      readTestnetSummary(dir);
    } catch (err) {
      caught = err;
    }
    expect(isDccnError(caught, "TESTNET_INVALID")).toBe(true);
  });
});

describe("dccn localnet", () => {
  it("needs a sub-command", async () => {
    const r = await dccn(["localnet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dccn localnet <start|stop|status|reset>");
  });

  it("reports no network in an empty directory", async () => {
    const r = await dccn(["localnet", "status", "--home", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`no localnet in ${dir}`);
    expect((await dccn(["localnet", "stop", "--home", dir, "--output", "json"])).json()).toEqual({
      nodes: [],
    });
  });

  it("never signals a process its pid file names unless it is that node's `dccn start`", async () => {
    await generate();
    // A stale pid file naming a live process that is not a node: this very test runner.
    writeFileSync(join(dir, "node0.pid"), `${process.pid}\n`);
    const r = await dccn(["localnet", "stop", "--home", dir, "--output", "json"]);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ nodes: [] });
    expect(readdirSync(dir)).not.toContain("node0.pid");
    const status = await dccn(["localnet", "status", "--home", dir, "--output", "json"]);
    const nodes = status.json<{ nodes: { name: string; pid: number | null; role: string }[] }>().nodes;
    expect(nodes.map((n) => [n.name, n.role, n.pid])).toEqual([
      ["node0", "validator", null],
      ["node1", "validator", null],
      ["node2", "validator", null],
      ["node3", "validator", null],
      ["node4", "full", null],
    ]);
  });

  it("refuses to start when a port of the layout belongs to another program, and starts nothing", async () => {
    const squatter = await listenOnFreePort();
    try {
      const taken = (squatter.address() as import("node:net").AddressInfo).port;
      // node0's RPC port is base+1.
      const r = await dccn(["localnet", "start", "--home", dir, "--base-port", String(taken - 1)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`node0: port ${taken} is taken.*\\[LOCALNET_PORT_IN_USE\\]`));
      // The network was generated, but no node runs and no pid file or lock is left.
      expect(readdirSync(dir).sort()).toEqual(["node0", "node1", "node2", "node3", "node4", "testnet.json"]);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it("reset deletes the network's files and keeps anything else", async () => {
    await generate();
    writeFileSync(join(dir, "node0.log"), "log\n");
    writeFileSync(join(dir, "notes.txt"), "mine\n");
    const removed = removeLocalnet(dir);
    expect(removed.sort()).toEqual([
      "node0",
      "node0.log",
      "node1",
      "node2",
      "node3",
      "node4",
      "testnet.json",
    ]);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
    rmSync(join(dir, "notes.txt"));
    const r = await dccn(["localnet", "reset", "--home", dir]);
    expect(r.code).toBe(0);
    expect(readdirSync(root)).toEqual([]);
  });
});
