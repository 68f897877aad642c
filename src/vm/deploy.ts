/**
 * Deploy: validate → normalise (drop custom sections, cap the memory maximum) → instrument →
 * compile. The result is what the application stores.
 *
 * Code hash = SHA-256 of the wasm exactly as submitted, so a developer can reproduce it with
 * `sha256sum`. The stored code is the instrumented module, a pure function of the submitted
 * bytes and `GasSchedule.version` (same binaryen version on every node, pinned in package.json).
 */
import { sha256 } from "../crypto/hash.js";
import { VmError } from "./errors.js";
import type { GasSchedule } from "./gas.js";
import { instrumentWasm } from "./instrument.js";
import type { VmLimits } from "./limits.js";
import { capMemoryMaximum, type ValidatedModule, validateWasm } from "./validate.js";

export interface PreparedCode {
  /** SHA-256 of the submitted wasm. */
  readonly codeHash: Uint8Array;
  /** The instrumented module: what is stored and executed. */
  readonly code: Uint8Array;
  readonly originalSize: number;
  /** Exported methods callable by execute/query. */
  readonly methods: readonly string[];
  /** Whether instantiate will call an `init` export. */
  readonly hasInit: boolean;
  readonly scheduleVersion: number;
  /** Gas the deploy tx should be charged (per byte of submitted code). */
  readonly deployGas: number;
}

/** Drops custom sections (names can collide with injected names; debug data is not stored). */
function stripCustomSections(bytes: Uint8Array, module: ValidatedModule): Uint8Array {
  const keep = module.sections.filter((s) => s.id !== 0);
  if (keep.length === module.sections.length) return bytes;
  const parts = [bytes.subarray(0, 8), ...keep.map((s) => bytes.subarray(s.start, s.end))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function prepareCode(wasm: Uint8Array, limits: VmLimits, schedule: GasSchedule): PreparedCode {
  if (!(wasm instanceof Uint8Array)) throw new VmError("VM_INVALID_WASM", "contract code must be bytes");
  const module = validateWasm(wasm, limits);
  let normalised = stripCustomSections(wasm, module);
  // Section offsets changed if custom sections were dropped; re-read before patching memory.
  const layout = normalised === wasm ? module : validateWasm(normalised, limits);
  normalised = capMemoryMaximum(normalised, layout, limits.maxMemoryPages);
  const code = instrumentWasm(normalised, { schedule, limits });
  return {
    codeHash: sha256(wasm),
    code,
    originalSize: wasm.length,
    methods: module.methods,
    hasInit: module.hasInit,
    scheduleVersion: schedule.version,
    deployGas: wasm.length * schedule.host.deployPerByte,
  };
}
