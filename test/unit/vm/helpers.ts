/** Shared fixtures for the VM tests: compiled contracts (cached under .tmp), keys, a host. */
import { join } from "node:path";
import binaryen from "binaryen";
import { fromUtf8, utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import { compileContract, repoRoot } from "../../../src/vm/build-contracts.js";
import type { PreparedCode } from "../../../src/vm/deploy.js";
import type { VmErrorCode } from "../../../src/vm/errors.js";
import type { CallResult, VmRuntime } from "../../../src/vm/runtime.js";
import type { MemoryHost } from "../../../src/vm/testing/memory-host.js";

export const CACHE_DIR = join(repoRoot(), ".tmp", "vm-contracts");

const compiled = new Map<string, Promise<Uint8Array>>();

/** Compiles contracts/<path>/index.ts once per process (and once per source change on disk). */
export function contractWasm(path: string): Promise<Uint8Array> {
  let p = compiled.get(path);
  if (p === undefined) {
    p = compileContract(join(repoRoot(), "contracts", path, "index.ts"), { cacheDir: CACHE_DIR });
    compiled.set(path, p);
  }
  return p;
}

const F = binaryen.Features;
/** Features V8 in Node 20 understands, so that modules outside the VM's allowed set can be built. */
const WAT_FEATURES =
  F.MutableGlobals |
  F.SignExt |
  F.BulkMemory |
  F.BulkMemoryOpt |
  F.NontrappingFPToInt |
  F.SIMD128 |
  F.Atomics |
  F.ReferenceTypes |
  F.TailCall |
  F.Multivalue;

/** Assembles WebAssembly text with binaryen. */
export function wat(text: string): Uint8Array {
  const m = binaryen.parseText(text);
  try {
    m.setFeatures(WAT_FEATURES);
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

export interface Account {
  readonly key: PrivateKey;
  readonly address: Uint8Array;
  readonly bech32: string;
}

export function account(n: number): Account {
  const key = PrivateKey.fromSeed(new Uint8Array(32).fill(n));
  const address = addressFromPublicKey(key.publicKey);
  return { key, address, bech32: toBech32(address) };
}

/** A deterministic contract address for tests. */
export function contractAddress(n: number): Uint8Array {
  return new Uint8Array(20).fill(0xc0 + n);
}

export const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value));

/** The result's data parsed as JSON; throws with the VM error if the call failed. */
export function okJson<T = Record<string, unknown>>(r: CallResult): T {
  if (!r.ok) throw new Error(`call failed: ${r.error.code}: ${r.error.message}`);
  return JSON.parse(fromUtf8(r.data)) as T;
}

/** Asserts a failure with `code` and returns it. */
export function failed(r: CallResult, code: VmErrorCode): Extract<CallResult, { ok: false }> {
  if (r.ok) throw new Error(`expected ${code}, but the call succeeded: ${fromUtf8(r.data)}`);
  if (r.error.code !== code) throw new Error(`expected ${code}, got ${r.error.code}: ${r.error.message}`);
  return r;
}

export const GAS = 10_000_000;

/** Deploys `wasm`, instantiates it at contractAddress(n) with `init` args, returns its address. */
export function deploy(
  vm: VmRuntime,
  host: MemoryHost,
  wasm: Uint8Array,
  n: number,
  opts: { sender?: Uint8Array; init?: unknown; amount?: bigint } = {},
): { contract: Uint8Array; prepared: PreparedCode; bech32: string } {
  const prepared = vm.prepareCode(wasm);
  host.storeCode(prepared);
  const contract = contractAddress(n);
  const r = vm.instantiate(host, {
    codeHash: prepared.codeHash,
    contract,
    sender: opts.sender ?? account(1).address,
    input: opts.init === undefined ? new Uint8Array(0) : json(opts.init),
    amount: opts.amount ?? 0n,
    gasLimit: GAS,
  });
  if (!r.ok) throw new Error(`instantiate failed: ${r.error.code}: ${r.error.message}`);
  return { contract, prepared, bech32: toBech32(contract) };
}
