/**
 * The contracts module's logic: deploy, instantiate, execute and the queries, on top of the VM
 * runtime (src/vm) and the app's state.
 *
 * Gas: a contract call runs with the gas the tx has left (`ctx.gas.remaining`) as its limit, and
 * the gas it used is then consumed from the same meter, so the tx's gas limit caps contract
 * execution and the fee (gas used × gas price, charged by the app core) follows the gas the
 * contract actually used. A failed call — trap, abort, out of gas, insufficient funds — pays for
 * its gas and fails the msg, so the app drops every state change the msg made.
 */
import { toHex } from "../../codec/bytes.js";
import { sha256 } from "../../crypto/hash.js";
import { type Logger, silentLogger } from "../../log.js";
import { isVmError } from "../../vm/errors.js";
import type { VmLimits } from "../../vm/limits.js";
import { type CallResult, VmRuntime } from "../../vm/runtime.js";
import { AppError } from "../codes.js";
import type { BlockContext, MsgContext, QueryContext } from "../module.js";
import type { KvReader } from "../state/kv.js";
import { codeRejectedError, contractCallError } from "./errors.js";
import { contractEvents, executeEvent, instantiateEvent, storeCodeEvent } from "./events.js";
import { AppHost, type AppHostOptions } from "./host.js";
import { StorageIndexMiss, StorageKeyIndex } from "./key-index.js";
import { codeInfoKey, codeKey, contractAddress, storagePrefix } from "./keys.js";
import type { MsgExecuteContract, MsgInstantiateContract, MsgStoreCode } from "./msgs.js";
import { encodeCodeInfo } from "./records.js";

export interface ContractsOptions {
  /** VM limits (every node of a chain must use the same). */
  readonly limits?: Partial<VmLimits>;
  /** Compiled modules kept in memory. */
  readonly cacheSize?: number;
  /** Gas cap of a read-only smart query (node-local; default 10,000,000). */
  readonly queryGasLimit?: number;
  /** Sink for contracts' debug logs (never affects consensus). */
  readonly logger?: Logger;
}

export const DEFAULT_QUERY_GAS_LIMIT = 10_000_000;
/** Block times remembered for smart queries' `block_time` (queries see 0 for older heights). */
const BLOCK_TIMES_KEPT = 256;

export class ContractsKeeper {
  readonly vm: VmRuntime;
  readonly index = new StorageKeyIndex();
  readonly queryGasLimit: number;
  private readonly logger: Logger;
  private readonly blockTimes = new Map<number, number>();

  constructor(opts: ContractsOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.vm = new VmRuntime({
      ...(opts.limits === undefined ? {} : { limits: opts.limits }),
      ...(opts.cacheSize === undefined ? {} : { cacheSize: opts.cacheSize }),
      logger: this.logger,
    });
    this.queryGasLimit = opts.queryGasLimit ?? DEFAULT_QUERY_GAS_LIMIT;
  }

  // --- msgs ---------------------------------------------------------------------------------

  /** Validates, instruments and stores code; returns its code hash (the msg's result data). */
  storeCode(ctx: MsgContext, msg: MsgStoreCode): Uint8Array {
    const wasm = msg.wasmByteCode;
    const host = this.vm.schedule.host;
    // Charged before validation: rejected code pays for the work too.
    ctx.gas.consume(wasm.length * host.deployPerByte, "validating and instrumenting contract code");
    const codeHash = sha256(wasm);
    if (ctx.store.get(codeInfoKey(codeHash)) === undefined) {
      let prepared: ReturnType<VmRuntime["prepareCode"]>;
      try {
        prepared = this.vm.prepareCode(wasm);
      } catch (err) {
        if (isVmError(err)) throw codeRejectedError(err);
        throw err;
      }
      ctx.gas.consume(prepared.code.length * host.storageWritePerByte, "storing contract code");
      ctx.store.set(codeKey(codeHash), prepared.code);
      ctx.store.set(
        codeInfoKey(codeHash),
        encodeCodeInfo({
          creator: ctx.sender,
          originalSize: wasm.length,
          codeSize: prepared.code.length,
          scheduleVersion: prepared.scheduleVersion,
          methods: prepared.methods,
          hasInit: prepared.hasInit,
          height: ctx.height,
        }),
      );
    }
    ctx.events.push(storeCodeEvent(codeHash, ctx.sender, wasm.length));
    return codeHash;
  }

  /** Creates a contract and runs its `init`; returns the new contract's address. */
  async instantiate(ctx: MsgContext, msg: MsgInstantiateContract): Promise<Uint8Array> {
    const contract = contractAddress(ctx.sender, ctx.nonce);
    const { host, result } = await this.callWithIndex(ctx.store, this.msgHostOptions(ctx, msg.label), (h) =>
      this.vm.instantiate(h, {
        codeHash: msg.codeHash,
        contract,
        sender: ctx.sender,
        input: msg.args,
        amount: msg.amount,
        gasLimit: ctx.gas.remaining,
      }),
    );
    const events = this.settle(ctx, host, result);
    ctx.events.push(instantiateEvent(contract, msg.codeHash, ctx.sender, msg.label), ...events);
    return contract;
  }

  /** Calls a contract method; returns its return data. */
  async execute(ctx: MsgContext, msg: MsgExecuteContract): Promise<Uint8Array> {
    const { host, result } = await this.callWithIndex(ctx.store, this.msgHostOptions(ctx, ""), (h) =>
      this.vm.execute(h, {
        contract: msg.contract,
        sender: ctx.sender,
        method: msg.method,
        input: msg.args,
        amount: msg.amount,
        gasLimit: ctx.gas.remaining,
      }),
    );
    const events = this.settle(ctx, host, result);
    ctx.events.push(executeEvent(msg.contract, msg.method), ...events);
    return result.ok ? result.data : new Uint8Array(0);
  }

  beginBlock(ctx: BlockContext): void {
    this.blockTimes.set(ctx.height, ctx.timeMs);
    for (const h of this.blockTimes.keys()) {
      if (this.blockTimes.size <= BLOCK_TIMES_KEPT) break;
      this.blockTimes.delete(h);
    }
    // No contract has written anything in this block yet: the store shows committed state.
    this.index.prune(ctx.store);
  }

  // --- queries ------------------------------------------------------------------------------

  /** A read-only, gas-capped call (`abci_query` path `/wasm/call/<address>/<method>`). */
  async smartQuery(
    ctx: QueryContext,
    contract: Uint8Array,
    method: string,
    args: Uint8Array,
  ): Promise<Uint8Array> {
    // Iteration is served through the index only once this query has checked that its height
    // supports range reads (older versions do not; see state/committed.ts).
    const verified = new Set<string>();
    const opts: AppHostOptions = {
      chainId: ctx.chainId,
      height: ctx.height,
      timeMs: this.blockTimes.get(ctx.height) ?? 0,
      gasPrice: 0n,
      index: this.index,
      canIterate: (c) => verified.has(toHex(c)) && this.index.isLoaded(c),
      logger: this.logger,
    };
    const { result } = await this.callWithIndex(
      ctx.store,
      opts,
      (h) => this.vm.query(h, { contract, method, input: args, gasLimit: this.queryGasLimit }),
      async (c) => {
        if (this.index.isLoaded(c)) await probeIteration(ctx.store, c);
        else await this.index.load(c, ctx.store);
        verified.add(toHex(c));
      },
    );
    if (!result.ok) throw contractCallError(result.error, result.gasUsed);
    return result.data;
  }

  // --- helpers ------------------------------------------------------------------------------

  private msgHostOptions(ctx: MsgContext, label: string): AppHostOptions {
    return {
      chainId: ctx.chainId,
      height: ctx.height,
      timeMs: ctx.timeMs,
      gasPrice: ctx.gasPrice,
      index: this.index,
      label,
      logger: this.logger,
    };
  }

  /** Charges the call's gas to the tx; on success writes its state and returns its events. */
  private settle(ctx: MsgContext, host: AppHost, result: CallResult) {
    ctx.gas.consume(result.gasUsed, "contract execution");
    if (!result.ok) throw contractCallError(result.error, result.gasUsed);
    const transfers = host.commit(ctx.store);
    return [...transfers, ...contractEvents(result.events)];
  }

  /**
   * Runs `call` on a fresh host; when it needs a contract's storage keys that are not in the
   * index yet, loads them (`ensure`) and runs it again from scratch. The VM has already
   * reverted everything the interrupted attempt did, and no gas was charged for it.
   */
  private async callWithIndex(
    store: KvReader,
    opts: AppHostOptions,
    call: (host: AppHost) => CallResult,
    ensure: (contract: Uint8Array) => Promise<void> = (c) => this.index.load(c, store),
  ): Promise<{ host: AppHost; result: CallResult }> {
    const done = new Set<string>();
    for (;;) {
      const host = new AppHost(store, opts);
      try {
        return { host, result: call(host) };
      } catch (err) {
        if (!(err instanceof StorageIndexMiss)) throw err;
        const id = toHex(err.contract);
        // Each retry must make progress, or the index is broken.
        if (done.has(id)) throw new AppError("INTERNAL", `storage index of contract ${id} failed to load`);
        done.add(id);
        await ensure(err.contract);
      }
    }
  }
}

/** Fails (HEIGHT_UNAVAILABLE) when `store` cannot iterate, e.g. a query at an older height. */
async function probeIteration(store: KvReader, contract: Uint8Array): Promise<void> {
  const it = store.iterate(storagePrefix(contract));
  try {
    await it.next();
  } finally {
    await it.return(undefined);
  }
}
