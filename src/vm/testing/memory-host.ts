/**
 * A small, real in-memory `HostEnv` with nested snapshots (an undo journal). Used by the VM's
 * tests and benchmarks; the application implements the same interface over its own state.
 */
import { fromHex, toHex } from "../../codec/bytes.js";
import { sha256 } from "../../crypto/hash.js";
import type { PreparedCode } from "../deploy.js";
import { VmError } from "../errors.js";
import type { HostEnv, SnapshotId, StorageEntry } from "../host-env.js";

interface ContractRecord {
  readonly codeHash: Uint8Array;
  readonly creator: Uint8Array;
}

export interface MemoryHostOptions {
  chainId?: string;
  blockHeight?: number;
  blockTimeMs?: number;
  gasPrice?: bigint;
}

export class MemoryHost implements HostEnv {
  chainId: string;
  blockHeight: number;
  blockTimeMs: number;
  gasPrice: bigint;
  readonly logs: { contract: string; message: string }[] = [];

  private readonly codes = new Map<string, Uint8Array>();
  private readonly contracts = new Map<string, ContractRecord>();
  private readonly balances = new Map<string, bigint>();
  /** contract hex → (key hex → value). Lower-case hex sorts like the bytes it encodes. */
  private readonly storage = new Map<string, Map<string, Uint8Array>>();
  private readonly journal: (() => void)[] = [];
  private readonly marks: number[] = [];

  constructor(opts: MemoryHostOptions = {}) {
    this.chainId = opts.chainId ?? "dccn-test";
    this.blockHeight = opts.blockHeight ?? 1;
    this.blockTimeMs = opts.blockTimeMs ?? 1_700_000_000_000;
    this.gasPrice = opts.gasPrice ?? 1n;
  }

  // ---- setup helpers (not part of HostEnv) -----------------------------------------------

  storeCode(prepared: PreparedCode): void {
    this.codes.set(toHex(prepared.codeHash), prepared.code);
  }

  setBalance(address: Uint8Array, amount: bigint): void {
    this.record(this.balances, toHex(address));
    this.balances.set(toHex(address), amount);
  }

  /** Every contract's storage and every balance, as one digest (a stand-in for an app hash). */
  stateDigest(): string {
    const lines: string[] = [];
    for (const [addr, bal] of [...this.balances].sort(([a], [b]) => (a < b ? -1 : 1)))
      lines.push(`b ${addr} ${bal}`);
    for (const [c, rec] of [...this.contracts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`c ${c} ${toHex(rec.codeHash)}`);
      const kv = this.storage.get(c);
      for (const k of [...(kv?.keys() ?? [])].sort()) lines.push(`s ${c} ${k} ${toHex(kv!.get(k)!)}`);
    }
    return toHex(sha256(new TextEncoder().encode(lines.join("\n"))));
  }

  /** Number of keys a contract holds (tests). */
  storageSize(contract: Uint8Array): number {
    return this.storage.get(toHex(contract))?.size ?? 0;
  }

  get openSnapshots(): number {
    return this.marks.length;
  }

  // ---- HostEnv --------------------------------------------------------------------------

  getCode(codeHash: Uint8Array): Uint8Array | undefined {
    return this.codes.get(toHex(codeHash));
  }

  getContractCodeHash(address: Uint8Array): Uint8Array | undefined {
    return this.contracts.get(toHex(address))?.codeHash;
  }

  createContract(address: Uint8Array, codeHash: Uint8Array, creator: Uint8Array): void {
    const key = toHex(address);
    if (this.contracts.has(key)) throw new VmError("VM_CONTRACT_EXISTS", `contract ${key} exists`);
    this.record(this.contracts, key);
    this.contracts.set(key, { codeHash, creator });
  }

  storageGet(contract: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    return this.storage.get(toHex(contract))?.get(toHex(key));
  }

  storageHas(contract: Uint8Array, key: Uint8Array): boolean {
    return this.storage.get(toHex(contract))?.has(toHex(key)) ?? false;
  }

  storageSet(contract: Uint8Array, key: Uint8Array, value: Uint8Array): void {
    const kv = this.kv(contract);
    const k = toHex(key);
    this.record(kv, k);
    kv.set(k, value.slice());
  }

  storageRemove(contract: Uint8Array, key: Uint8Array): void {
    const kv = this.kv(contract);
    const k = toHex(key);
    if (!kv.has(k)) return;
    this.record(kv, k);
    kv.delete(k);
  }

  storageNext(
    contract: Uint8Array,
    prefix: Uint8Array,
    after: Uint8Array | undefined,
  ): StorageEntry | undefined {
    const kv = this.storage.get(toHex(contract));
    if (kv === undefined) return undefined;
    const p = toHex(prefix);
    const a = after === undefined ? undefined : toHex(after);
    let best: string | undefined;
    for (const k of kv.keys()) {
      if (!k.startsWith(p) || (a !== undefined && k <= a)) continue;
      if (best === undefined || k < best) best = k;
    }
    return best === undefined ? undefined : { key: fromHex(best), value: kv.get(best)! };
  }

  balanceOf(address: Uint8Array): bigint {
    return this.balances.get(toHex(address)) ?? 0n;
  }

  transfer(from: Uint8Array, to: Uint8Array, amount: bigint): boolean {
    if (amount < 0n) return false;
    const have = this.balanceOf(from);
    if (have < amount) return false;
    this.setBalance(from, have - amount);
    this.setBalance(to, this.balanceOf(to) + amount);
    return true;
  }

  snapshot(): SnapshotId {
    this.marks.push(this.journal.length);
    return this.marks.length;
  }

  revert(id: SnapshotId): void {
    this.checkTop(id);
    const mark = this.marks.pop()!;
    while (this.journal.length > mark) this.journal.pop()!();
  }

  release(id: SnapshotId): void {
    this.checkTop(id);
    this.marks.pop();
    if (this.marks.length === 0) this.journal.length = 0;
  }

  debugLog(contract: Uint8Array, message: string): void {
    this.logs.push({ contract: toHex(contract), message });
  }

  // ---- internals ------------------------------------------------------------------------

  private kv(contract: Uint8Array): Map<string, Uint8Array> {
    const c = toHex(contract);
    let kv = this.storage.get(c);
    if (kv === undefined) {
      kv = new Map();
      this.storage.set(c, kv);
    }
    return kv;
  }

  /** Journals the current state of `map[key]` so a revert can restore it. */
  private record<V>(map: Map<string, V>, key: string): void {
    if (this.marks.length === 0) return;
    if (map.has(key)) {
      const old = map.get(key) as V;
      this.journal.push(() => map.set(key, old));
    } else {
      this.journal.push(() => map.delete(key));
    }
  }

  private checkTop(id: SnapshotId): void {
    if (id !== this.marks.length) {
      throw new VmError(
        "VM_BAD_REQUEST",
        `snapshot ${id} is not the innermost open snapshot (${this.marks.length})`,
      );
    }
  }
}
