/**
 * Typed access to the parts of binaryen.js the instrumentation needs but whose TypeScript
 * declarations are missing: the per-expression accessor classes (`binaryen.Block.getChildAt`, ...)
 * and the raw C API's `_BinaryenFunctionAddVar`.
 */
import binaryen from "binaryen";

type Ref = number;
type Get = (expr: Ref) => Ref;
type Set = (expr: Ref, child: Ref) => void;

interface ValueAccess {
  getValue: Get;
  setValue: Set;
}

interface OperandAccess {
  getNumOperands(expr: Ref): number;
  getOperandAt(expr: Ref, index: number): Ref;
  setOperandAt(expr: Ref, index: number, child: Ref): void;
}

export interface BinaryenExt {
  Block: {
    getNumChildren(expr: Ref): number;
    getChildAt(expr: Ref, index: number): Ref;
    setChildAt(expr: Ref, index: number, child: Ref): void;
  };
  If: {
    getCondition: Get;
    setCondition: Set;
    getIfTrue: Get;
    setIfTrue: Set;
    getIfFalse: Get;
    setIfFalse: Set;
  };
  Loop: { getBody: Get; setBody: Set };
  Break: { getCondition: Get; setCondition: Set } & ValueAccess;
  Switch: { getCondition: Get; setCondition: Set } & ValueAccess;
  Call: OperandAccess & { getTarget(expr: Ref): string };
  CallIndirect: OperandAccess & { getTarget: Get; setTarget: Set };
  LocalSet: ValueAccess;
  GlobalSet: ValueAccess;
  Load: { getPtr: Get; setPtr: Set };
  Store: { getPtr: Get; setPtr: Set } & ValueAccess;
  Unary: ValueAccess;
  Binary: { getOp(expr: Ref): number; getLeft: Get; setLeft: Set; getRight: Get; setRight: Set };
  Select: {
    getIfTrue: Get;
    setIfTrue: Set;
    getIfFalse: Get;
    setIfFalse: Set;
    getCondition: Get;
    setCondition: Set;
  };
  Drop: ValueAccess;
  Return: ValueAccess;
  MemoryGrow: { getDelta: Get; setDelta: Set };
  MemoryCopy: { getDest: Get; setDest: Set; getSource: Get; setSource: Set; getSize: Get; setSize: Set };
  MemoryFill: { getDest: Get; setDest: Set; getSize: Get; setSize: Set } & ValueAccess;
  Function: { setBody(func: Ref, body: Ref): void };
  _BinaryenFunctionAddVar(func: Ref, type: number): number;
  /** Reads a binary with an explicit feature set (the typings omit the second parameter). */
  readBinary(data: Uint8Array, features: number): binaryen.Module;
}

export const bx = binaryen as unknown as BinaryenExt;

/** A child slot of an expression: read it, or replace it in its parent. */
export interface ChildSlot {
  readonly get: () => Ref;
  readonly set: (child: Ref) => void;
}

const slot = (parent: Ref, get: Get, set: Set): ChildSlot => ({
  get: () => get(parent),
  set: (child) => set(parent, child),
});

function operandSlots(expr: Ref, api: OperandAccess, out: ChildSlot[]): void {
  const n = api.getNumOperands(expr);
  for (let i = 0; i < n; i++) {
    out.push({ get: () => api.getOperandAt(expr, i), set: (c) => api.setOperandAt(expr, i, c) });
  }
}

/**
 * The child slots of `expr` in evaluation order, for the expressions of the allowed feature set.
 * Optional children that are absent (ref 0) are skipped. Loop bodies and If arms are included;
 * callers that treat them specially check the expression id first.
 */
export function childSlots(expr: Ref): ChildSlot[] {
  const id = binaryen.getExpressionId(expr);
  const out: ChildSlot[] = [];
  const add = (get: Get, set: Set) => {
    if (get(expr) !== 0) out.push(slot(expr, get, set));
  };
  switch (id) {
    case binaryen.BlockId: {
      const n = bx.Block.getNumChildren(expr);
      for (let i = 0; i < n; i++) {
        out.push({ get: () => bx.Block.getChildAt(expr, i), set: (c) => bx.Block.setChildAt(expr, i, c) });
      }
      break;
    }
    case binaryen.IfId:
      add(bx.If.getCondition, bx.If.setCondition);
      add(bx.If.getIfTrue, bx.If.setIfTrue);
      add(bx.If.getIfFalse, bx.If.setIfFalse);
      break;
    case binaryen.LoopId:
      add(bx.Loop.getBody, bx.Loop.setBody);
      break;
    case binaryen.BreakId:
      add(bx.Break.getValue, bx.Break.setValue);
      add(bx.Break.getCondition, bx.Break.setCondition);
      break;
    case binaryen.SwitchId:
      add(bx.Switch.getValue, bx.Switch.setValue);
      add(bx.Switch.getCondition, bx.Switch.setCondition);
      break;
    case binaryen.CallId:
      operandSlots(expr, bx.Call, out);
      break;
    case binaryen.CallIndirectId:
      operandSlots(expr, bx.CallIndirect, out);
      add(bx.CallIndirect.getTarget, bx.CallIndirect.setTarget);
      break;
    case binaryen.LocalSetId:
      add(bx.LocalSet.getValue, bx.LocalSet.setValue);
      break;
    case binaryen.GlobalSetId:
      add(bx.GlobalSet.getValue, bx.GlobalSet.setValue);
      break;
    case binaryen.LoadId:
      add(bx.Load.getPtr, bx.Load.setPtr);
      break;
    case binaryen.StoreId:
      add(bx.Store.getPtr, bx.Store.setPtr);
      add(bx.Store.getValue, bx.Store.setValue);
      break;
    case binaryen.UnaryId:
      add(bx.Unary.getValue, bx.Unary.setValue);
      break;
    case binaryen.BinaryId:
      add(bx.Binary.getLeft, bx.Binary.setLeft);
      add(bx.Binary.getRight, bx.Binary.setRight);
      break;
    case binaryen.SelectId:
      add(bx.Select.getIfTrue, bx.Select.setIfTrue);
      add(bx.Select.getIfFalse, bx.Select.setIfFalse);
      add(bx.Select.getCondition, bx.Select.setCondition);
      break;
    case binaryen.DropId:
      add(bx.Drop.getValue, bx.Drop.setValue);
      break;
    case binaryen.ReturnId:
      add(bx.Return.getValue, bx.Return.setValue);
      break;
    case binaryen.MemoryGrowId:
      add(bx.MemoryGrow.getDelta, bx.MemoryGrow.setDelta);
      break;
    case binaryen.MemoryCopyId:
      add(bx.MemoryCopy.getDest, bx.MemoryCopy.setDest);
      add(bx.MemoryCopy.getSource, bx.MemoryCopy.setSource);
      add(bx.MemoryCopy.getSize, bx.MemoryCopy.setSize);
      break;
    case binaryen.MemoryFillId:
      add(bx.MemoryFill.getDest, bx.MemoryFill.setDest);
      add(bx.MemoryFill.getValue, bx.MemoryFill.setValue);
      add(bx.MemoryFill.getSize, bx.MemoryFill.setSize);
      break;
    case binaryen.LocalGetId:
    case binaryen.GlobalGetId:
    case binaryen.ConstId:
    case binaryen.NopId:
    case binaryen.UnreachableId:
    case binaryen.MemorySizeId:
      break;
    default:
      throw new Error(`unexpected expression id ${id} in validated code`);
  }
  return out;
}
