import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FUND_AMOUNT } from "../../../src/cli/index.js";
import { toHexUpper } from "../../../src/codec/bytes.js";
import { loadConfig, loadNodeKey } from "../../../src/config/index.js";
import { addressFromPublicKey, parseAddress } from "../../../src/crypto/address.js";
import { loadGenesisFile, parseGenesisAccounts } from "../../../src/genesis/index.js";
import { openKeyring } from "../../../src/keyring/index.js";
import { peerIdFromSeed } from "../../../src/p2p/identity.js";
import { loadValidatorKey } from "../../../src/privval/index.js";
import { dccn, GENESIS_NOW } from "./run.js";

interface NodeJson {
  name: string;
  role: "validator" | "full";
  home: string;
  node_id: string;
  peer_id: string;
  rpc_url: string;
  p2p_addr: string;
  metrics_addr: string;
  validator_address: string | null;
  key: { name: string; address: string };
}
interface SummaryJson {
  chain_id: string;
  output_dir: string;
  base_port: number;
  nodes: NodeJson[];
}

let root: string;
let out: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "dccn-cli-testnet-"));
  out = join(root, "net");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const testnet = (...args: string[]) => dccn(["testnet", "--output-dir", out, "--output", "json", ...args]);

describe("dccn testnet", () => {
  it("writes 3 validators and a full node with one shared genesis, keys, peers and the port layout", async () => {
    const r = await testnet(
      "--validators",
      "3",
      "--full-nodes",
      "1",
      "--chain-id",
      "net-1",
      "--base-port",
      "40000",
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const s = r.json<SummaryJson>();
    expect(s).toMatchObject({ chain_id: "net-1", output_dir: out, base_port: 40000 });
    expect(s.nodes.map((n) => [n.name, n.role])).toEqual([
      ["node0", "validator"],
      ["node1", "validator"],
      ["node2", "validator"],
      ["node3", "full"],
    ]);
    expect(JSON.parse(readFileSync(join(out, "testnet.json"), "utf8"))).toEqual(s);
    expect(readdirSync(out).sort()).toEqual(["node0", "node1", "node2", "node3", "testnet.json"]);

    const genesisText = readFileSync(join(out, "node0", "config", "genesis.json"), "utf8");
    const genesis = loadGenesisFile(join(out, "node0", "config", "genesis.json"));
    expect(genesis.chainId).toBe("net-1");
    expect(genesis.genesisTimeMs).toBe(GENESIS_NOW);
    const accounts = parseGenesisAccounts(genesis.appStateJson);
    expect(accounts).toHaveLength(4);

    for (const [i, n] of s.nodes.entries()) {
      const home = join(out, n.name);
      expect(n.home).toBe(home);
      // One genesis for everyone.
      expect(readFileSync(join(home, "config", "genesis.json"), "utf8")).toBe(genesisText);

      // Ports: p2p base+10i, RPC base+1+10i, metrics base+4+10i.
      const cfg = loadConfig(home);
      expect(cfg.moniker).toBe(n.name);
      expect(cfg.p2p.laddr).toBe(`/ip4/127.0.0.1/tcp/${40000 + 10 * i}`);
      expect(cfg.rpc.laddr).toBe(`tcp://127.0.0.1:${40001 + 10 * i}`);
      expect(cfg.instrumentation.prometheusListenAddr).toBe(`127.0.0.1:${40004 + 10 * i}`);
      // The 4 nodes share this machine's cores: signature threads only beyond one core each.
      expect(cfg.app.signatureWorkers).toBe(Math.max(0, Math.floor(availableParallelism() / 4) - 1));
      expect(n.rpc_url).toBe(`http://127.0.0.1:${40001 + 10 * i}`);

      // The peer id is the libp2p identity of this home's node key.
      const nodeKey = loadNodeKey(join(home, "config", "node_key.json"));
      expect(n.node_id).toBe(nodeKey.nodeId);
      expect(n.peer_id).toBe(peerIdFromSeed(nodeKey.seed));
      expect(n.p2p_addr).toBe(`/ip4/127.0.0.1/tcp/${40000 + 10 * i}/p2p/${n.peer_id}`);

      // Every other node, and never itself, is a peer.
      const others = s.nodes.filter((o) => o.name !== n.name).map((o) => o.p2p_addr);
      expect(cfg.p2p.persistentPeers).toEqual(others);
      expect(cfg.p2p.bootstrapPeers).toEqual(others);

      // One funded key per node, in its own keyring.
      const key = await openKeyring(home).show(n.key.name);
      expect(n.key).toEqual({ name: key.name, address: key.address });
      expect(n.key.name).toBe(n.role === "validator" ? "validator" : "full");
      expect(accounts).toContainEqual({ address: parseAddress(key.address), balance: DEFAULT_FUND_AMOUNT });
    }

    // Validators are exactly the three validator homes' consensus keys; the full node is not one.
    const validatorKeys = await Promise.all(
      s.nodes
        .filter((n) => n.role === "validator")
        .map((n) => loadValidatorKey(join(n.home, "config", "priv_validator_key.json"))),
    );
    expect(genesis.validators).toEqual(
      validatorKeys.map((k, i) => ({
        address: addressFromPublicKey(k.publicKey),
        pubKey: k.publicKey,
        power: 10,
        name: `node${i}`,
      })),
    );
    expect(s.nodes.map((n) => n.validator_address)).toEqual([
      ...validatorKeys.map((k) => toHexUpper(addressFromPublicKey(k.publicKey))),
      null,
    ]);
    expect(new Set(s.nodes.map((n) => n.peer_id)).size).toBe(4);
  });

  it("uses the fixed ports by default and one address per node with --starting-ip", async () => {
    const r = await testnet("--validators", "2", "--starting-ip", "10.0.0.255", "--power", "7");
    expect(r.code).toBe(0);
    const s = r.json<SummaryJson>();
    expect(s.base_port).toBe(26656);
    expect(s.nodes.map((n) => n.rpc_url)).toEqual(["http://10.0.0.255:26657", "http://10.0.1.0:26667"]);
    const cfg1 = loadConfig(join(out, "node1"));
    expect(cfg1.p2p.laddr).toBe("/ip4/10.0.1.0/tcp/26666");
    expect(cfg1.rpc.laddr).toBe("tcp://0.0.0.0:26667");
    expect(cfg1.instrumentation.prometheusListenAddr).toBe("0.0.0.0:26670");
    // One machine per address: the node's own default.
    expect(cfg1.app.signatureWorkers).toBe(-1);
    expect(cfg1.p2p.persistentPeers).toEqual([s.nodes[0]!.p2p_addr]);
    expect(s.nodes[0]!.p2p_addr).toMatch(/^\/ip4\/10\.0\.0\.255\/tcp\/26656\/p2p\/12D3KooW/);
    const genesis = loadGenesisFile(join(out, "node0", "config", "genesis.json"));
    expect(genesis.validators.map((v) => v.power)).toEqual([7, 7]);
  });

  it("refuses to overwrite an earlier testnet without --force, and replaces all of it with --force", async () => {
    expect((await testnet("--validators", "3")).code).toBe(0);
    const before = readFileSync(join(out, "node0", "config", "genesis.json"), "utf8");
    const r = await testnet("--validators", "2");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: .*already holds a testnet.*--force.*\[TESTNET_OUTPUT_EXISTS\]\n$/);
    expect(readFileSync(join(out, "node0", "config", "genesis.json"), "utf8")).toBe(before);
    expect(readdirSync(out).sort()).toEqual(["node0", "node1", "node2", "testnet.json"]);

    mkdirSync(join(out, "notes"));
    const forced = await testnet("--validators", "2", "--force");
    expect(forced.code).toBe(0);
    // node2 of the old network is gone; files that are not the testnet's stay.
    expect(readdirSync(out).sort()).toEqual(["node0", "node1", "notes", "testnet.json"]);
    const genesis = loadGenesisFile(join(out, "node0", "config", "genesis.json"));
    expect(genesis.validators).toHaveLength(2);
    expect(readFileSync(join(out, "node0", "config", "genesis.json"), "utf8")).not.toBe(before);
  });

  it("writes nothing when a node fails half-way", async () => {
    let calls = 0;
    const real = await import("../../../src/privval/index.js");
    const r = await dccn(["testnet", "--output-dir", out, "--validators", "4"], {
      generateValidatorKeyFile: async (path) => {
        calls += 1;
        if (calls === 3) throw new Error("disk full");
        return real.generateValidatorKeyFile(path);
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("disk full");
    expect(readdirSync(out)).toEqual([]);
  });

  it.each<[string, string[], number, string]>([
    ["zero validators", ["--validators", "0"], 2, "must be a positive integer"],
    ["a port past 65535", ["--base-port", "70000"], 2, "must be a TCP port"],
    ["ports that overflow", ["--validators", "4", "--base-port", "65510"], 1, "[TESTNET_INVALID]"],
    ["a bad IPv4 address", ["--starting-ip", "10.0.0.256"], 1, "[TESTNET_INVALID]"],
    [
      "addresses past 255.255.255.255",
      ["--validators", "2", "--starting-ip", "255.255.255.255"],
      1,
      "[TESTNET_INVALID]",
    ],
    ["too many nodes", ["--validators", "90", "--full-nodes", "20"], 1, "[TESTNET_INVALID]"],
    ["a bad chain id", ["--chain-id", "x".repeat(51)], 1, "[GENESIS_INVALID]"],
    ["--home and --output-dir disagreeing", ["--home", "/elsewhere"], 2, "[CLI_USAGE]"],
  ])("rejects %s without writing anything", async (_name, args, code, message) => {
    const r = await testnet(...args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it("accepts --home as the output directory and prints a readable summary", async () => {
    const r = await dccn(["testnet", "--home", out, "--validators", "1", "--full-nodes", "1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`generated 2 nodes for chain dccn-localnet in ${out}`);
    expect(r.stdout).toMatch(/node1\s+full\s+rpc http:\/\/127\.0\.0\.1:26667/);
    expect(existsSync(join(out, "node1", "config", "config.toml"))).toBe(true);
  });
});
