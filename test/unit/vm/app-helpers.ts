/**
 * A real DccnApp (LevelDB in a temp dir) with the contracts module, driven block by block:
 * one signed tx per call, nonces tracked per wallet, queries through `app.query`.
 */
import type { ExecTxResult } from "../../../src/abci/types.js";
import { fromUtf8, toHex, utf8 } from "../../../src/codec/bytes.js";
import { toBech32 } from "../../../src/crypto/address.js";
import type { DccnApp } from "../../../src/dccn-app/app.js";
import {
  type ContractsOptions,
  contractsModule,
  msgExecuteContractAny,
  msgInstantiateContractAny,
  msgStoreCodeAny,
} from "../../../src/dccn-app/contracts/index.js";
import type { AnyMsg } from "../../../src/types/tx.js";
import {
  accountOf,
  appState,
  initApp,
  openApp,
  runBlock,
  signed,
  tempDir,
  type Wallet,
  wallet,
} from "../dccn-app/helpers.js";

export const ANKR = 10n ** 18n;
export const GAS_LIMIT = 5_000_000;
export const GAS_PRICE = 2n;

export interface TxOptions {
  readonly gasLimit?: number;
  readonly gasPrice?: bigint;
}

export class WasmChain {
  height = 0;
  private readonly nonces = new Map<string, number>();

  private constructor(
    public app: DccnApp,
    readonly dir: string,
    private readonly opts: ContractsOptions,
  ) {}

  /** A fresh chain where wallets 1..3 hold 1,000 ANKR each. */
  static async open(opts: ContractsOptions = {}): Promise<WasmChain> {
    const dir = tempDir();
    const app = await openApp(dir, { modules: [contractsModule(opts)] });
    const funded = [1, 2, 3].map((n) => [wallet(n), 1000n * ANKR] as [Wallet, bigint]);
    await initApp(app, appState(funded));
    return new WasmChain(app, dir, opts);
  }

  /** Closes and reopens the app on the same database (a node restart: cold caches and index). */
  async restart(): Promise<void> {
    await this.app.close();
    this.app = await openApp(this.dir, { modules: [contractsModule(this.opts)] });
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  /** Signs `msg` with the wallet's next nonce and runs it alone in a new block. */
  async tx(from: Wallet, msg: AnyMsg, opts: TxOptions = {}): Promise<ExecTxResult> {
    const [result] = await this.block([this.sign(from, msg, opts)]);
    this.lastTx = result;
    return result!;
  }

  sign(from: Wallet, msg: AnyMsg, opts: TxOptions = {}): Uint8Array {
    const nonce = this.nonces.get(from.bech32) ?? 0;
    this.nonces.set(from.bech32, nonce + 1);
    return signed(from, {
      msg,
      nonce,
      gasLimit: opts.gasLimit ?? GAS_LIMIT,
      gasPrice: opts.gasPrice ?? GAS_PRICE,
    });
  }

  nextNonce(from: Wallet): number {
    return this.nonces.get(from.bech32) ?? 0;
  }

  async block(txs: readonly Uint8Array[]): Promise<ExecTxResult[]> {
    this.height++;
    const { results, appHash } = await runBlock(this.app, this.height, txs);
    this.lastAppHash = appHash;
    return results;
  }

  lastAppHash: Uint8Array = new Uint8Array(0);
  /** The result of the last `tx`. */
  lastTx: ExecTxResult | undefined;

  /** Stores code; returns the code hash (the result's data). */
  async store(from: Wallet, wasm: Uint8Array, opts: TxOptions = {}): Promise<Uint8Array> {
    const r = await this.tx(from, msgStoreCodeAny({ wasmByteCode: wasm }), opts);
    ok(r);
    return r.data;
  }

  async instantiate(
    from: Wallet,
    codeHash: Uint8Array,
    args: unknown = {},
    amount = 0n,
    opts: TxOptions = {},
  ): Promise<ExecTxResult> {
    return this.tx(
      from,
      msgInstantiateContractAny({ codeHash, args: utf8(JSON.stringify(args)), amount, label: "test" }),
      opts,
    );
  }

  /** Stores `wasm` and instantiates it; returns the contract address. */
  async deploy(from: Wallet, wasm: Uint8Array, args: unknown = {}, amount = 0n): Promise<Uint8Array> {
    const codeHash = await this.store(from, wasm);
    const r = await this.instantiate(from, codeHash, args, amount);
    ok(r);
    return r.data;
  }

  async execute(
    from: Wallet,
    contract: Uint8Array,
    method: string,
    args: unknown = {},
    amount = 0n,
    opts: TxOptions = {},
  ): Promise<ExecTxResult> {
    return this.tx(
      from,
      msgExecuteContractAny({ contract, method, args: utf8(JSON.stringify(args)), amount }),
      opts,
    );
  }

  async query(path: string, data: Uint8Array = new Uint8Array(0), height = 0) {
    return this.app.query({ path, data, height, prove: false });
  }

  /** A smart query's JSON result; throws with the log if it failed. */
  async call<T = Record<string, unknown>>(
    contract: Uint8Array,
    method: string,
    args: unknown = {},
    height = 0,
  ): Promise<T> {
    const r = await this.query(
      `/wasm/call/${toBech32(contract)}/${method}`,
      utf8(JSON.stringify(args)),
      height,
    );
    if (r.code !== 0) throw new Error(`query ${method} failed (${r.code}): ${r.log}`);
    return JSON.parse(fromUtf8(r.value)) as T;
  }

  async balance(address: Wallet | Uint8Array): Promise<bigint> {
    return (await accountOf(this.app, address)).balance;
  }

  async rawState(contract: Uint8Array, key: string): Promise<string> {
    const r = await this.query(`/wasm/state/${toBech32(contract)}`, utf8(key));
    if (r.code !== 0) throw new Error(`state query failed: ${r.log}`);
    return fromUtf8(r.value);
  }
}

/** Asserts success (with the log in the failure message). */
export function ok(r: ExecTxResult): ExecTxResult {
  if (r.code !== 0) throw new Error(`tx failed (code ${r.code}): ${r.log}`);
  return r;
}

export const jsonOf = <T = Record<string, unknown>>(bytes: Uint8Array): T => JSON.parse(fromUtf8(bytes)) as T;

export function eventsOf(r: ExecTxResult, type: string): Record<string, string>[] {
  return r.events
    .filter((e) => e.type === type)
    .map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value])));
}

export const hex = toHex;
