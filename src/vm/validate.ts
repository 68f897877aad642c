/**
 * Deploy-time validation of contract code: V8 first decides whether the bytes are well-formed
 * wasm at all, then our own pass over the binary enforces the contract policy.
 *
 * Allowed feature set: WebAssembly 1.0 (MVP) plus mutable-globals, sign-extension operators and
 * the two bulk-memory instructions `memory.copy` / `memory.fill` (charged per byte by the
 * instrumentation). Everything else is rejected: floating point (types and instructions), SIMD,
 * threads/atomics, reference types, passive segments and memory.init/data.drop, table ops,
 * multi-value, tail calls, exceptions, GC, memory64, multi-memory. No start function; imports only
 * from the host API; one memory, exported as "memory".
 */
import { VmError, type VmErrorCode } from "./errors.js";
import {
  allowedImport,
  type HostFunctionSignature,
  INIT_EXPORT,
  isCallableMethodName,
  MEMORY_EXPORT,
  RESERVED_EXPORT_PREFIX,
  START_EXPORT,
  type WasmValType,
} from "./host-api.js";
import type { VmLimits } from "./limits.js";
import { Wasm } from "./wasm-api.js";
import { encodeU32, WasmReader } from "./wasm-reader.js";

export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface SectionSpan {
  readonly id: number;
  /** Offset of the section id byte. */
  readonly start: number;
  /** Offset of the first payload byte. */
  readonly payloadStart: number;
  /** Offset one past the payload. */
  readonly end: number;
}

export interface ValidatedModule {
  readonly importedFunctions: number;
  readonly definedFunctions: number;
  readonly memory: { readonly initial: number; readonly maximum: number | undefined };
  /** Exported functions that execute/query may call (signature `() -> ()`). */
  readonly methods: readonly string[];
  readonly hasInit: boolean;
  readonly hasStartExport: boolean;
  readonly sections: readonly SectionSpan[];
}

const I32 = 0x7f;
const I64 = 0x7e;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

const reject = (code: VmErrorCode, message: string, meta: Record<string, unknown> = {}): never => {
  throw new VmError(code, message, meta);
};

const floatReject = (where: string, meta: Record<string, unknown> = {}): never =>
  reject(
    "VM_FLOAT_INSTRUCTION",
    `floating-point ${where} is not allowed in contracts (float results are not bit-identical across machines)`,
    meta,
  );

function checkValType(t: number, where: string): void {
  if (t === I32 || t === I64) return;
  if (t === F32 || t === F64) floatReject(`type in ${where}`);
  if (t === V128) reject("VM_DISALLOWED_FEATURE", `SIMD (v128) type in ${where} is not allowed`);
  reject("VM_DISALLOWED_FEATURE", `reference or GC type 0x${t.toString(16)} in ${where} is not allowed`);
}

const VALTYPE_NAME: Record<WasmValType, number> = { i32: I32, i64: I64 };

function sameSignature(t: FuncType, s: HostFunctionSignature): boolean {
  return (
    t.params.length === s.params.length &&
    t.results.length === s.results.length &&
    t.params.every((p, i) => p === VALTYPE_NAME[s.params[i]!]) &&
    t.results.every((r, i) => r === VALTYPE_NAME[s.results[i]!])
  );
}

const fmtType = (t: FuncType): string => {
  const n = (v: number) => (v === I32 ? "i32" : v === I64 ? "i64" : `0x${v.toString(16)}`);
  return `(${t.params.map(n).join(", ")}) -> (${t.results.map(n).join(", ")})`;
};

/** Validates `bytes` against the policy; throws a VmError naming the first violation. */
export function validateWasm(bytes: Uint8Array, limits: VmLimits): ValidatedModule {
  if (bytes.length > limits.maxCodeBytes) {
    reject(
      "VM_CODE_TOO_LARGE",
      `contract code is ${bytes.length} bytes; the limit is ${limits.maxCodeBytes}`,
      {
        size: bytes.length,
        limit: limits.maxCodeBytes,
      },
    );
  }
  if (!Wasm.validate(bytes)) {
    let why = "not a valid WebAssembly module";
    try {
      new Wasm.Module(bytes);
    } catch (err) {
      if (err instanceof Error) why = err.message;
    }
    reject("VM_INVALID_WASM", `invalid wasm: ${why}`);
  }
  return new PolicyCheck(bytes, limits).run();
}

class PolicyCheck {
  private readonly types: FuncType[] = [];
  private readonly funcTypes: number[] = [];
  private importedFunctions = 0;
  private memory: { initial: number; maximum: number | undefined } | undefined;
  private readonly exports: { name: string; kind: number; index: number }[] = [];
  private readonly sections: SectionSpan[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: VmLimits,
  ) {}

  run(): ValidatedModule {
    const r = new WasmReader(this.bytes, 8);
    while (!r.done) {
      const start = r.pos;
      const id = r.u8();
      const size = r.u32();
      const payloadStart = r.pos;
      r.skip(size);
      this.sections.push({ id, start, payloadStart, end: r.pos });
      this.section(id, new WasmReader(this.bytes, payloadStart, payloadStart + size));
    }
    return this.summary();
  }

  private section(id: number, r: WasmReader): void {
    switch (id) {
      case 0:
        break; // custom (names, producers): ignored, dropped before instrumentation
      case 1:
        this.typeSection(r);
        break;
      case 2:
        this.importSection(r);
        break;
      case 3:
        this.functionSection(r);
        break;
      case 4:
        this.tableSection(r);
        break;
      case 5:
        this.memorySection(r);
        break;
      case 6:
        this.globalSection(r);
        break;
      case 7:
        this.exportSection(r);
        break;
      case 8:
        reject(
          "VM_START_FUNCTION",
          "contracts may not have a start function; export it instead (AssemblyScript: --exportStart _start)",
        );
        break;
      case 9:
        this.elementSection(r);
        break;
      case 10:
        this.codeSection(r);
        break;
      case 11:
        this.dataSection(r);
        break;
      case 12:
        break; // data count: only meaningful with memory.init, which the code scan rejects
      case 13:
        reject("VM_DISALLOWED_FEATURE", "exception handling (tag section) is not allowed");
        break;
      default:
        reject("VM_DISALLOWED_FEATURE", `unsupported section id ${id}`);
    }
  }

  private typeSection(r: WasmReader): void {
    const n = r.u32();
    if (n > this.limits.maxTypes) {
      reject("VM_INVALID_MODULE", `${n} function types; the limit is ${this.limits.maxTypes}`);
    }
    for (let i = 0; i < n; i++) {
      const form = r.u8();
      if (form !== 0x60)
        reject("VM_DISALLOWED_FEATURE", `type ${i}: only function types are allowed (GC types)`);
      const params: number[] = [];
      const results: number[] = [];
      for (let p = r.u32(); p > 0; p--) {
        const t = r.u8();
        checkValType(t, `type ${i}`);
        params.push(t);
      }
      for (let p = r.u32(); p > 0; p--) {
        const t = r.u8();
        checkValType(t, `type ${i}`);
        results.push(t);
      }
      if (results.length > 1)
        reject("VM_DISALLOWED_FEATURE", `type ${i}: multi-value results are not allowed`);
      this.types.push({ params, results });
    }
  }

  private importSection(r: WasmReader): void {
    const n = r.u32();
    if (n > this.limits.maxImports) {
      reject("VM_DISALLOWED_IMPORT", `${n} imports; the limit is ${this.limits.maxImports}`);
    }
    for (let i = 0; i < n; i++) {
      const module = r.name();
      const name = r.name();
      const kind = r.u8();
      const what = `${module}.${name}`;
      if (kind !== 0) {
        const kindName = ["function", "table", "memory", "global", "tag"][kind] ?? `kind ${kind}`;
        reject(
          "VM_DISALLOWED_IMPORT",
          `import ${what} is a ${kindName}; contracts may import only host functions`,
          {
            import: what,
          },
        );
      }
      const typeIndex = r.u32();
      const expected = allowedImport(module, name);
      if (expected === undefined) {
        throw new VmError(
          "VM_DISALLOWED_IMPORT",
          `import ${what} is not part of the host API (allowed: "dccn" host functions and env.abort)`,
          { import: what },
        );
      }
      const actual = this.types[typeIndex]!;
      if (!sameSignature(actual, expected)) {
        reject(
          "VM_DISALLOWED_IMPORT",
          `import ${what} has signature ${fmtType(actual)}; the host API defines another`,
          {
            import: what,
          },
        );
      }
      this.funcTypes.push(typeIndex);
      this.importedFunctions++;
    }
  }

  private functionSection(r: WasmReader): void {
    const n = r.u32();
    if (n > this.limits.maxFunctions) {
      reject("VM_TOO_MANY_FUNCTIONS", `${n} functions; the limit is ${this.limits.maxFunctions}`, {
        functions: n,
        limit: this.limits.maxFunctions,
      });
    }
    for (let i = 0; i < n; i++) this.funcTypes.push(r.u32());
  }

  private limitsOf(r: WasmReader, what: string): { initial: number; maximum: number | undefined } {
    const flags = r.u8();
    if (flags > 1) {
      reject(
        "VM_DISALLOWED_FEATURE",
        `${what}: shared or 64-bit ${what} is not allowed (threads / memory64)`,
      );
    }
    const initial = r.u32();
    const maximum = flags === 1 ? r.u32() : undefined;
    return { initial, maximum };
  }

  private tableSection(r: WasmReader): void {
    const n = r.u32();
    if (n > 1) reject("VM_DISALLOWED_FEATURE", "more than one table is not allowed (reference types)");
    if (n === 0) return;
    const elemType = r.u8();
    if (elemType !== 0x70) reject("VM_DISALLOWED_FEATURE", "only funcref tables are allowed");
    const { initial } = this.limitsOf(r, "table");
    if (initial > this.limits.maxTableElements) {
      reject("VM_TABLE_LIMIT", `table of ${initial} elements; the limit is ${this.limits.maxTableElements}`);
    }
  }

  private memorySection(r: WasmReader): void {
    const n = r.u32();
    if (n > 1) reject("VM_DISALLOWED_FEATURE", "more than one memory is not allowed (multi-memory)");
    if (n === 0) return;
    const mem = this.limitsOf(r, "memory");
    if (mem.initial > this.limits.maxMemoryPages) {
      reject(
        "VM_MEMORY_LIMIT",
        `initial memory of ${mem.initial} pages exceeds the limit of ${this.limits.maxMemoryPages} pages`,
        { pages: mem.initial, limit: this.limits.maxMemoryPages },
      );
    }
    this.memory = mem;
  }

  private globalSection(r: WasmReader): void {
    const n = r.u32();
    if (n > this.limits.maxGlobals) {
      reject("VM_INVALID_MODULE", `${n} globals; the limit is ${this.limits.maxGlobals}`);
    }
    for (let i = 0; i < n; i++) {
      checkValType(r.u8(), `global ${i}`);
      r.u8(); // mutability
      this.constExpr(r, `global ${i}`);
    }
  }

  /** Initialiser expressions: a single integer constant (global imports are not allowed). */
  private constExpr(r: WasmReader, where: string): void {
    const op = r.u8();
    if (op === 0x41) r.skipLeb(5);
    else if (op === 0x42) r.skipLeb(10);
    else if (op === 0x43 || op === 0x44) floatReject(`constant in ${where}`);
    else reject("VM_DISALLOWED_FEATURE", `${where}: initialiser opcode 0x${op.toString(16)} is not allowed`);
    if (r.u8() !== 0x0b)
      reject("VM_DISALLOWED_FEATURE", `${where}: extended constant expressions are not allowed`);
  }

  private exportSection(r: WasmReader): void {
    const n = r.u32();
    if (n > this.limits.maxExports) {
      reject("VM_INVALID_MODULE", `${n} exports; the limit is ${this.limits.maxExports}`);
    }
    for (let i = 0; i < n; i++) {
      const name = r.name();
      const kind = r.u8();
      const index = r.u32();
      if (name.startsWith(RESERVED_EXPORT_PREFIX)) {
        reject("VM_INVALID_MODULE", `export "${name}" uses the reserved prefix "${RESERVED_EXPORT_PREFIX}"`);
      }
      this.exports.push({ name, kind, index });
    }
  }

  private elementSection(r: WasmReader): void {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const flags = r.u32();
      if (flags !== 0) {
        reject("VM_DISALLOWED_FEATURE", `element segment ${i}: only active funcref segments are allowed`);
      }
      this.constExpr(r, `element segment ${i} offset`);
      for (let k = r.u32(); k > 0; k--) r.u32();
    }
  }

  private dataSection(r: WasmReader): void {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const flags = r.u32();
      if (flags !== 0) {
        reject("VM_DISALLOWED_FEATURE", `data segment ${i}: only active segments of memory 0 are allowed`);
      }
      this.constExpr(r, `data segment ${i} offset`);
      r.skip(r.u32());
    }
  }

  private codeSection(r: WasmReader): void {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const funcIndex = this.importedFunctions + i;
      const size = r.u32();
      if (size > this.limits.maxFunctionBodyBytes) {
        reject(
          "VM_FUNCTION_TOO_LARGE",
          `function ${funcIndex} body is ${size} bytes; the limit is ${this.limits.maxFunctionBodyBytes}`,
          { function: funcIndex, size, limit: this.limits.maxFunctionBodyBytes },
        );
      }
      const body = new WasmReader(this.bytes, r.pos, r.pos + size);
      r.skip(size);
      let locals = this.types[this.funcTypes[funcIndex]!]!.params.length;
      for (let groups = body.u32(); groups > 0; groups--) {
        locals += body.u32();
        if (locals > this.limits.maxLocals) {
          reject(
            "VM_TOO_MANY_LOCALS",
            `function ${funcIndex} has more than ${this.limits.maxLocals} parameters and locals`,
            { function: funcIndex, limit: this.limits.maxLocals },
          );
        }
        checkValType(body.u8(), `locals of function ${funcIndex}`);
      }
      scanInstructions(body, funcIndex);
    }
  }

  private summary(): ValidatedModule {
    const memory = this.memory;
    if (memory === undefined) {
      return reject("VM_INVALID_MODULE", 'contracts must define a linear memory (exported as "memory")');
    }
    const memExport = this.exports.find((e) => e.name === MEMORY_EXPORT);
    if (memExport === undefined || memExport.kind !== 2) {
      reject("VM_INVALID_MODULE", 'contracts must export their memory as "memory"');
    }
    const methods: string[] = [];
    let hasInit = false;
    let hasStartExport = false;
    for (const e of this.exports) {
      if (e.kind !== 0) continue;
      const type = this.types[this.funcTypes[e.index]!]!;
      const nullary = type.params.length === 0 && type.results.length === 0;
      if (e.name === INIT_EXPORT || e.name === START_EXPORT) {
        if (!nullary) reject("VM_INVALID_MODULE", `export "${e.name}" must have signature () -> ()`);
        if (e.name === INIT_EXPORT) hasInit = true;
        else hasStartExport = true;
      } else if (nullary && isCallableMethodName(e.name)) {
        methods.push(e.name);
      }
    }
    return {
      importedFunctions: this.importedFunctions,
      definedFunctions: this.funcTypes.length - this.importedFunctions,
      memory,
      methods: methods.sort(),
      hasInit,
      hasStartExport,
      sections: this.sections,
    };
  }
}

/** Opcodes of float instructions in the single-byte space (loads/stores, consts, compare, ALU, conversions). */
function isFloatOpcode(op: number): boolean {
  return (
    op === 0x2a ||
    op === 0x2b ||
    op === 0x38 ||
    op === 0x39 ||
    op === 0x43 ||
    op === 0x44 ||
    (op >= 0x5b && op <= 0x66) ||
    (op >= 0x8b && op <= 0xa6) ||
    (op >= 0xa8 && op <= 0xab) ||
    (op >= 0xae && op <= 0xbf)
  );
}

const FEATURE_OF: ReadonlyMap<number, string> = new Map([
  [0x06, "exception handling"],
  [0x07, "exception handling"],
  [0x08, "exception handling"],
  [0x09, "exception handling"],
  [0x0a, "exception handling"],
  [0x18, "exception handling"],
  [0x19, "exception handling"],
  [0x1f, "exception handling"],
  [0x12, "tail calls"],
  [0x13, "tail calls"],
  [0x14, "typed function references"],
  [0x15, "typed function references"],
  [0x1c, "reference types (typed select)"],
  [0x25, "reference types (table.get)"],
  [0x26, "reference types (table.set)"],
  [0xd0, "reference types"],
  [0xd1, "reference types"],
  [0xd2, "reference types"],
  [0xfb, "GC"],
  [0xfd, "SIMD"],
  [0xfe, "threads (atomics)"],
]);

/**
 * Steps through one function body (already validated by V8) and rejects any instruction outside
 * the allowed feature set. Only allowed instructions need their immediates decoded: the scan
 * stops at the first disallowed one.
 */
function scanInstructions(r: WasmReader, funcIndex: number): void {
  while (!r.done) {
    const at = r.pos;
    const op = r.u8();
    const meta = { function: funcIndex, offset: at, opcode: `0x${op.toString(16)}` };
    if (isFloatOpcode(op)) floatReject(`instruction 0x${op.toString(16)} in function ${funcIndex}`, meta);
    if (
      op <= 0x01 ||
      op === 0x05 ||
      op === 0x0b ||
      op === 0x0f ||
      op === 0x1a ||
      op === 0x1b ||
      (op >= 0x45 && op <= 0xc4)
    ) {
      continue; // no immediates (the float ones in this range were rejected above)
    }
    if (op >= 0x02 && op <= 0x04) {
      const bt = r.u8();
      if (bt === 0x40 || bt === I32 || bt === I64) continue;
      if (bt === F32 || bt === F64) floatReject(`block type in function ${funcIndex}`, meta);
      reject(
        "VM_DISALLOWED_FEATURE",
        `function ${funcIndex}: multi-value or reference block types are not allowed`,
        meta,
      );
    }
    if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x24)) {
      r.u32();
      continue;
    }
    if (op === 0x0e) {
      for (let n = r.u32() + 1; n > 0; n--) r.u32();
      continue;
    }
    if (op === 0x11) {
      r.u32();
      if (r.u32() !== 0)
        reject("VM_DISALLOWED_FEATURE", `function ${funcIndex}: call_indirect on table > 0`, meta);
      continue;
    }
    if (op >= 0x28 && op <= 0x3e) {
      r.u32(); // align
      r.u32(); // offset
      continue;
    }
    if (op === 0x3f || op === 0x40) {
      r.u8();
      continue;
    }
    if (op === 0x41) {
      r.skipLeb(5);
      continue;
    }
    if (op === 0x42) {
      r.skipLeb(10);
      continue;
    }
    if (op === 0xfc) {
      const sub = r.u32();
      if (sub <= 7) floatReject(`conversion 0xfc ${sub} in function ${funcIndex}`, meta);
      if (sub === 10) {
        r.u8();
        r.u8();
        continue;
      }
      if (sub === 11) {
        r.u8();
        continue;
      }
      const what = sub === 8 || sub === 9 ? "memory.init / data.drop (passive segments)" : "table operations";
      reject("VM_DISALLOWED_FEATURE", `function ${funcIndex}: ${what} are not allowed`, meta);
    }
    const feature = FEATURE_OF.get(op) ?? `opcode 0x${op.toString(16)}`;
    reject("VM_DISALLOWED_FEATURE", `function ${funcIndex}: ${feature} is not allowed`, meta);
  }
}

/**
 * Returns a copy of `bytes` whose memory maximum is min(declared, maxPages), so that memory.grow
 * beyond the cap fails (returns -1) identically everywhere instead of allocating.
 */
export function capMemoryMaximum(bytes: Uint8Array, module: ValidatedModule, maxPages: number): Uint8Array {
  const { initial, maximum } = module.memory;
  if (maximum !== undefined && maximum <= maxPages) return bytes;
  const section = module.sections.find((s) => s.id === 5)!;
  const payload = [1, 0x01, ...encodeU32(initial), ...encodeU32(maxPages)];
  const head = [5, ...encodeU32(payload.length)];
  const out = new Uint8Array(bytes.length - (section.end - section.start) + head.length + payload.length);
  out.set(bytes.subarray(0, section.start), 0);
  out.set(head, section.start);
  out.set(payload, section.start + head.length);
  out.set(bytes.subarray(section.end), section.start + head.length + payload.length);
  return out;
}
