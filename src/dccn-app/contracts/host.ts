/**
 * `AppHost`: the VM's `HostEnv` over the app's state. Writes go to a stack of write-buffering
 * layers over the msg's store — one per VM snapshot — so a failed call (or nested call) drops
 * exactly its own writes, balance moves and `transfer` events. Nothing reaches the msg's store
 * until `commit()`, after the whole call succeeded.
 */
import type { AbciEvent } from "../../abci/types.js";
import { toBech32 } from "../../crypto/address.js";
import type { Logger } from "../../log.js";
import type { HostEnv, SnapshotId, StorageEntry } from "../../vm/host-env.js";
import { credit, getAccount, setAccount, transferEvent } from "../bank/accounts.js";
import { AppError } from "../codes.js";
import { CacheStore, type KvReader, type KvStore } from "../state/kv.js";
import { StorageIndexMiss, type StorageKeyIndex } from "./key-index.js";
import { codeKey, contractKey, storageKey } from "./keys.js";
import { decodeContractInfo, encodeContractInfo } from "./records.js";

export interface AppHostOptions {
  readonly chainId: string;
  readonly height: number;
  readonly timeMs: number;
  /** The tx's gas price (0 for queries). */
  readonly gasPrice: bigint;
  readonly index: StorageKeyIndex;
  /**
   * Whether `contract` may be iterated through the index right now. Defaults to "its keys are
   * loaded"; queries additionally require that the queried height supports iteration.
   */
  readonly canIterate?: (contract: Uint8Array) => boolean;
  /** Label recorded for a contract created by this call (instantiate). */
  readonly label?: string;
  readonly logger?: Logger;
}

export class AppHost implements HostEnv {
  readonly chainId: string;
  readonly blockHeight: number;
  readonly blockTimeMs: number;
  readonly gasPrice: bigint;
  private readonly layers: CacheStore[];
  /** `transfer` events per layer, dropped with a reverted layer. */
  private readonly transfers: AbciEvent[][];
  private readonly index: StorageKeyIndex;
  private readonly canIterate: (contract: Uint8Array) => boolean;
  private readonly label: string;
  private readonly logger: Logger | undefined;

  constructor(base: KvReader, opts: AppHostOptions) {
    this.chainId = opts.chainId;
    this.blockHeight = opts.height;
    this.blockTimeMs = opts.timeMs;
    this.gasPrice = opts.gasPrice;
    this.index = opts.index;
    this.canIterate = opts.canIterate ?? ((c) => opts.index.isLoaded(c));
    this.label = opts.label ?? "";
    this.logger = opts.logger;
    this.layers = [new CacheStore(base)];
    this.transfers = [[]];
  }

  private get top(): CacheStore {
    return this.layers[this.layers.length - 1]!;
  }

  /** Writes everything the call did to `target` and returns its `transfer` events. */
  commit(target: KvStore): AbciEvent[] {
    if (this.layers.length !== 1) {
      throw new AppError("INTERNAL", `contract call left ${this.layers.length - 1} snapshots open`);
    }
    this.layers[0]!.writeTo(target);
    return this.transfers[0]!.splice(0);
  }

  // --- code and contracts -------------------------------------------------------------------

  getCode(codeHash: Uint8Array): Uint8Array | undefined {
    return this.top.get(codeKey(codeHash));
  }

  getContractCodeHash(address: Uint8Array): Uint8Array | undefined {
    const raw = this.top.get(contractKey(address));
    return raw === undefined ? undefined : decodeContractInfo(raw).codeHash;
  }

  createContract(address: Uint8Array, codeHash: Uint8Array, creator: Uint8Array): void {
    const info = { codeHash, creator, label: this.label, height: this.blockHeight };
    this.top.set(contractKey(address), encodeContractInfo(info));
  }

  // --- storage ------------------------------------------------------------------------------

  storageGet(contract: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    return this.top.get(storageKey(contract, key));
  }

  storageHas(contract: Uint8Array, key: Uint8Array): boolean {
    return this.top.get(storageKey(contract, key)) !== undefined;
  }

  storageSet(contract: Uint8Array, key: Uint8Array, value: Uint8Array): void {
    this.index.touch(contract, key);
    this.top.set(storageKey(contract, key), value);
  }

  storageRemove(contract: Uint8Array, key: Uint8Array): void {
    this.index.touch(contract, key);
    this.top.delete(storageKey(contract, key));
  }

  storageNext(
    contract: Uint8Array,
    prefix: Uint8Array,
    after: Uint8Array | undefined,
  ): StorageEntry | undefined {
    if (!this.canIterate(contract)) throw new StorageIndexMiss(contract);
    const top = this.top;
    for (const key of this.index.candidates(contract, prefix, after)) {
      const value = top.get(storageKey(contract, key));
      if (value !== undefined) return { key: key.slice(), value };
    }
    return undefined;
  }

  // --- native ANKR --------------------------------------------------------------------------

  balanceOf(address: Uint8Array): bigint {
    return getAccount(this.top, address).balance;
  }

  transfer(from: Uint8Array, to: Uint8Array, amount: bigint): boolean {
    const top = this.top;
    const a = getAccount(top, from);
    if (amount < 0n || a.balance < amount) return false;
    if (amount === 0n) return true;
    setAccount(top, from, { balance: a.balance - amount, nonce: a.nonce });
    credit(top, to, amount);
    this.transfers[this.transfers.length - 1]!.push(transferEvent(from, to, amount));
    return true;
  }

  // --- snapshots ----------------------------------------------------------------------------

  snapshot(): SnapshotId {
    this.layers.push(new CacheStore(this.top));
    this.transfers.push([]);
    return this.layers.length - 1;
  }

  revert(id: SnapshotId): void {
    this.checkTop(id);
    this.layers.pop()!.discard();
    this.transfers.pop();
  }

  release(id: SnapshotId): void {
    this.checkTop(id);
    const layer = this.layers.pop()!;
    layer.writeTo(this.top);
    const events = this.transfers.pop()!;
    this.transfers[this.transfers.length - 1]!.push(...events);
  }

  debugLog(contract: Uint8Array, message: string): void {
    this.logger?.debug("contract log", { contract: toBech32(contract), message });
  }

  private checkTop(id: SnapshotId): void {
    if (id !== this.layers.length - 1 || id < 1) {
      throw new AppError(
        "INTERNAL",
        `snapshot ${id} is not the innermost open snapshot (${this.layers.length - 1})`,
      );
    }
  }
}
