/**
 * The `dccn` program end to end, as a user runs it: the compiled CLI against a real node child
 * process, with `--output json` parsed as exactly one JSON value, and wrong arguments answered
 * with one line on stderr and a non-zero exit status.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBase64, fromHex, toBase64 } from "../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../src/crypto/address.js";
import { PrivateKey } from "../../src/crypto/ed25519.js";
import {
  FAST_CONSENSUS,
  freePorts,
  NodeProcess,
  patchToml,
  runCli,
  runCliJson,
  tempDir,
  waitForHeight,
} from "./harness.js";

interface KeyJson {
  readonly name: string;
  readonly address: string;
  readonly pubkey: string;
}

const ONE_AND_A_HALF_ANKR = 1_500_000_000_000_000_000n;
const GENESIS_FUNDS = 1_000_000_000n * 10n ** 18n;

describe("dccn CLI end to end", () => {
  let home: string;
  let node: NodeProcess;
  let closedPort: number;
  let init: { home: string; chain_id: string; key: KeyJson; validator: { address: string } };

  beforeAll(async () => {
    home = tempDir("cli");
    init = runCliJson(["init", "--home", home, "--chain-id", "e2e-cli", "--moniker", "cli-node"]);
    const [rpcPort, p2pPort, unused] = (await freePorts(3)) as [number, number, number];
    closedPort = unused;
    const configFile = join(home, "config", "config.toml");
    patchToml(configFile, "rpc", { laddr: `tcp://127.0.0.1:${rpcPort}` });
    patchToml(configFile, "p2p", { laddr: `/ip4/127.0.0.1/tcp/${p2pPort}` });
    patchToml(configFile, "consensus", FAST_CONSENSUS);
    node = new NodeProcess(home, rpcPort);
    await node.start();
    await waitForHeight(node.rpcUrl, 1);
  });

  afterAll(async () => {
    await node?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("prints the version as one JSON value", () => {
    const v = runCliJson<{ version: string }>(["version"]);
    expect(v.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("init reports the home, chain and a funded validator key", () => {
    expect(init.home).toBe(home);
    expect(init.chain_id).toBe("e2e-cli");
    expect(init.key.name).toBe("validator");
    expect(toBech32(addressFromPublicKey(fromBase64(init.key.pubkey)))).toBe(init.key.address);
    expect(init.validator.address).toMatch(/^[0-9A-F]{40}$/);
  });

  it("keys add, list, show and export agree with each other", () => {
    const added = runCliJson<KeyJson>(["keys", "add", "alice", "--home", home]);
    expect(added.name).toBe("alice");
    expect(toBech32(addressFromPublicKey(fromBase64(added.pubkey)))).toBe(added.address);

    const listed = runCliJson<KeyJson[]>(["keys", "list", "--home", home]);
    expect(listed.map((k) => k.name).sort()).toEqual(["alice", "validator"]);
    expect(listed.find((k) => k.name === "alice")).toEqual(added);

    expect(runCliJson<KeyJson>(["keys", "show", "alice", "--home", home])).toEqual(added);

    const exported = runCliJson<{ name: string; address: string; seed: string }>([
      "keys",
      "export",
      "alice",
      "--home",
      home,
    ]);
    expect(exported.address).toBe(added.address);
    expect(toBase64(PrivateKey.fromSeed(fromHex(exported.seed)).publicKey)).toBe(added.pubkey);
  });

  it("tx send commits, and query account/tx/block show exactly what it did", () => {
    const alice = runCliJson<KeyJson>(["keys", "show", "alice", "--home", home]);
    const sent = runCliJson<{ hash: string; code: number; height: number }>([
      "tx",
      "send",
      "--from",
      "validator",
      "--to",
      alice.address,
      "--amount",
      "1.5ankr",
      "--gas-price",
      "2",
      "--home",
      home,
    ]);
    expect(sent.code).toBe(0);
    expect(sent.hash).toMatch(/^[0-9A-F]{64}$/);
    expect(sent.height).toBeGreaterThan(0);

    const tx = runCliJson<{ hash: string; height: string; tx_result: { code: number; gas_used: string } }>([
      "query",
      "tx",
      sent.hash,
      "--home",
      home,
    ]);
    expect(tx.hash).toBe(sent.hash);
    expect(Number(tx.height)).toBe(sent.height);
    expect(tx.tx_result.code).toBe(0);
    const fee = BigInt(tx.tx_result.gas_used) * 2n;
    expect(fee).toBeGreaterThan(0n);

    const block = runCliJson<{ block: { header: { height: string }; data: { txs: string[] } } }>([
      "query",
      "block",
      String(sent.height),
      "--home",
      home,
    ]);
    expect(block.block.header.height).toBe(String(sent.height));
    expect(block.block.data.txs).toHaveLength(1);

    type AccountJson = { address: string; balance: string; nonce: number };
    expect(runCliJson<AccountJson>(["query", "account", alice.address, "--home", home])).toEqual({
      address: alice.address,
      balance: ONE_AND_A_HALF_ANKR.toString(),
      nonce: 0,
    });
    expect(runCliJson<AccountJson>(["query", "account", init.key.address, "--home", home])).toEqual({
      address: init.key.address,
      balance: (GENESIS_FUNDS - ONE_AND_A_HALF_ANKR - fee).toString(),
      nonce: 1,
    });

    // The new key can spend what it received; commit mode waits in broadcast_tx_commit.
    const back = runCliJson<{ code: number; height: number }>([
      "tx",
      "send",
      "--from",
      "alice",
      "--to",
      init.key.address,
      "--amount",
      "1000",
      "--broadcast-mode",
      "commit",
      "--home",
      home,
    ]);
    expect(back.code).toBe(0);
    expect(back.height).toBeGreaterThanOrEqual(sent.height);
    const after = runCliJson<AccountJson>(["query", "account", alice.address, "--home", home]);
    expect(after).toEqual({
      address: alice.address,
      balance: (ONE_AND_A_HALF_ANKR - 1000n).toString(),
      nonce: 1,
    });
  });

  const wrong: [string, (h: string, port: number) => string[]][] = [
    ["an unknown command", () => ["frobnicate"]],
    ["a group without its sub-command", (h) => ["keys", "--home", h]],
    ["init without --chain-id", (h) => ["init", "--home", join(h, "not-created")]],
    ["init over an existing home", (h) => ["init", "--home", h, "--chain-id", "x"]],
    ["an unknown output format", () => ["version", "--output", "yaml"]],
    ["a key that does not exist", (h) => ["keys", "show", "nobody", "--home", h]],
    ["a key name already taken", (h) => ["keys", "add", "validator", "--home", h]],
    ["a malformed address", (h) => ["query", "account", "ankr1xyz", "--home", h]],
    ["a non-numeric height", (h) => ["query", "block", "abc", "--home", h]],
    ["a malformed tx hash", (h) => ["query", "tx", "zz", "--home", h]],
    ["an unknown tx hash", (h) => ["query", "tx", "AB".repeat(32), "--home", h]],
    [
      "a negative amount",
      (h) => ["tx", "send", "--from", "validator", "--to", "ankr1xyz", "--amount", "-1", "--home", h],
    ],
    ["a send without --to", (h) => ["tx", "send", "--from", "validator", "--amount", "1", "--home", h]],
    [
      "more than the balance",
      (h) => [
        "tx",
        "send",
        "--from",
        "alice",
        "--to",
        init.key.address,
        "--amount",
        "1000000ankr",
        "--home",
        h,
      ],
    ],
    [
      "a node that is not running",
      (h, port) => ["query", "account", init.key.address, "--home", h, "--node", `http://127.0.0.1:${port}`],
    ],
  ];

  it.each(wrong)("answers %s with one line on stderr and a non-zero exit", (_what, args) => {
    const r = runCli([...args(home, closedPort), "--output", "json"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error/);
  });
});
