/**
 * Contract VM benchmarks (issue 5): deploy time per example contract, token transfers per second
 * through the VM with a warm module cache against the same token logic in plain TypeScript (the
 * limit), a compute-heavy contract metered vs unmetered (target: overhead ≤ 2×), and signed
 * token transfers through a real DccnApp beside bank transfers on the same path.
 *
 * Rows are `{name, value, unit, limit?}`; `limit` is the bound a row is judged against (the
 * TypeScript throughput for the VM token row, 2 for the metering overhead ratio).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromUtf8, toHex, utf8 } from "../src/codec/bytes.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../src/crypto/address.js";
import { PrivateKey } from "../src/crypto/ed25519.js";
import { DccnApp } from "../src/dccn-app/app.js";
import { msgSendAny } from "../src/dccn-app/bank/msg-send.js";
import {
  contractsModule,
  msgExecuteContractAny,
  msgInstantiateContractAny,
  msgStoreCodeAny,
} from "../src/dccn-app/contracts/index.js";
import type { Header } from "../src/types/block.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../src/types/params.js";
import { type AnyMsg, signTx } from "../src/types/tx.js";
import { decodeU128, encodeU128 } from "../src/vm/abi.js";
import { compileContract, repoRoot } from "../src/vm/build-contracts.js";
import { GAS_GLOBAL_EXPORT, HOST_FUNCTIONS, START_EXPORT } from "../src/vm/host-api.js";
import { VmRuntime } from "../src/vm/runtime.js";
import { MemoryHost } from "../src/vm/testing/memory-host.js";
import { Wasm, type WasmGlobal, type WasmImports } from "../src/vm/wasm-api.js";

export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly limit?: number;
}

const EXAMPLES = ["counter", "token", "sla-escrow"] as const;
const GAS = 50_000_000;

const Z32 = new Uint8Array(32);
const EMPTY_HEADER: Header = {
  chainId: "",
  height: 0,
  timeMs: 0,
  lastBlockHash: Z32,
  lastCommitHash: Z32,
  dataHash: Z32,
  validatorsHash: Z32,
  nextValidatorsHash: Z32,
  consensusHash: Z32,
  appHash: Z32,
  lastResultsHash: Z32,
  evidenceHash: Z32,
  proposerAddress: new Uint8Array(20),
};

const cacheDir = () => join(repoRoot(), ".tmp", "vm-contracts");
const wasmOf = (path: string) =>
  compileContract(join(repoRoot(), "contracts", path, "index.ts"), { cacheDir: cacheDir() });

function account(n: number): Uint8Array {
  return addressFromPublicKey(PrivateKey.fromSeed(new Uint8Array(32).fill(n)).publicKey);
}

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
function throughput(ms: number, fn: (i: number) => void): number {
  let i = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 50; k++) fn(i++);
    now = performance.now();
  }
  return (i * 1000) / (now - start);
}

/** Median wall time of `runs` calls, in ms. */
function medianMs(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function deployRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const codes = await Promise.all(EXAMPLES.map((name) => wasmOf(`examples/${name}`)));
  for (const wasm of codes) new VmRuntime().prepareCode(wasm); // warm binaryen and the JIT
  for (const [i, name] of EXAMPLES.entries()) {
    const wasm = codes[i]!;
    const ms = medianMs(5, () => new VmRuntime({ cacheSize: 1 }).prepareCode(wasm));
    rows.push({
      name: `vm deploy ${name} (validate + instrument + compile, ${wasm.length} B)`,
      value: ms,
      unit: "ms",
    });
  }
  return rows;
}

interface TsTransferResult {
  readonly data: Uint8Array;
  readonly events: { type: string; attributes: [string, string][] }[];
}

/** The token contract's transfer, written in TypeScript over the same host storage. */
function tsTransfer(
  host: MemoryHost,
  contract: Uint8Array,
  sender: Uint8Array,
  input: Uint8Array,
): TsTransferResult {
  const args = JSON.parse(fromUtf8(input)) as { to: string; amount: string };
  const to = parseAddress(args.to);
  const amount = BigInt(args.amount);
  const key = (a: Uint8Array) => utf8(`bal/${toHex(a)}`);
  const read = (a: Uint8Array) => {
    const v = host.storageGet(contract, key(a));
    return v === undefined ? 0n : decodeU128(v);
  };
  const have = read(sender);
  if (have < amount) throw new Error("insufficient balance");
  host.storageSet(contract, key(sender), encodeU128(have - amount));
  host.storageSet(contract, key(to), encodeU128(read(to) + amount));
  const attributes: [string, string][] = [
    ["from", toBech32(sender)],
    ["to", toBech32(to)],
    ["amount", amount.toString()],
  ];
  return {
    data: utf8(JSON.stringify({ balance: (have - amount).toString() })),
    events: [{ type: "transfer", attributes }],
  };
}

async function tokenRows(): Promise<BenchRow[]> {
  const vm = new VmRuntime();
  const host = new MemoryHost();
  const prepared = vm.prepareCode(await wasmOf("examples/token"));
  host.storeCode(prepared);
  const holders = [account(1), account(2), account(3), account(4)];
  const token = new Uint8Array(20).fill(0x7a);
  const init = vm.instantiate(host, {
    codeHash: prepared.codeHash,
    contract: token,
    sender: holders[0]!,
    input: utf8(JSON.stringify({ name: "Bench", symbol: "BNC", supply: "1000000000000000000000000" })),
    gasLimit: GAS,
  });
  if (!init.ok) throw init.error;
  // Spread the supply so every holder can send.
  for (const h of holders.slice(1)) {
    const r = vm.execute(host, {
      contract: token,
      sender: holders[0]!,
      method: "transfer",
      input: utf8(JSON.stringify({ to: toBech32(h), amount: "1000000000000000000000" })),
      gasLimit: GAS,
    });
    if (!r.ok) throw r.error;
  }
  const inputs = holders.map((_, i) =>
    utf8(JSON.stringify({ to: toBech32(holders[(i + 1) % holders.length]!), amount: "1" })),
  );
  let gasUsed = 0;
  const vmTps = throughput(1500, (i) => {
    const k = i % holders.length;
    const r = vm.execute(host, {
      contract: token,
      sender: holders[k]!,
      method: "transfer",
      input: inputs[k]!,
      gasLimit: GAS,
    });
    if (!r.ok) throw r.error;
    gasUsed = r.gasUsed;
  });
  const tsHost = new MemoryHost();
  const tsToken = new Uint8Array(20).fill(0x7b);
  for (const h of holders) tsHost.storageSet(tsToken, utf8(`bal/${toHex(h)}`), encodeU128(10n ** 24n));
  const tsTps = throughput(1000, (i) => {
    const k = i % holders.length;
    tsTransfer(tsHost, tsToken, holders[k]!, inputs[k]!);
  });
  return [
    { name: "vm token transfers (warm cache)", value: vmTps, unit: "tx/s", limit: tsTps },
    { name: "vm token transfer gas used", value: gasUsed, unit: "gas" },
    { name: "token transfers in plain TypeScript (the limit)", value: tsTps, unit: "tx/s" },
  ];
}

/** Imports for running compute code outside the runtime: it makes no host calls in `bench_work`. */
function inertImports(): WasmImports {
  const none = () => {
    throw new Error("host call in benchmark");
  };
  const dccn: Record<string, () => never> = {};
  for (const name of Object.keys(HOST_FUNCTIONS)) dccn[name] = none;
  return { dccn, env: { abort: none } };
}

async function computeRows(): Promise<BenchRow[]> {
  const original = await wasmOf("fixtures/compute");
  const vm = new VmRuntime();
  const prepared = vm.prepareCode(original);
  // A fresh instance per run (as the runtime does): the stub allocator never frees memory.
  const runner = (code: Uint8Array) => {
    const module = new Wasm.Module(code);
    return (n: number): bigint => {
      const inst = new Wasm.Instance(module, inertImports());
      const gas = inst.exports[GAS_GLOBAL_EXPORT] as WasmGlobal | undefined;
      if (gas !== undefined) gas.value = 1n << 62n;
      (inst.exports[START_EXPORT] as () => void)();
      return (inst.exports.bench_work as (n: number) => bigint)(n);
    };
  };
  const metered = runner(prepared.code);
  const unmetered = runner(original);
  const n = 100_000;
  if (metered(n) !== unmetered(n)) throw new Error("metered and unmetered compute disagree");
  // Warm both up to the optimising tier, then measure.
  for (let i = 0; i < 5; i++) {
    metered(n);
    unmetered(n);
  }
  const m = medianMs(15, () => metered(n));
  const u = medianMs(15, () => unmetered(n));

  const host = new MemoryHost();
  host.storeCode(prepared);
  const contract = new Uint8Array(20).fill(0x7c);
  const sender = account(9);
  const init = vm.instantiate(host, {
    codeHash: prepared.codeHash,
    contract,
    sender,
    input: utf8(""),
    gasLimit: GAS,
  });
  if (!init.ok) throw init.error;
  const call = vm.execute(host, {
    contract,
    sender,
    method: "run",
    input: utf8(JSON.stringify({ n: 2000 })),
    gasLimit: GAS,
  });
  if (!call.ok) throw call.error;
  return [
    { name: "vm compute-heavy contract, metered", value: m, unit: "ms" },
    { name: "vm compute-heavy contract, unmetered", value: u, unit: "ms" },
    { name: "vm metering overhead (metered / unmetered)", value: m / u, unit: "x", limit: 2 },
    { name: "vm compute run n=2000 gas used", value: call.gasUsed, unit: "gas" },
  ];
}

/** Signed txs through a real DccnApp (LevelDB in a temp dir): BeginBlock, DeliverTx*, Commit. */
async function appRows(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "dccn-bench-vm-"));
  const app = await DccnApp.open({ dbPath: join(dir, "app.db"), modules: [contractsModule()] });
  try {
    const keys = [1, 2, 3, 4].map((n) => PrivateKey.fromSeed(new Uint8Array(32).fill(n)));
    const addrs = keys.map((k) => addressFromPublicKey(k.publicKey));
    const chainId = "bench-vm";
    await app.initChain({
      timeMs: 0,
      chainId,
      initialHeight: 1,
      consensusParams: DEFAULT_CONSENSUS_PARAMS,
      validators: [],
      appStateJson: JSON.stringify({
        accounts: addrs.map((a) => ({ address: toBech32(a), balance: (10n ** 30n).toString() })),
      }),
    });
    const nonces = addrs.map(() => 0);
    let height = 0;
    const block = async (txs: readonly Uint8Array[]) => {
      height++;
      const header = { chainId, height, timeMs: height * 1000, proposerAddress: new Uint8Array(20) };
      await app.beginBlock({
        hash: new Uint8Array(32),
        header: { ...EMPTY_HEADER, ...header },
        lastCommitInfo: { round: 0, votes: [] },
        byzantineValidators: [],
      });
      const results = [];
      for (const tx of txs) results.push(await app.deliverTx(tx));
      await app.endBlock({ height });
      await app.commit();
      for (const r of results) if (r.code !== 0) throw new Error(`bench tx failed: ${r.log}`);
      return results;
    };
    const sign = (k: number, msg: AnyMsg) =>
      signTx(keys[k]!, { chainId, nonce: nonces[k]!++, gasLimit: GAS, gasPrice: 1n, memo: "", msg });
    const stored = await block([sign(0, msgStoreCodeAny({ wasmByteCode: await wasmOf("examples/token") }))]);
    const init = utf8(JSON.stringify({ name: "Bench", symbol: "BNC", supply: "1000000000000000000000000" }));
    const [inst] = await block([
      sign(0, msgInstantiateContractAny({ codeHash: stored[0]!.data, args: init, amount: 0n, label: "" })),
    ]);
    const token = inst!.data;
    const transfer = (k: number, amount: string) =>
      sign(
        k,
        msgExecuteContractAny({
          contract: token,
          method: "transfer",
          args: utf8(JSON.stringify({ to: toBech32(addrs[(k + 1) % addrs.length]!), amount })),
          amount: 0n,
        }),
      );
    await block(addrs.slice(1).map((_, i) => transfer(0, i === 0 ? "1000000000000000000000" : "1")));
    await block([transfer(1, "1000"), transfer(2, "1000"), transfer(3, "1000")]);
    // Pre-signed, so the rows time execution (signature check included), not signing.
    const PER_BLOCK = 200;
    const BLOCKS = 4;
    const measure = async (make: (i: number) => Uint8Array): Promise<number> => {
      const blocks = Array.from({ length: BLOCKS }, (_, b) =>
        Array.from({ length: PER_BLOCK }, (_, i) => make(b * PER_BLOCK + i)),
      );
      const start = performance.now();
      for (const txs of blocks) await block(txs);
      return (BLOCKS * PER_BLOCK * 1000) / (performance.now() - start);
    };
    const contractTps = await measure((i) => transfer(i % addrs.length, "1"));
    const bankTps = await measure((i) => {
      const k = i % addrs.length;
      return sign(k, msgSendAny({ to: addrs[(k + 1) % addrs.length]!, amount: 1n }));
    });
    return [
      {
        name: "token transfers through DccnApp (signed txs, DeliverTx + commit)",
        value: contractTps,
        unit: "tx/s",
        limit: bankTps,
      },
      { name: "bank transfers through DccnApp (the same path, no VM)", value: bankTps, unit: "tx/s" },
    ];
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchVm(): Promise<BenchRow[]> {
  return [...(await deployRows()), ...(await tokenRows()), ...(await computeRows()), ...(await appRows())];
}
