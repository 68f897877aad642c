/**
 * A bounded LRU cache of compiled `WebAssembly.Module`s keyed by code hash, so hot contracts are
 * compiled once. Compilation is deterministic and never charged, so a cold and a warm cache give
 * the same gas and results.
 */
import { toHex } from "../codec/bytes.js";
import { VmError } from "./errors.js";
import { Wasm, type WasmModule } from "./wasm-api.js";

export interface ModuleCacheStats {
  readonly size: number;
  readonly capacity: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}

export class ModuleCache {
  // Map iteration order is insertion order: the first key is the least recently used.
  private readonly modules = new Map<string, WasmModule>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(readonly capacity = 64) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new VmError(
        "VM_BAD_REQUEST",
        `module cache capacity must be a positive integer, got ${capacity}`,
      );
    }
  }

  /** The compiled module for `codeHash`, compiling `load()`'s code on a miss. */
  get(codeHash: Uint8Array, load: () => Uint8Array | undefined): WasmModule {
    const key = toHex(codeHash);
    const hit = this.modules.get(key);
    if (hit !== undefined) {
      this.hits++;
      this.modules.delete(key);
      this.modules.set(key, hit);
      return hit;
    }
    this.misses++;
    const code = load();
    if (code === undefined) {
      throw new VmError("VM_CODE_NOT_FOUND", `no code stored under hash ${key}`, { codeHash: key });
    }
    let module: WasmModule;
    try {
      module = new Wasm.Module(code);
    } catch (err) {
      throw new VmError(
        "VM_INVALID_WASM",
        `stored code ${key} does not compile`,
        { codeHash: key },
        { cause: err },
      );
    }
    this.put(codeHash, module);
    return module;
  }

  put(codeHash: Uint8Array, module: WasmModule): void {
    const key = toHex(codeHash);
    this.modules.delete(key);
    this.modules.set(key, module);
    while (this.modules.size > this.capacity) {
      const oldest = this.modules.keys().next().value;
      if (oldest === undefined) break;
      this.modules.delete(oldest);
      this.evictions++;
    }
  }

  has(codeHash: Uint8Array): boolean {
    return this.modules.has(toHex(codeHash));
  }

  clear(): void {
    this.modules.clear();
  }

  stats(): ModuleCacheStats {
    return {
      size: this.modules.size,
      capacity: this.capacity,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }
}
