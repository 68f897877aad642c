/**
 * What the runtime needs from the chain. The application implements `HostEnv` over its state
 * (with snapshot/rollback); `testing/memory-host.ts` is a small in-memory implementation.
 *
 * Every method is synchronous: wasm host imports cannot await in Node 20 (no JSPI), so the
 * state a contract touches must be readable synchronously (e.g. through the app's write-back
 * cache over its store). Storage keys are raw bytes in the contract's own namespace; the host
 * prefixes them with the contract address however it likes. Addresses are 20 bytes, amounts are
 * bigint in the smallest ANKR unit.
 */

export interface StorageEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** An opaque marker returned by `snapshot()`. */
export type SnapshotId = number;

export interface HostEnv {
  readonly chainId: string;
  readonly blockHeight: number;
  /** Block time, milliseconds since the Unix epoch (from the block header, never the wall clock). */
  readonly blockTimeMs: number;
  /** The gas price of the tx being executed (0 for queries). */
  readonly gasPrice: bigint;

  /** Instrumented code stored at deploy, by code hash. */
  getCode(codeHash: Uint8Array): Uint8Array | undefined;
  /** The code hash of the contract at `address`, or undefined if there is no contract there. */
  getContractCodeHash(address: Uint8Array): Uint8Array | undefined;
  /** Registers a new contract (instantiate). The runtime has checked the address is free. */
  createContract(address: Uint8Array, codeHash: Uint8Array, creator: Uint8Array): void;

  storageGet(contract: Uint8Array, key: Uint8Array): Uint8Array | undefined;
  storageHas(contract: Uint8Array, key: Uint8Array): boolean;
  storageSet(contract: Uint8Array, key: Uint8Array, value: Uint8Array): void;
  storageRemove(contract: Uint8Array, key: Uint8Array): void;
  /** The first entry whose key starts with `prefix` and is bytewise greater than `after` (if given). */
  storageNext(
    contract: Uint8Array,
    prefix: Uint8Array,
    after: Uint8Array | undefined,
  ): StorageEntry | undefined;

  balanceOf(address: Uint8Array): bigint;
  /** Moves native ANKR; returns false (changing nothing) if `from` holds less than `amount`. */
  transfer(from: Uint8Array, to: Uint8Array, amount: bigint): boolean;

  /**
   * Marks the current state. `revert(id)` undoes every change made since (storage, balances,
   * contract registrations); `release(id)` keeps them (they stay revertible by an outer
   * snapshot). Snapshots nest and are closed in LIFO order.
   */
  snapshot(): SnapshotId;
  revert(id: SnapshotId): void;
  release(id: SnapshotId): void;

  /** Optional sink for contracts' debug logs. Never feeds consensus. */
  debugLog?(contract: Uint8Array, message: string): void;
}

/** An event emitted by a contract; the app maps it to an ABCI event (e.g. type `wasm-<type>`). */
export interface ContractEvent {
  readonly contract: Uint8Array;
  readonly type: string;
  readonly attributes: readonly (readonly [key: string, value: string])[];
}
