import binaryen from "binaryen";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../../src/crypto/hash.js";
import { isVmError, type VmErrorCode } from "../../../src/vm/errors.js";
import { DEFAULT_VM_LIMITS } from "../../../src/vm/limits.js";
import { VmRuntime } from "../../../src/vm/runtime.js";
import { contractWasm, wat } from "./helpers.js";

const vm = new VmRuntime();

function rejects(bytes: Uint8Array, code: VmErrorCode, message?: RegExp): void {
  let caught: unknown;
  try {
    vm.prepareCode(bytes);
  } catch (err) {
    caught = err;
  }
  expect(isVmError(caught), `expected a VmError ${code}, got ${String(caught)}`).toBe(true);
  if (!isVmError(caught)) return;
  expect(caught.code, caught.message).toBe(code);
  if (message) expect(caught.message).toMatch(message);
}

const mod = (body: string, memory = '(memory (export "memory") 1)') => wat(`(module ${body} ${memory})`);

describe("deploy validation", () => {
  it("accepts a minimal module and the AssemblyScript examples", async () => {
    expect(vm.prepareCode(mod('(func (export "run"))')).methods).toEqual(["run"]);
    for (const name of ["counter", "token", "sla-escrow"]) {
      const prepared = vm.prepareCode(await contractWasm(`examples/${name}`));
      expect(prepared.methods.length).toBeGreaterThan(2);
      expect(prepared.hasInit).toBe(true);
    }
  });

  it("rejects malformed wasm", async () => {
    rejects(new Uint8Array(0), "VM_INVALID_WASM");
    rejects(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff]), "VM_INVALID_WASM");
    rejects(new TextEncoder().encode("definitely not wasm"), "VM_INVALID_WASM");
    const real = await contractWasm("examples/counter");
    rejects(real.slice(0, real.length >> 1), "VM_INVALID_WASM");
  });

  it("rejects float instructions, float types and float globals", () => {
    rejects(
      mod('(func (export "run") (drop (f64.add (f64.const 1) (f64.const 2))))'),
      "VM_FLOAT_INSTRUCTION",
      /floating-point/,
    );
    rejects(mod("(func $f (param f32))"), "VM_FLOAT_INSTRUCTION");
    rejects(mod("(global $g (mut f64) (f64.const 0))"), "VM_FLOAT_INSTRUCTION");
    rejects(mod('(func (export "run") (drop (i32.trunc_sat_f32_s (f32.const 1))))'), "VM_FLOAT_INSTRUCTION");
    rejects(
      mod('(func (export "run") (local i64) (drop (i64.reinterpret_f64 (f64.const 0))))'),
      "VM_FLOAT_INSTRUCTION",
    );
  });

  it("rejects imports outside the host API, with a wrong signature, or of other kinds", () => {
    rejects(
      mod('(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))'),
      "VM_DISALLOWED_IMPORT",
      /wasi_snapshot_preview1\.fd_write/,
    );
    rejects(mod('(import "env" "seed" (func (result i64)))'), "VM_DISALLOWED_IMPORT");
    rejects(
      mod('(import "dccn" "storage_get" (func (param i32) (result i32)))'),
      "VM_DISALLOWED_IMPORT",
      /signature/,
    );
    rejects(
      wat('(module (import "env" "memory" (memory 1)) (export "memory" (memory 0)))'),
      "VM_DISALLOWED_IMPORT",
    );
    rejects(mod('(import "dccn" "gas" (global i32))'), "VM_DISALLOWED_IMPORT");
    // The real host functions are fine.
    expect(() =>
      vm.prepareCode(mod('(import "dccn" "storage_get" (func (param i32 i32) (result i32)))')),
    ).not.toThrow();
  });

  it("rejects a start function", () => {
    rejects(mod("(func $init) (start $init)"), "VM_START_FUNCTION", /exportStart/);
  });

  it("rejects oversize code, too many functions, huge bodies and too many locals", () => {
    const big = "a".repeat(DEFAULT_VM_LIMITS.maxCodeBytes + 1);
    rejects(mod(`(data (i32.const 0) "${big}")`, '(memory (export "memory") 16)'), "VM_CODE_TOO_LARGE");
    rejects(mod("(func)".repeat(DEFAULT_VM_LIMITS.maxFunctions + 1)), "VM_TOO_MANY_FUNCTIONS");
    const body = "(drop (i32.const 1000000))".repeat(30_000);
    rejects(mod(`(func (export "run") ${body})`), "VM_FUNCTION_TOO_LARGE");
    rejects(mod(`(func (local ${"i32 ".repeat(DEFAULT_VM_LIMITS.maxLocals + 1)}))`), "VM_TOO_MANY_LOCALS");
  });

  it("rejects expression trees nested deeper than the limit at instrumentation", () => {
    const depth = DEFAULT_VM_LIMITS.maxExpressionDepth + 10;
    const expr = `${"(i32.add (i32.const 1) ".repeat(depth)}(i32.const 1)${")".repeat(depth)}`;
    rejects(mod(`(func (export "run") (drop ${expr}))`), "VM_FUNCTION_TOO_LARGE", /nests expressions/);
  });

  it("rejects features outside the allowed set", () => {
    rejects(mod('(func (export "run") (drop (v128.const i32x4 0 0 0 0)))'), "VM_DISALLOWED_FEATURE", /SIMD/);
    rejects(
      mod('(func (export "run") (drop (i32.atomic.load (i32.const 0))))'),
      "VM_DISALLOWED_FEATURE",
      /threads/,
    );
    rejects(mod('(func (export "run"))', '(memory (export "memory") 1 1 shared)'), "VM_DISALLOWED_FEATURE");
    rejects(mod("(table 1 externref)"), "VM_DISALLOWED_FEATURE");
    rejects(mod('(func $f) (func (export "run") (return_call $f))'), "VM_DISALLOWED_FEATURE", /tail calls/);
    rejects(
      mod("(func $f (result i32 i32) (i32.const 1) (i32.const 2))"),
      "VM_DISALLOWED_FEATURE",
      /multi-value/,
    );
    rejects(
      mod('(data $d "abc") (func (export "run") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3)))'),
      "VM_DISALLOWED_FEATURE",
    );
  });

  it("rejects unbounded or missing memory and reserved export names", () => {
    rejects(mod("", `(memory (export "memory") ${DEFAULT_VM_LIMITS.maxMemoryPages + 1})`), "VM_MEMORY_LIMIT");
    rejects(wat('(module (func (export "run")))'), "VM_INVALID_MODULE", /linear memory/);
    rejects(wat('(module (memory 1) (func (export "run")))'), "VM_INVALID_MODULE", /export their memory/);
    rejects(mod('(func (export "__dccn_gas"))'), "VM_INVALID_MODULE", /reserved/);
    rejects(mod('(func (export "init") (param i32))'), "VM_INVALID_MODULE", /init/);
  });

  it("stores instrumented code with a capped memory maximum under the hash of the original", () => {
    const original = mod('(func (export "run"))', '(memory (export "memory") 1 1000)');
    const prepared = vm.prepareCode(original);
    expect(prepared.codeHash).toEqual(sha256(original));
    expect(prepared.code).not.toEqual(original);
    expect(vm.prepareCode(original).code).toEqual(prepared.code); // instrumentation is deterministic
    const m = binaryen.readBinary(prepared.code);
    try {
      expect(m.getMemoryInfo().max).toBe(DEFAULT_VM_LIMITS.maxMemoryPages);
      const exports = Array.from(
        { length: m.getNumExports() },
        (_, i) => binaryen.getExportInfo(m.getExportByIndex(i)).name,
      );
      expect(exports).toEqual(expect.arrayContaining(["__dccn_gas", "__dccn_stack", "memory", "run"]));
    } finally {
      m.dispose();
    }
    // A smaller declared maximum is kept.
    const small = binaryen.readBinary(vm.prepareCode(mod("", '(memory (export "memory") 1 2)')).code);
    try {
      expect(small.getMemoryInfo().max).toBe(2);
    } finally {
      small.dispose();
    }
  });
});
