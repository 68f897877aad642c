/**
 * The contracts module's msgs (proto/dccn/wasm/v1/wasm.proto): store code, instantiate a
 * contract, execute a contract method. Pure codecs with stateless validation, shared with
 * clients (src/client/wasm.ts).
 */
import { equalBytes } from "../../codec/bytes.js";
import { CodecError, ProtoReader, ProtoWriter } from "../../codec/proto.js";
import { ADDRESS_SIZE } from "../../crypto/address.js";
import type { AnyMsg } from "../../types/tx.js";
import { isCallableMethodName } from "../../vm/host-api.js";
import { DEFAULT_VM_LIMITS } from "../../vm/limits.js";
import { AppError } from "../codes.js";
import { CODE_HASH_SIZE } from "./keys.js";

export const MSG_STORE_CODE_TYPE_URL = "/dccn.wasm.v1.MsgStoreCode";
export const MSG_INSTANTIATE_CONTRACT_TYPE_URL = "/dccn.wasm.v1.MsgInstantiateContract";
export const MSG_EXECUTE_CONTRACT_TYPE_URL = "/dccn.wasm.v1.MsgExecuteContract";

export const MAX_LABEL_LENGTH = 128;

export interface MsgStoreCode {
  readonly wasmByteCode: Uint8Array;
}

export interface MsgInstantiateContract {
  readonly codeHash: Uint8Array;
  /** Input of the `init` call (SDK convention: a UTF-8 JSON object; empty = `{}`). */
  readonly args: Uint8Array;
  /** ANKR base units attached (≥ 0). */
  readonly amount: bigint;
  readonly label: string;
}

export interface MsgExecuteContract {
  readonly contract: Uint8Array;
  readonly method: string;
  readonly args: Uint8Array;
  readonly amount: bigint;
}

// --- encoding ------------------------------------------------------------------------------

export const encodeMsgStoreCode = (m: MsgStoreCode): Uint8Array =>
  new ProtoWriter().bytes(1, m.wasmByteCode).finish();

export const encodeMsgInstantiateContract = (m: MsgInstantiateContract): Uint8Array =>
  new ProtoWriter().bytes(1, m.codeHash).bytes(2, m.args).bigint(3, m.amount).string(4, m.label).finish();

export const encodeMsgExecuteContract = (m: MsgExecuteContract): Uint8Array =>
  new ProtoWriter().bytes(1, m.contract).string(2, m.method).bytes(3, m.args).bigint(4, m.amount).finish();

export const msgStoreCodeAny = (m: MsgStoreCode): AnyMsg => ({
  typeUrl: MSG_STORE_CODE_TYPE_URL,
  value: encodeMsgStoreCode(m),
});

export const msgInstantiateContractAny = (m: MsgInstantiateContract): AnyMsg => ({
  typeUrl: MSG_INSTANTIATE_CONTRACT_TYPE_URL,
  value: encodeMsgInstantiateContract(m),
});

export const msgExecuteContractAny = (m: MsgExecuteContract): AnyMsg => ({
  typeUrl: MSG_EXECUTE_CONTRACT_TYPE_URL,
  value: encodeMsgExecuteContract(m),
});

// --- strict decoding -----------------------------------------------------------------------

/** Runs a field loop, turning codec failures into TX_DECODE, then insists on canonical bytes. */
function strict<T>(
  name: string,
  bytes: Uint8Array,
  read: (r: ProtoReader) => T,
  encode: (m: T) => Uint8Array,
): T {
  let msg: T;
  try {
    msg = read(new ProtoReader(bytes, name));
  } catch (err) {
    if (err instanceof CodecError) throw new AppError("TX_DECODE", `${name}: ${err.message}`);
    throw err;
  }
  if (!equalBytes(encode(msg), bytes)) {
    throw new AppError("TX_DECODE", `${name}: bytes are not in canonical encoding`);
  }
  return msg;
}

function checkArgs(name: string, args: Uint8Array): void {
  if (args.length > DEFAULT_VM_LIMITS.maxInputBytes) {
    throw new AppError(
      "INVALID_MSG",
      `${name}.args is ${args.length} bytes; the limit is ${DEFAULT_VM_LIMITS.maxInputBytes}`,
    );
  }
}

export function decodeMsgStoreCode(bytes: Uint8Array): MsgStoreCode {
  const msg = strict(
    "MsgStoreCode",
    bytes,
    (r) => {
      let wasmByteCode: Uint8Array = new Uint8Array(0);
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) wasmByteCode = r.bytes();
        else r.unknown();
      }
      return { wasmByteCode };
    },
    encodeMsgStoreCode,
  );
  if (msg.wasmByteCode.length === 0) {
    throw new AppError("INVALID_MSG", "MsgStoreCode.wasm_byte_code must not be empty");
  }
  return msg;
}

export function decodeMsgInstantiateContract(bytes: Uint8Array): MsgInstantiateContract {
  const msg = strict(
    "MsgInstantiateContract",
    bytes,
    (r) => {
      let codeHash: Uint8Array = new Uint8Array(0);
      let args: Uint8Array = new Uint8Array(0);
      let amount = 0n;
      let label = "";
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) codeHash = r.bytes();
        else if (f === 2) args = r.bytes();
        else if (f === 3) amount = r.bigint();
        else if (f === 4) label = r.string();
        else r.unknown();
      }
      return { codeHash, args, amount, label };
    },
    encodeMsgInstantiateContract,
  );
  if (msg.codeHash.length !== CODE_HASH_SIZE) {
    throw new AppError(
      "INVALID_MSG",
      `MsgInstantiateContract.code_hash must be ${CODE_HASH_SIZE} bytes, got ${msg.codeHash.length}`,
    );
  }
  checkArgs("MsgInstantiateContract", msg.args);
  // Printable characters only: labels are shown in explorers and logs.
  if ([...msg.label].length > MAX_LABEL_LENGTH || /[\p{Cc}\p{Cf}]/u.test(msg.label)) {
    throw new AppError(
      "INVALID_MSG",
      `MsgInstantiateContract.label must be at most ${MAX_LABEL_LENGTH} printable characters`,
    );
  }
  return msg;
}

export function decodeMsgExecuteContract(bytes: Uint8Array): MsgExecuteContract {
  const msg = strict(
    "MsgExecuteContract",
    bytes,
    (r) => {
      let contract: Uint8Array = new Uint8Array(0);
      let method = "";
      let args: Uint8Array = new Uint8Array(0);
      let amount = 0n;
      for (let f = r.next(); f !== 0; f = r.next()) {
        if (f === 1) contract = r.bytes();
        else if (f === 2) method = r.string();
        else if (f === 3) args = r.bytes();
        else if (f === 4) amount = r.bigint();
        else r.unknown();
      }
      return { contract, method, args, amount };
    },
    encodeMsgExecuteContract,
  );
  if (msg.contract.length !== ADDRESS_SIZE) {
    throw new AppError(
      "INVALID_ADDRESS",
      `MsgExecuteContract.contract must be ${ADDRESS_SIZE} address bytes, got ${msg.contract.length}`,
    );
  }
  if (msg.method.length > DEFAULT_VM_LIMITS.maxMethodNameBytes || !isCallableMethodName(msg.method)) {
    throw new AppError(
      "INVALID_MSG",
      `MsgExecuteContract.method ${JSON.stringify(msg.method.slice(0, 80))} is not a callable method name ([A-Za-z][A-Za-z0-9_]*, at most ${DEFAULT_VM_LIMITS.maxMethodNameBytes} bytes, not init/memory/__dccn*)`,
    );
  }
  checkArgs("MsgExecuteContract", msg.args);
  return msg;
}
