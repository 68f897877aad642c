import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toHex } from "../../../src/codec/bytes.js";
import {
  buildConfig,
  ConfigError,
  configPaths,
  defaultConfig,
  generateNodeKeyFile,
  loadConfig,
  loadNodeKey,
  parseConfigToml,
  rpcUrlFromLaddr,
  serializeConfig,
  writeDefaultConfig,
} from "../../../src/config/index.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "dccn-config-"));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("config defaults", () => {
  it("match the documented CometBFT-like values", () => {
    const c = defaultConfig(home);
    expect(c.home).toBe(home);
    expect(c.rpc.laddr).toBe("tcp://127.0.0.1:26657");
    expect(c.p2p.laddr).toBe("/ip4/127.0.0.1/tcp/26656");
    expect(c.consensus).toMatchObject({
      timeoutProposeMs: 3000,
      timeoutProposeDeltaMs: 500,
      timeoutPrevoteMs: 1000,
      timeoutPrevoteDeltaMs: 500,
      timeoutPrecommitMs: 1000,
      timeoutPrecommitDeltaMs: 500,
      timeoutCommitMs: 1000,
      createEmptyBlocks: true,
    });
    expect(c.app.minimumGasPrice).toBe(0n);
    expect(c.instrumentation).toEqual({ prometheus: false, prometheusListenAddr: "127.0.0.1:26660" });
    expect(c.log).toEqual({ level: "info", format: "plain" });
  });
});

describe("config round trip", () => {
  it("writes a file that loads back to the same config", () => {
    const written = writeDefaultConfig(home, { moniker: "node0" });
    const loaded = loadConfig(home);
    expect(loaded).toEqual(written);
    expect(loaded.moniker).toBe("node0");
    const text = readFileSync(join(home, "config", "config.toml"), "utf8");
    for (const section of [
      "[rpc]",
      "[p2p]",
      "[mempool]",
      "[consensus]",
      "[app]",
      "[instrumentation]",
      "[log]",
    ]) {
      expect(text).toContain(section);
    }
    expect(text).toContain('laddr = "tcp://127.0.0.1:26657"');
  });

  it("keeps every non-default value through serialize and parse", () => {
    const c = buildConfig(home, {
      moniker: "validator-7",
      dbDir: "/var/lib/dccn",
      rpc: {
        laddr: "tcp://0.0.0.0:36657",
        maxBodyBytes: 2048,
        maxBatchSize: 3,
        corsAllowedOrigins: ["https://wallet.example", "*"],
        timeoutBroadcastTxCommitMs: 2500,
        maxOpenConnections: 0,
        rateLimitPerIp: 50,
      },
      p2p: {
        laddr: "/ip4/0.0.0.0/tcp/36656",
        bootstrapPeers: ["/dns4/seed.example/tcp/26656/p2p/12D3KooWabc"],
        persistentPeers: ["/ip4/10.0.0.2/tcp/26656"],
      },
      mempool: {
        size: 7,
        maxTxsBytes: 9000,
        maxTxBytes: 900,
        cacheSize: 0,
        recheck: false,
        gossipBatchWaitMs: 25,
      },
      consensus: { timeoutProposeMs: 10, timeoutCommitMs: 0, createEmptyBlocks: false, walFile: "wal/x" },
      app: { minimumGasPrice: 123456789012345678901234567890n },
      instrumentation: { prometheus: true, prometheusListenAddr: "0.0.0.0:36660" },
      log: { level: "debug", format: "json" },
    });
    expect(parseConfigToml(serializeConfig(c), home)).toEqual(c);
    expect(c.app.minimumGasPrice).toBe(123456789012345678901234567890n);
    expect(c.rpc.corsAllowedOrigins).toEqual(["https://wallet.example", "*"]);
  });

  it("fills keys missing from the file with defaults", () => {
    const c = parseConfigToml('moniker = "x"\n[rpc]\nmax_batch_size = 4\n', home);
    expect(c.moniker).toBe("x");
    expect(c.rpc.maxBatchSize).toBe(4);
    expect(c.rpc.laddr).toBe("tcp://127.0.0.1:26657");
    expect(c.mempool).toEqual(defaultConfig(home).mempool);
  });
});

describe("config validation", () => {
  const cases: [string, string, string][] = [
    ["unknown top-level key", 'monikr = "x"\n', "monikr"],
    ["unknown section", "[rcp]\nladdr = 1\n", "rcp"],
    ["unknown key in a section", "[rpc]\nmax_body = 10\n", "rpc.max_body"],
    ["string for an integer", '[rpc]\nmax_body_bytes = "big"\n', "rpc.max_body_bytes"],
    ["negative integer", "[mempool]\nsize = -1\n", "mempool.size"],
    ["float for an integer", "[consensus]\ntimeout_propose_ms = 1.5\n", "consensus.timeout_propose_ms"],
    ["bad rpc address", '[rpc]\nladdr = "127.0.0.1:26657"\n', "rpc.laddr"],
    ["port out of range", '[rpc]\nladdr = "tcp://127.0.0.1:70000"\n', "rpc.laddr"],
    ["bad multiaddr", '[p2p]\nladdr = "tcp://127.0.0.1:26656"\n', "p2p.laddr"],
    [
      "bad peer in a list",
      '[p2p]\nbootstrap_peers = ["/ip4/1.2.3.4/tcp/1", "nope"]\n',
      "p2p.bootstrap_peers[1]",
    ],
    ["string for a list", '[p2p]\npersistent_peers = "/ip4/1.2.3.4/tcp/1"\n', "p2p.persistent_peers"],
    ["number for a bool", "[mempool]\nrecheck = 1\n", "mempool.recheck"],
    ["number for the gas price", "[app]\nminimum_gas_price = 5\n", "app.minimum_gas_price"],
    ["fractional gas price", '[app]\nminimum_gas_price = "0.5"\n', "app.minimum_gas_price"],
    ["signature workers below -1", "[app]\nsignature_workers = -2\n", "app.signature_workers"],
    ["negative gossip batch wait", "[mempool]\ngossip_batch_wait_ms = -1\n", "mempool.gossip_batch_wait_ms"],
    ["unknown log level", '[log]\nlevel = "verbose"\n', "log.level"],
    ["unknown log format", '[log]\nformat = "xml"\n', "log.format"],
    ["empty moniker", 'moniker = ""\n', "moniker"],
    ["section given as a value", 'rpc = "x"\n', "rpc"],
    [
      "bad metrics address",
      '[instrumentation]\nprometheus_listen_addr = "26660"\n',
      "instrumentation.prometheus_listen_addr",
    ],
    ["tx larger than the pool", "[mempool]\nmax_txs_bytes = 10\nmax_tx_bytes = 11\n", "mempool.max_tx_bytes"],
  ];
  it.each(cases)("rejects %s, naming the key", (_name, toml, key) => {
    const err = configError(() => parseConfigToml(toml, home));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.meta.key).toBe(key);
    expect(err.message).toContain(key);
  });

  it("reports TOML syntax errors with their line", () => {
    const err = configError(() => parseConfigToml('moniker = "x"\n[rpc\n', home));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toMatch(/line 2/);
    expect(err.message).not.toContain("\n");
  });

  it("validates overrides like a file", () => {
    const err = configError(() => buildConfig(home, { rpc: { maxBatchSize: 0 } }));
    expect(err.meta.key).toBe("rpc.max_batch_size");
    const err2 = configError(() => writeDefaultConfig(home, { moniker: "" }));
    expect(err2.meta.key).toBe("moniker");
    expect(() => statSync(join(home, "config", "config.toml"))).toThrow();
  });

  it("says how to create a home when there is no config", () => {
    const err = configError(() => loadConfig(join(home, "nowhere")));
    expect(err.code).toBe("CONFIG_NOT_FOUND");
    expect(err.message).toContain("dccn init");
  });

  it("rejects a config file with a bad value when loading", () => {
    writeDefaultConfig(home);
    writeFileSync(join(home, "config", "config.toml"), '[consensus]\ncreate_empty_blocks = "yes"\n');
    expect(configError(() => loadConfig(home)).meta.key).toBe("consensus.create_empty_blocks");
  });
});

describe("paths and addresses", () => {
  it("resolves relative paths in the home and keeps absolute ones", () => {
    const p = configPaths(buildConfig(home, { dbDir: "/srv/db" }));
    expect(p.genesisFile).toBe(join(home, "config", "genesis.json"));
    expect(p.privValidatorStateFile).toBe(join(home, "data", "priv_validator_state.json"));
    expect(p.walFile).toBe(join(home, "data", "cs.wal", "wal"));
    expect(p.keyringTestDir).toBe(join(home, "keyring-test"));
    expect(p.dbDir).toBe("/srv/db");
  });

  it("turns an RPC listen address into a reachable URL", () => {
    expect(rpcUrlFromLaddr("tcp://127.0.0.1:26657")).toBe("http://127.0.0.1:26657");
    expect(rpcUrlFromLaddr("tcp://0.0.0.0:26667")).toBe("http://127.0.0.1:26667");
    expect(rpcUrlFromLaddr("tcp://[::]:26657")).toBe("http://[::1]:26657");
  });
});

describe("node key", () => {
  it("is written in CometBFT's shape and loads back with the same identity", () => {
    const path = join(home, "config", "node_key.json");
    const created = generateNodeKeyFile(path);
    const loaded = loadNodeKey(path);
    expect(loaded.publicKey).toEqual(created.publicKey);
    expect(loaded.nodeId).toBe(created.nodeId);
    expect(loaded.nodeId).toBe(toHex(addressFromPublicKey(loaded.publicKey)));
    expect(PrivateKey.fromSeed(loaded.seed).publicKey).toEqual(loaded.publicKey);
    const doc = JSON.parse(readFileSync(path, "utf8")) as { priv_key: { type: string; value: string } };
    expect(doc.priv_key.type).toBe("tendermint/PrivKeyEd25519");
    expect(Buffer.from(doc.priv_key.value, "base64")).toHaveLength(64);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("never overwrites an existing key", () => {
    const path = join(home, "node_key.json");
    const first = generateNodeKeyFile(path);
    expect(() => generateNodeKeyFile(path)).toThrow(/EEXIST/);
    expect(loadNodeKey(path).nodeId).toBe(first.nodeId);
  });

  it("rejects a key whose public half does not match", () => {
    const path = join(home, "node_key.json");
    generateNodeKeyFile(path);
    const doc = JSON.parse(readFileSync(path, "utf8")) as { priv_key: { value: string } };
    const raw = Buffer.from(doc.priv_key.value, "base64");
    raw[63] = (raw[63] ?? 0) ^ 1;
    doc.priv_key.value = raw.toString("base64");
    writeFileSync(path, JSON.stringify(doc));
    expect(() => loadNodeKey(path)).toThrow(expect.objectContaining({ code: "NODE_KEY_INVALID" }));
  });
});
