/**
 * Gas metering and stack-height limiting, injected once at deploy with binaryen.js. The output
 * is what gets stored and executed.
 *
 * Gas: a mutable i64 global (exported as `__dccn_gas`) holds the gas left. Code is split into
 * metering regions — a function body, one loop iteration, one `if` arm — and each region starts
 * with `gas -= cost; if (gas < 0) unreachable`, where cost sums the cost table over every
 * instruction the region can execute outside nested regions (plain nested blocks are folded into
 * their parent, so a region exited early by a branch pays for the whole region; still
 * deterministic, and one check per loop iteration instead of per basic block). memory.grow,
 * memory.copy and memory.fill become calls to injected helpers that first charge per page / per
 * byte. The runtime tells out-of-gas from other traps by the global being negative.
 *
 * Stack: an i32 global (`__dccn_stack`) counts stack units. Every function that calls anything
 * adds its frame cost on entry, traps when over the limit, and subtracts it on every exit
 * (`return` is rewritten into a branch to the exit path). Leaf functions are skipped: they add a
 * single bounded frame. Recursion depth is therefore a function of the code alone, identical on
 * every machine and V8 tier.
 */
import binaryen from "binaryen";
import { bx, childSlots } from "./binaryen-ext.js";
import { VmError } from "./errors.js";
import type { GasSchedule } from "./gas.js";
import { GAS_GLOBAL_EXPORT, STACK_GLOBAL_EXPORT } from "./host-api.js";
import { FRAME_BASE_UNITS, type VmLimits } from "./limits.js";
import { Wasm } from "./wasm-api.js";

type Ref = number;

// BulkMemoryOpt is binaryen's name for the memory.copy/memory.fill subset of bulk memory; it must
// accompany BulkMemory (an assertion in binaryen aborts otherwise).
export const ALLOWED_FEATURES: number =
  binaryen.Features.MVP |
  binaryen.Features.MutableGlobals |
  binaryen.Features.SignExt |
  binaryen.Features.BulkMemory |
  binaryen.Features.BulkMemoryOpt;

const GAS = GAS_GLOBAL_EXPORT;
const STACK = STACK_GLOBAL_EXPORT;
const GROW_HELPER = "__dccn_memory_grow";
const COPY_HELPER = "__dccn_memory_copy";
const FILL_HELPER = "__dccn_memory_fill";
const BODY_LABEL = "__dccn_body";

export interface InstrumentOptions {
  readonly schedule: GasSchedule;
  readonly limits: VmLimits;
}

/** Instruments validated, normalised wasm (no custom sections); returns the code to store. */
export function instrumentWasm(wasm: Uint8Array, opts: InstrumentOptions): Uint8Array {
  let mod: binaryen.Module | undefined;
  try {
    mod = bx.readBinary(wasm, ALLOWED_FEATURES);
    mod.setFeatures(ALLOWED_FEATURES);
    new Instrumenter(mod, opts).run();
    if (!mod.validate()) throw new Error("binaryen rejected the instrumented module");
    const out = mod.emitBinary();
    if (!Wasm.validate(out)) throw new Error("V8 rejected the instrumented module");
    return out;
  } catch (err) {
    if (err instanceof VmError) throw err;
    throw new VmError(
      "VM_INSTRUMENTATION_FAILED",
      `could not instrument the contract: ${err instanceof Error ? err.message : String(err)}`,
      {},
      { cause: err },
    );
  } finally {
    mod?.dispose();
  }
}

class Instrumenter {
  private readonly costs: GasSchedule["instructions"];
  private readonly expensiveBinary: Map<number, number>;
  private needGrow = false;
  private needCopy = false;
  private needFill = false;

  constructor(
    private readonly m: binaryen.Module,
    private readonly opts: InstrumentOptions,
  ) {
    this.costs = opts.schedule.instructions;
    const c = this.costs;
    this.expensiveBinary = new Map([
      [binaryen.MulInt32, c.mul],
      [binaryen.MulInt64, c.mul],
      [binaryen.DivSInt32, c.divRem],
      [binaryen.DivUInt32, c.divRem],
      [binaryen.RemSInt32, c.divRem],
      [binaryen.RemUInt32, c.divRem],
      [binaryen.DivSInt64, c.divRem],
      [binaryen.DivUInt64, c.divRem],
      [binaryen.RemSInt64, c.divRem],
      [binaryen.RemUInt64, c.divRem],
    ]);
  }

  run(): void {
    const m = this.m;
    const functions: Ref[] = [];
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const f = m.getFunctionByIndex(i);
      if (!binaryen.getFunctionInfo(f).module) functions.push(f);
    }
    m.addGlobal(GAS, binaryen.i64, true, this.i64(0));
    m.addGlobal(STACK, binaryen.i32, true, m.i32.const(0));
    m.addGlobalExport(GAS, GAS);
    m.addGlobalExport(STACK, STACK);
    for (const f of functions) this.instrumentFunction(f);
    this.addHelpers();
  }

  // ---- gas ----------------------------------------------------------------------------------

  /** binaryen.js 132 takes i64 constants as one bigint (its typings still say low/high). */
  private i64(value: number): Ref {
    return (this.m.i64.const as unknown as (v: bigint) => Ref)(BigInt(value));
  }

  /** `gas -= amount; if (gas < 0) unreachable` with a static amount. */
  private charge(amount: number): Ref[] {
    return this.chargeExpr(this.i64(amount));
  }

  private chargeExpr(amount: Ref): Ref[] {
    const m = this.m;
    return [
      m.global.set(GAS, m.i64.sub(m.global.get(GAS, binaryen.i64), amount)),
      m.if(m.i64.lt_s(m.global.get(GAS, binaryen.i64), this.i64(0)), m.unreachable()),
    ];
  }

  private withCharge(expr: Ref, cost: number): Ref {
    if (cost === 0) return expr;
    return this.m.block(null, [...this.charge(cost), expr], binaryen.auto);
  }

  private ownCost(expr: Ref, id: number): number {
    const c = this.costs;
    switch (id) {
      case binaryen.BlockId:
      case binaryen.NopId:
        return 0;
      case binaryen.LoadId:
        return c.load;
      case binaryen.StoreId:
        return c.store;
      case binaryen.BinaryId:
        return this.expensiveBinary.get(bx.Binary.getOp(expr)) ?? c.base;
      case binaryen.CallId:
        return c.call;
      case binaryen.CallIndirectId:
        return c.callIndirect;
      case binaryen.MemorySizeId:
        return c.memorySize;
      default:
        return c.base;
    }
  }

  /**
   * Meters `expr` in place and returns the cost it adds to its enclosing region. Loop bodies and
   * if-arms become regions of their own. `rewriteReturns` turns `return` into a branch to the
   * function's exit path (stack accounting).
   */
  private meter(expr: Ref, rewriteReturns: boolean): number {
    const id = binaryen.getExpressionId(expr);
    let cost = this.ownCost(expr, id);
    if (id === binaryen.LoopId) {
      const body = bx.Loop.getBody(expr);
      const inner = this.meterSlot({ get: () => body, set: (c) => bx.Loop.setBody(expr, c) }, rewriteReturns);
      bx.Loop.setBody(expr, this.withCharge(bx.Loop.getBody(expr), inner));
      return cost;
    }
    if (id === binaryen.IfId) {
      cost += this.meterSlot(
        { get: () => bx.If.getCondition(expr), set: (c) => bx.If.setCondition(expr, c) },
        rewriteReturns,
      );
      for (const [get, set] of [
        [bx.If.getIfTrue, bx.If.setIfTrue],
        [bx.If.getIfFalse, bx.If.setIfFalse],
      ] as const) {
        if (get(expr) === 0) continue;
        const inner = this.meterSlot({ get: () => get(expr), set: (c) => set(expr, c) }, rewriteReturns);
        set(expr, this.withCharge(get(expr), inner));
      }
      return cost;
    }
    for (const s of childSlots(expr)) cost += this.meterSlot(s, rewriteReturns);
    return cost;
  }

  /** Meters the child in `slot`, then swaps in a replacement if the child needs one. */
  private meterSlot(slot: { get: () => Ref; set: (c: Ref) => void }, rewriteReturns: boolean): number {
    const expr = slot.get();
    const cost = this.meter(expr, rewriteReturns);
    const replacement = this.replacement(expr, rewriteReturns);
    if (replacement !== undefined) slot.set(replacement);
    return cost;
  }

  private replacement(expr: Ref, rewriteReturns: boolean): Ref | undefined {
    const m = this.m;
    switch (binaryen.getExpressionId(expr)) {
      case binaryen.MemoryGrowId:
        this.needGrow = true;
        return m.call(GROW_HELPER, [bx.MemoryGrow.getDelta(expr)], binaryen.i32);
      case binaryen.MemoryCopyId:
        this.needCopy = true;
        return m.call(
          COPY_HELPER,
          [bx.MemoryCopy.getDest(expr), bx.MemoryCopy.getSource(expr), bx.MemoryCopy.getSize(expr)],
          binaryen.none,
        );
      case binaryen.MemoryFillId:
        this.needFill = true;
        return m.call(
          FILL_HELPER,
          [bx.MemoryFill.getDest(expr), bx.MemoryFill.getValue(expr), bx.MemoryFill.getSize(expr)],
          binaryen.none,
        );
      case binaryen.ReturnId: {
        if (!rewriteReturns) return undefined;
        const value = bx.Return.getValue(expr);
        return value === 0 ? m.br(BODY_LABEL) : m.br(BODY_LABEL, 0, value);
      }
      default:
        return undefined;
    }
  }

  // ---- stack ---------------------------------------------------------------------------------

  /**
   * Whether the tree calls anything, and its depth (a stand-in for operand-stack height).
   * Iterative, so a hostile nesting depth cannot overflow the JS stack before it is rejected.
   */
  private scan(root: Ref, fn: string): { calls: boolean; depth: number } {
    let calls = false;
    let depth = 0;
    const todo: [Ref, number][] = [[root, 1]];
    for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
      const [expr, d] = item;
      if (d > depth) depth = d;
      const id = binaryen.getExpressionId(expr);
      if (id === binaryen.CallId || id === binaryen.CallIndirectId) calls = true;
      for (const s of childSlots(expr)) todo.push([s.get(), d + 1]);
    }
    const limit = this.opts.limits.maxExpressionDepth;
    if (depth > limit) {
      throw new VmError(
        "VM_FUNCTION_TOO_LARGE",
        `function ${fn} nests expressions ${depth} deep; the limit is ${limit}`,
        {
          function: fn,
          depth,
          limit,
        },
      );
    }
    return { calls, depth };
  }

  private instrumentFunction(f: Ref): void {
    const m = this.m;
    const info = binaryen.getFunctionInfo(f);
    const { calls, depth } = this.scan(info.body, info.name);
    const params = binaryen.expandType(info.params).length;
    const frameUnits = FRAME_BASE_UNITS + params + info.vars.length + depth;

    const bodySlot = {
      get: () => binaryen.getFunctionInfo(f).body,
      set: (c: Ref) => bx.Function.setBody(f, c),
    };
    const cost = this.meterSlot(bodySlot, calls);
    const metered = this.withCharge(bodySlot.get(), cost);
    if (!calls) {
      bx.Function.setBody(f, metered);
      return;
    }
    const results = info.results;
    const stackGet = () => m.global.get(STACK, binaryen.i32);
    const enter = [
      m.global.set(STACK, m.i32.add(stackGet(), m.i32.const(frameUnits))),
      m.if(m.i32.gt_u(stackGet(), m.i32.const(this.opts.limits.maxStackUnits)), m.unreachable()),
    ];
    const leave = m.global.set(STACK, m.i32.sub(stackGet(), m.i32.const(frameUnits)));
    const body = m.block(BODY_LABEL, [metered], results);
    if (results === binaryen.none) {
      bx.Function.setBody(f, m.block(null, [...enter, body, leave], binaryen.none));
      return;
    }
    const tmp = bx._BinaryenFunctionAddVar(f, results);
    bx.Function.setBody(
      f,
      m.block(null, [...enter, m.local.set(tmp, body), leave, m.local.get(tmp, results)], results),
    );
  }

  // ---- helpers -------------------------------------------------------------------------------

  private addHelpers(): void {
    const m = this.m;
    const c = this.costs;
    const { i32, none } = binaryen;
    const dynamic = (base: number, per: number, units: Ref) =>
      this.chargeExpr(m.i64.add(this.i64(base), m.i64.mul(m.i64.extend_u(units), this.i64(per))));
    const arg = (i: number) => m.local.get(i, i32);
    if (this.needGrow) {
      m.addFunction(
        GROW_HELPER,
        binaryen.createType([i32]),
        i32,
        [],
        m.block(
          null,
          [...dynamic(c.memoryGrowBase, c.memoryGrowPerPage, arg(0)), m.memory.grow(arg(0))],
          i32,
        ),
      );
    }
    const three = binaryen.createType([i32, i32, i32]);
    if (this.needCopy) {
      m.addFunction(
        COPY_HELPER,
        three,
        none,
        [],
        m.block(null, [
          ...dynamic(c.bulkMemoryBase, c.bulkMemoryPerByte, arg(2)),
          m.memory.copy(arg(0), arg(1), arg(2)),
        ]),
      );
    }
    if (this.needFill) {
      m.addFunction(
        FILL_HELPER,
        three,
        none,
        [],
        m.block(null, [
          ...dynamic(c.bulkMemoryBase, c.bulkMemoryPerByte, arg(2)),
          m.memory.fill(arg(0), arg(1), arg(2)),
        ]),
      );
    }
  }
}
