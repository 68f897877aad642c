/**
 * The example contracts through a real node via the `dccn` CLI: deploy tx → instantiate tx →
 * execute tx → query, for the counter, the token and the SLA escrow; contract events found by
 * `tx_search`; the same through broadcast_tx_commit / abci_query with the client library; and
 * bad code and runaway calls failing clearly while the node keeps producing blocks.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DccnClient } from "../../src/client/dccn-client.js";
import { WasmClient } from "../../src/client/wasm.js";
import { fromUtf8, toHex, toHexUpper } from "../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../src/crypto/address.js";
import { PrivateKey } from "../../src/crypto/ed25519.js";
import { sha256 } from "../../src/crypto/hash.js";
import { ResultCode } from "../../src/dccn-app/codes.js";
import { compileContract, repoRoot } from "../../src/vm/build-contracts.js";
import { wat } from "../unit/vm/helpers.js";
import {
  CLI,
  type CliResult,
  initTestHome,
  NodeProcess,
  rpc,
  runCli,
  type TestHome,
  waitForHeight,
} from "./harness.js";

const CHAIN_ID = "e2e-wasm";
const ANKR = 10n ** 18n;
const BOB_SEED = new Uint8Array(32).fill(0x5b);
const bobKey = PrivateKey.fromSeed(BOB_SEED);
const bob = toBech32(addressFromPublicKey(bobKey.publicKey));

interface TxJson {
  hash: string;
  code: number;
  height: number;
  gas_used: number;
  log?: string;
  code_hash?: string;
  contract_address?: string;
  result?: unknown;
}

let th: TestHome;
let node: NodeProcess;
let validator: string;
const files: Record<string, string> = {};

/**
 * Runs `dccn` without blocking the event loop (a blocked loop lets the RPC server close idle
 * keep-alive sockets behind fetch's back). `--home` selects the node's config, hence its RPC port.
 */
function run(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args, "--home", th.home],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function cli<T = TxJson>(...args: string[]): Promise<T> {
  const r = await run([...args, "--output", "json"]);
  if (r.code !== 0) throw new Error(`dccn ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const tx = (...args: string[]): Promise<TxJson> => cli<TxJson>("tx", "contract", ...args, "--gas-price", "1");

/** A tx expected to fail: exit status 1 and the result as JSON. */
async function failingTx(...args: string[]): Promise<TxJson> {
  const r = await run(["tx", "contract", ...args, "--output", "json"]);
  expect(r.code, r.stderr).toBe(1);
  return JSON.parse(r.stdout) as TxJson;
}

async function compileTo(name: string, path: string): Promise<void> {
  const wasm = await compileContract(join(repoRoot(), "contracts", path, "index.ts"), {
    cacheDir: join(repoRoot(), ".tmp", "vm-contracts"),
  });
  files[name] = join(th.home, `${name}.wasm`);
  writeFileSync(files[name], wasm);
}

/** Stores and instantiates a contract file; returns its address. */
async function deploy(name: string, args: unknown, from = "validator"): Promise<string> {
  const stored = await tx("deploy", files[name]!, "--from", from);
  expect(stored.code).toBe(0);
  const inst = await tx(
    "instantiate",
    stored.code_hash!,
    JSON.stringify(args),
    "--from",
    from,
    "--label",
    name,
  );
  expect(inst.code).toBe(0);
  return inst.contract_address!;
}

beforeAll(async () => {
  th = await initTestHome("wasm", { chainId: CHAIN_ID, accounts: [{ address: bob, balance: 1000n * ANKR }] });
  validator = th.validatorKey.address;
  const imported = runCli(["keys", "import", "bob", toHex(BOB_SEED), "--home", th.home]);
  if (imported.code !== 0) throw new Error(`keys import failed: ${imported.stderr}`);
  await Promise.all([
    compileTo("counter", "examples/counter"),
    compileTo("token", "examples/token"),
    compileTo("sla-escrow", "examples/sla-escrow"),
    compileTo("hostile", "fixtures/hostile"),
  ]);
  // A float instruction: refused at deploy.
  files.float = join(th.home, "float.wasm");
  writeFileSync(
    files.float,
    wat(
      '(module (func (export "run") (drop (f32.add (f32.const 1) (f32.const 2)))) (memory (export "memory") 1))',
    ),
  );
  node = new NodeProcess(th.home, th.rpcPort);
  await node.start();
  await waitForHeight(node.rpcUrl, 1);
}, 120_000);

afterAll(async () => {
  await node?.stop();
  if (th) rmSync(th.home, { recursive: true, force: true });
});

describe("example contracts through the node and the CLI", () => {
  it("counter: deploy → instantiate → call → query, events searchable", async () => {
    const stored = await tx("deploy", files.counter!, "--from", "validator");
    expect(stored.code).toBe(0);
    expect(stored.code_hash).toBe(toHexUpper(sha256(new Uint8Array(readFileSync(files.counter!)))));
    const code = await cli<{ methods: string[]; has_init: boolean }>("query", "code", stored.code_hash!);
    expect(code).toMatchObject({ methods: ["get", "increment", "reset"], has_init: true });

    const inst = await tx("instantiate", stored.code_hash!, "--args", '{"start":5}', "--from", "validator");
    expect(inst.code).toBe(0);
    const counter = inst.contract_address!;
    expect(counter).toMatch(/^ankr1/);

    const inc = await tx("call", counter, "increment", '{"by":3}', "--from", "bob");
    expect(inc).toMatchObject({ code: 0, result: { count: 8 } });
    expect(await cli("query", "contract", counter, "get")).toEqual({ count: 8, owner: validator });
    expect(await cli("query", "wasm", "call", counter, "get", "{}")).toEqual({ count: 8, owner: validator });
    expect(await cli("query", "contract", counter)).toMatchObject({
      address: counter,
      code_hash: stored.code_hash,
      creator: validator,
    });
    const raw = await cli<{ value_hex: string }>("query", "contract-state", counter, "count");
    expect(raw.value_hex).toBe("0800000000000000");

    // The contract's event went through the indexer.
    const found = await rpc<{ txs: { hash: string }[] }>(node.rpcUrl, "tx_search", {
      query: `wasm-increment._contract_address='${counter}' AND wasm-increment.count='8'`,
    });
    expect(found.txs.map((t) => t.hash)).toEqual([inc.hash]);

    // Only the owner may reset: the failed call exits 1 with the contract's message.
    const denied = await failingTx("call", counter, "reset", "--from", "bob");
    expect(denied.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(denied.log).toMatch(/VM_ABORT.*only the owner may reset/);
  });

  it("token: transfers between two keys, balances by query", async () => {
    const token = await deploy("token", { name: "Dccn Token", symbol: "DCT", supply: "1000000" });
    const sent = await tx(
      "call",
      token,
      "transfer",
      JSON.stringify({ to: bob, amount: "100" }),
      "--from",
      "validator",
    );
    expect(sent).toMatchObject({ code: 0, result: { balance: "999900" } });
    const back = await tx(
      "execute",
      token,
      "transfer",
      "--args",
      JSON.stringify({ to: validator, amount: "40" }),
      "--from",
      "bob",
    );
    expect(back).toMatchObject({ code: 0, result: { balance: "60" } });
    const balanceOf = (owner: string) =>
      cli("query", "contract", token, "balance_of", JSON.stringify({ owner }));
    expect(await balanceOf(bob)).toEqual({ owner: bob, balance: "60" });
    expect(await balanceOf(validator)).toEqual({ owner: validator, balance: "999940" });
    const over = await failingTx(
      "call",
      token,
      "transfer",
      JSON.stringify({ to: validator, amount: "61" }),
      "--from",
      "bob",
    );
    expect(over.code).toBe(ResultCode.CONTRACT_FAILED);
    expect(over.log).toMatch(/insufficient balance/);
  });

  it("sla-escrow: the tenant locks ANKR, the provider is paid on confirmation", async () => {
    const escrow = await deploy("sla-escrow", { arbiter: validator });
    const account = (address: string) => cli<{ balance: string }>("query", "account", address);
    const opened = await tx(
      "call",
      escrow,
      "open",
      JSON.stringify({ provider: validator, deadline: 1_000_000, terms: "4 vCPU, 99.9%" }),
      "--amount",
      "5ankr",
      "--from",
      "bob",
    );
    expect(opened).toMatchObject({ code: 0, result: { id: 1 } });
    expect(await cli("query", "contract", escrow)).toMatchObject({ balance: (5n * ANKR).toString() });
    expect(await cli("query", "contract", escrow, "deals")).toMatchObject({
      deals: [{ id: 1, tenant: bob, provider: validator, status: "open", amount: (5n * ANKR).toString() }],
    });
    // bob confirms (bob pays the gas, so the provider's balance moves by the payout only).
    const providerBefore = BigInt((await account(validator)).balance);
    const confirmed = await tx("call", escrow, "confirm", '{"id":1}', "--from", "bob");
    expect(confirmed).toMatchObject({ code: 0, result: { payout: (5n * ANKR).toString(), fee: "0" } });
    expect(BigInt((await account(validator)).balance)).toBe(providerBefore + 5n * ANKR);
    expect(await cli("query", "contract", escrow)).toMatchObject({ balance: "0" });
    expect(await cli("query", "contract", escrow, "get_deal", '{"id":1}')).toMatchObject({
      deal: { status: "completed" },
    });
  });

  it("bad code and runaway calls fail clearly; the node keeps going", async () => {
    const bad = await failingTx("deploy", files.float!, "--from", "validator");
    expect(bad.code).toBe(ResultCode.CONTRACT_REJECTED);
    expect(bad.log).toMatch(/^VM_FLOAT_INSTRUCTION/);
    expect(bad.gas_used).toBeGreaterThan(0);

    const hostile = await deploy("hostile", {});
    const spin = await failingTx("call", hostile, "spin", "--gas", "800000", "--from", "validator");
    expect(spin).toMatchObject({ code: ResultCode.OUT_OF_GAS, gas_used: 800_000 });

    const usage = await run(["tx", "contract", "call", hostile, "spin", "{not json", "--from", "validator"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/must be JSON/);

    const h = Number(
      (await rpc<{ sync_info: { latest_block_height: string } }>(node.rpcUrl, "status")).sync_info
        .latest_block_height,
    );
    await waitForHeight(node.rpcUrl, h + 2);
  });

  it("the same through broadcast_tx_commit and abci_query (client library)", async () => {
    const wasm = new WasmClient(new DccnClient(node.rpcUrl));
    const counter = await deploy("counter", {});
    const r = await wasm.execute({
      key: bobKey,
      contract: counter,
      method: "increment",
      args: { by: 2 },
      mode: "commit",
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(fromUtf8(r.data))).toEqual({ count: 2 });
    expect(r.events.map((e) => e.type)).toContain("wasm-increment");
    expect(JSON.parse(fromUtf8(await wasm.call(counter, "get")))).toMatchObject({ count: 2 });
    expect((await wasm.contractInfo(counter)).creator).toBe(validator);
  });
});
