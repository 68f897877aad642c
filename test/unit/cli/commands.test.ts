import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeMsgSend } from "../../../src/client/index.js";
import { fromBase64, toBase64, utf8 } from "../../../src/codec/bytes.js";
import { writeDefaultConfig } from "../../../src/config/index.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import { decodeTx } from "../../../src/types/tx.js";
import { execResult, type FakeRpc, RpcFailure, startFakeRpc } from "../client/fake-rpc.js";
import { dccn } from "./run.js";

let home: string;
let server: FakeRpc | undefined;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "dccn-cli-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(home, { recursive: true, force: true });
});

interface KeyJson {
  name: string;
  address: string;
  pubkey: string;
}
const SEED = "0202020202020202020202020202020202020202020202020202020202020202";
const seedAddress = toBech32(addressFromPublicKey(PrivateKey.fromSeed(Buffer.from(SEED, "hex")).publicKey));

/** A failing run: non-zero status, nothing on stdout, exactly one line on stderr. */
function expectOneLineError(r: { code: number; stdout: string; stderr: string }, code: number): void {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^[^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
}

describe("dccn keys", () => {
  const keys = (...args: string[]) => dccn(["keys", ...args, "--home", home, "--output", "json"]);

  it("adds, shows, lists, exports, imports and deletes with the documented JSON shapes", async () => {
    const added = await keys("add", "alice");
    expect(added.code).toBe(0);
    const alice = added.json<KeyJson>();
    expect(Object.keys(alice).sort()).toEqual(["address", "name", "pubkey"]);
    expect(alice.name).toBe("alice");
    expect(parseAddress(alice.address)).toEqual(addressFromPublicKey(fromBase64(alice.pubkey)));

    expect((await keys("show", "alice")).json()).toEqual(alice);

    const imported = await keys("import", "bob", SEED);
    expect(imported.json()).toEqual({ name: "bob", address: seedAddress, pubkey: expect.any(String) });

    expect((await keys("list")).json<KeyJson[]>().map((k) => k.name)).toEqual(["alice", "bob"]);

    const exported = await keys("export", "bob");
    expect(exported.json()).toEqual({ name: "bob", address: seedAddress, seed: SEED });

    const deleted = await keys("delete", "alice");
    expect(deleted.json()).toEqual({ ...alice, deleted: true });
    expect((await keys("list")).json<KeyJson[]>().map((k) => k.name)).toEqual(["bob"]);
  });

  it("imports a seed from stdin when none is given", async () => {
    const r = await dccn(["keys", "import", "carol", "--home", home, "-o", "json"], {}, `${SEED}\n`);
    expect(r.code).toBe(0);
    expect(r.json<KeyJson>().address).toBe(seedAddress);
  });

  it("prints text by default, and only the address with show -a", async () => {
    await keys("import", "bob", SEED);
    const shown = await dccn(["keys", "show", "bob", "--home", home]);
    expect(shown.stdout).toContain(`address: ${seedAddress}`);
    expect((await dccn(["keys", "show", "bob", "-a", "--home", home])).stdout).toBe(`${seedAddress}\n`);
    expect((await dccn(["keys", "export", "bob", "--home", home])).stdout).toBe(`${SEED}\n`);
    expect((await dccn(["keys", "list", "--home", home])).stdout).toBe(`bob\t${seedAddress}\n`);
  });

  it("reports keyring errors as one line with their code", async () => {
    const missing = await keys("show", "ghost");
    expectOneLineError(missing, 1);
    expect(missing.stderr).toContain("[KEY_NOT_FOUND]");
    await keys("add", "dup");
    expect((await keys("add", "dup")).stderr).toContain("[KEY_EXISTS]");
    expect((await keys("add", "../x")).stderr).toContain("[KEY_NAME_INVALID]");
    expect((await keys("import", "x", "abc")).stderr).toContain("[KEY_SEED_INVALID]");
  });
});

describe("command-line errors", () => {
  it.each<[string, string[], RegExp]>([
    ["no command", [], /missing command/],
    ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ["a group without a sub-command", ["keys"], /missing command: dccn keys/],
    ["an unknown sub-command", ["keys", "frob"], /unknown command "frob" for dccn keys/],
    ["a missing required option", ["init", "--home", "/nonexistent/x"], /required option '--chain-id/],
    ["a missing argument", ["keys", "add"], /missing required argument/],
    ["an unknown option", ["keys", "list", "--colour"], /unknown option '--colour'/],
    ["a bad --output", ["keys", "list", "--output", "xml"], /argument 'xml' is invalid/],
    ["a bad --role", ["start", "--role", "boss"], /argument 'boss' is invalid/],
    [
      "a non-numeric gas",
      ["tx", "send", "--from", "a", "--to", "b", "--amount", "1", "--gas", "lots"],
      /--gas/,
    ],
    ["a bad block height", ["query", "block", "tall"], /positive integer/],
  ])("rejects %s with one line and status 2", async (_name, args, message) => {
    const r = await dccn(args);
    expectOneLineError(r, 2);
    expect(r.stderr).toMatch(message);
  });

  it("rejects a bad amount or recipient before touching keys or the network", async () => {
    const badAmount = await dccn([
      "tx",
      "send",
      "--from",
      "nobody",
      "--to",
      seedAddress,
      "--amount",
      "1.5",
      "--home",
      home,
    ]);
    expectOneLineError(badAmount, 1);
    expect(badAmount.stderr).toContain("[AMOUNT_INVALID]");
    const badTo = await dccn([
      "tx",
      "send",
      "--from",
      "nobody",
      "--to",
      "ankr1bad",
      "--amount",
      "1",
      "--home",
      home,
    ]);
    expect(badTo.stderr).toContain("[ADDRESS_INVALID]");
  });
});

describe("help and version", () => {
  const leaves = [
    ["init"],
    ["start"],
    ["dev"],
    ["keys", "add"],
    ["keys", "list"],
    ["keys", "show"],
    ["keys", "export"],
    ["keys", "import"],
    ["keys", "delete"],
    ["tx", "send"],
    ["tx", "sign"],
    ["tx", "broadcast"],
    ["query", "account"],
    ["query", "params"],
    ["query", "txs"],
    ["query", "abci"],
    ["query", "block"],
    ["query", "tx"],
    ["version"],
  ];
  it.each(leaves.map((l) => [l.join(" "), l]))(
    "dccn %s --help lists --home and --output",
    async (_n, path) => {
      const r = await dccn([...(path as string[]), "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("--home <dir>");
      expect(r.stdout).toContain("--output <format>");
    },
  );

  it("prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../../package.json"), "utf8")) as {
      version: string;
    };
    expect((await dccn(["version"])).stdout).toBe(`${pkg.version}\n`);
    expect((await dccn(["version", "-o", "json"])).json()).toEqual({
      version: pkg.version,
      node: process.versions.node,
    });
    expect((await dccn(["--version"])).stdout).toBe(`${pkg.version}\n`);
  });
});

describe("client commands against a JSON-RPC server", () => {
  const accountValue = (address: string, balance: string, nonce: number) =>
    toBase64(utf8(JSON.stringify({ address, balance, nonce })));

  it("query account prints {address, balance, nonce}, using the home's RPC address", async () => {
    server = await startFakeRpc({
      abci_query: (p) => ({
        response: {
          code: 0,
          log: "",
          value: accountValue(String(p.path).slice(9), "2500000000000000000", 4),
        },
      }),
    });
    writeDefaultConfig(home, { rpc: { laddr: `tcp://${new URL(server.url).host}` } });
    const r = await dccn(["query", "account", seedAddress, "--home", home, "--output", "json"]);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ address: seedAddress, balance: "2500000000000000000", nonce: 4 });
    const text = await dccn(["query", "account", seedAddress, "--node", server.url]);
    expect(text.stdout).toContain("balance: 2.5 ANKR (2500000000000000000 base units)");
  });

  it("query block and query tx print the RPC result", async () => {
    const block = {
      block_id: { hash: "AA", parts: { total: 1, hash: "BB" } },
      block: {
        header: { chain_id: "c", height: "7", time: "t", proposer_address: "P", app_hash: "A" },
        data: { txs: ["AQ=="] },
      },
    };
    const txResult = { hash: "CC", height: "7", index: 0, tx_result: execResult(0), tx: "AQ==" };
    server = await startFakeRpc({ block: () => block, tx: () => txResult });
    const b = await dccn(["query", "block", "7", "--node", server.url, "-o", "json"]);
    expect(b.json()).toEqual(block);
    expect(server.requests[0]).toEqual({ method: "block", params: { height: "7" } });
    const t = await dccn(["query", "tx", "CC".repeat(32), "--node", server.url, "-o", "json"]);
    expect(t.json()).toEqual(txResult);
    expect((await dccn(["query", "block", "--node", server.url])).stdout).toContain("height:   7");
  });

  it("reports an unreachable node in one line", async () => {
    server = await startFakeRpc({});
    const url = server.url;
    await server.close();
    server = undefined;
    const r = await dccn(["query", "account", seedAddress, "--node", url, "-o", "json"]);
    expectOneLineError(r, 1);
    expect(r.stderr).toContain("[RPC_UNREACHABLE]");
  });

  it("tx send signs with the keyring key, waits for the block and prints {hash, code, height}", async () => {
    await dccn(["keys", "import", "bob", SEED, "--home", home]);
    const to = toBech32(new Uint8Array(20).fill(3));
    let sent: Uint8Array | undefined;
    server = await startFakeRpc({
      status: () => ({ node_info: { network: "dccn-cli" } }),
      abci_query: () => ({ response: { code: 0, log: "", value: accountValue(seedAddress, "9", 5) } }),
      broadcast_tx_sync: (p) => {
        sent = fromBase64(p.tx as string);
        return { code: 0, data: null, log: "", codespace: "", hash: "DD".repeat(32) };
      },
      tx: (p) => {
        if (sent === undefined) throw new RpcFailure(-32603, "Internal error", "tx not found");
        return { hash: "DD".repeat(32), height: "12", index: 0, tx_result: execResult(0), tx: p.hash };
      },
    });
    const r = await dccn([
      "tx",
      "send",
      "--from",
      "bob",
      "--to",
      to,
      "--amount",
      "1.5ankr",
      "--memo",
      "hi",
      "--gas",
      "100000",
      "--home",
      home,
      "--node",
      server.url,
      "--output",
      "json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ hash: "DD".repeat(32), code: 0, height: 12 });
    const tx = decodeTx(sent!);
    expect(toBech32(tx.sender)).toBe(seedAddress);
    expect(tx.body).toMatchObject({ chainId: "dccn-cli", nonce: 5, memo: "hi" });
    expect(decodeMsgSend(tx.body.msg.value)).toEqual({
      to: parseAddress(to),
      amount: 1_500_000_000_000_000_000n,
    });
  });

  it("tx send exits 1 when the tx fails in the block, and on CheckTx rejection", async () => {
    await dccn(["keys", "import", "bob", SEED, "--home", home]);
    let checkCode = 0;
    server = await startFakeRpc({
      status: () => ({ node_info: { network: "c" } }),
      broadcast_tx_sync: () => ({
        code: checkCode,
        data: null,
        log: "low fee",
        codespace: "",
        hash: "EE".repeat(32),
      }),
      tx: () => ({ hash: "EE".repeat(32), height: "3", index: 0, tx_result: execResult(7, "boom"), tx: "" }),
    });
    const args = [
      "tx",
      "send",
      "--from",
      "bob",
      "--to",
      seedAddress,
      "--amount",
      "1",
      "--nonce",
      "0",
      "--gas",
      "1",
    ];
    const failed = await dccn([...args, "--home", home, "--node", server.url, "-o", "json"]);
    expect(failed.code).toBe(1);
    expect(failed.json()).toEqual({ hash: "EE".repeat(32), code: 7, height: 3 });
    checkCode = 13;
    const rejected = await dccn([...args, "--home", home, "--node", server.url, "-o", "json"]);
    expectOneLineError(rejected, 1);
    expect(rejected.stderr).toContain("low fee");
    expect(rejected.stderr).toContain("[TX_REJECTED]");
  });
});
