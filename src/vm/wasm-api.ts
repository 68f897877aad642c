/**
 * The slice of the JS WebAssembly API the runtime uses, typed locally: the project compiles
 * against ES2023 + @types/node 20, neither of which declares the `WebAssembly` global.
 */
export interface WasmModule {
  readonly __brand?: "WebAssembly.Module";
}

export interface WasmGlobal {
  value: number | bigint;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export type WasmExport = ((...args: never[]) => unknown) | WasmGlobal | WasmMemory;

export interface WasmInstance {
  readonly exports: Readonly<Record<string, WasmExport>>;
}

export type WasmImports = Record<string, Record<string, (...args: never[]) => unknown>>;

type ErrorClass = new (message?: string) => Error;

interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  // Traps: unreachable, out-of-bounds access, integer divide by zero, ...
  RuntimeError: ErrorClass;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
