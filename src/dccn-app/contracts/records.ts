/**
 * The contracts module's state records, `dccn.wasm.v1.CodeInfo` and `dccn.wasm.v1.ContractInfo`
 * (proto/dccn/wasm/v1/wasm.proto), and the JSON the queries serve. Pure codecs.
 */
import { toHexUpper } from "../../codec/bytes.js";
import { decodeCanonical, ProtoReader, ProtoWriter } from "../../codec/proto.js";
import { toBech32 } from "../../crypto/address.js";

export interface CodeInfo {
  readonly creator: Uint8Array;
  readonly originalSize: number;
  readonly codeSize: number;
  readonly scheduleVersion: number;
  /** Callable methods, sorted. */
  readonly methods: readonly string[];
  readonly hasInit: boolean;
  readonly height: number;
}

export interface ContractInfo {
  readonly codeHash: Uint8Array;
  readonly creator: Uint8Array;
  readonly label: string;
  readonly height: number;
}

export function encodeCodeInfo(c: CodeInfo): Uint8Array {
  const w = new ProtoWriter()
    .bytes(1, c.creator)
    .uint(2, c.originalSize)
    .uint(3, c.codeSize)
    .uint(4, c.scheduleVersion);
  for (const m of c.methods) w.string(5, m);
  return w.bool(6, c.hasInit).uint(7, c.height).finish();
}

function decodeCodeInfoLoose(bytes: Uint8Array): CodeInfo {
  const r = new ProtoReader(bytes, "CodeInfo");
  let creator: Uint8Array = new Uint8Array(0);
  let originalSize = 0;
  let codeSize = 0;
  let scheduleVersion = 0;
  const methods: string[] = [];
  let hasInit = false;
  let height = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) creator = r.bytes();
    else if (f === 2) originalSize = r.uint();
    else if (f === 3) codeSize = r.uint();
    else if (f === 4) scheduleVersion = r.uint();
    else if (f === 5) methods.push(r.string());
    else if (f === 6) hasInit = r.bool();
    else if (f === 7) height = r.uint();
    else r.unknown();
  }
  return { creator, originalSize, codeSize, scheduleVersion, methods, hasInit, height };
}

export const decodeCodeInfo = (bytes: Uint8Array): CodeInfo =>
  decodeCanonical(bytes, "CodeInfo", decodeCodeInfoLoose, encodeCodeInfo);

export function encodeContractInfo(c: ContractInfo): Uint8Array {
  return new ProtoWriter()
    .bytes(1, c.codeHash)
    .bytes(2, c.creator)
    .string(3, c.label)
    .uint(4, c.height)
    .finish();
}

function decodeContractInfoLoose(bytes: Uint8Array): ContractInfo {
  const r = new ProtoReader(bytes, "ContractInfo");
  let codeHash: Uint8Array = new Uint8Array(0);
  let creator: Uint8Array = new Uint8Array(0);
  let label = "";
  let height = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) codeHash = r.bytes();
    else if (f === 2) creator = r.bytes();
    else if (f === 3) label = r.string();
    else if (f === 4) height = r.uint();
    else r.unknown();
  }
  return { codeHash, creator, label, height };
}

export const decodeContractInfo = (bytes: Uint8Array): ContractInfo =>
  decodeCanonical(bytes, "ContractInfo", decodeContractInfoLoose, encodeContractInfo);

/** JSON served at `/wasm/code/<hash>`. */
export interface CodeInfoJson {
  readonly code_hash: string;
  readonly creator: string;
  readonly original_size: number;
  readonly code_size: number;
  readonly schedule_version: number;
  readonly methods: readonly string[];
  readonly has_init: boolean;
  readonly height: number;
}

export const codeInfoJson = (codeHash: Uint8Array, c: CodeInfo): CodeInfoJson => ({
  code_hash: toHexUpper(codeHash),
  creator: toBech32(c.creator),
  original_size: c.originalSize,
  code_size: c.codeSize,
  schedule_version: c.scheduleVersion,
  methods: c.methods,
  has_init: c.hasInit,
  height: c.height,
});

/** JSON served at `/wasm/contract/<ankr1…>`; `balance` in base units. */
export interface ContractInfoJson {
  readonly address: string;
  readonly code_hash: string;
  readonly creator: string;
  readonly label: string;
  readonly height: number;
  readonly balance: string;
}

export const contractInfoJson = (
  address: Uint8Array,
  c: ContractInfo,
  balance: bigint,
): ContractInfoJson => ({
  address: toBech32(address),
  code_hash: toHexUpper(c.codeHash),
  creator: toBech32(c.creator),
  label: c.label,
  height: c.height,
  balance: balance.toString(10),
});
