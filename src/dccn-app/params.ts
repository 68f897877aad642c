/**
 * App parameters: part of state (key "app/params", proto/dccn/app/v1/params.proto), so every
 * node agrees on them and queries can prove them. Set at genesis (`app_state.params`, every
 * field optional); no tx changes them yet.
 */
import { utf8 } from "../codec/bytes.js";
import { decodeCanonical, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { AppFatalError } from "./codes.js";

export interface AppParams {
  /** Largest tx accepted, in bytes. */
  readonly maxTxBytes: number;
  /** Gas every tx pays before its msg runs. */
  readonly txBaseGas: number;
  /** Gas per byte of the encoded tx. */
  readonly txByteGas: number;
  /** Per msg type URL, overriding the handler's default gas. */
  readonly msgGas: Readonly<Record<string, number>>;
}

export const DEFAULT_PARAMS: AppParams = {
  maxTxBytes: 64 * 1024,
  txBaseGas: 10_000,
  txByteGas: 10,
  msgGas: {},
};

export const PARAMS_KEY = utf8("app/params");

export function encodeParams(p: AppParams): Uint8Array {
  const w = new ProtoWriter().uint(1, p.maxTxBytes).uint(2, p.txBaseGas).uint(3, p.txByteGas);
  for (const typeUrl of Object.keys(p.msgGas).sort()) {
    w.message(4, new ProtoWriter().string(1, typeUrl).uint(2, p.msgGas[typeUrl]!).finish());
  }
  return w.finish();
}

function decodeParamsLoose(bytes: Uint8Array): AppParams {
  const r = new ProtoReader(bytes, "Params");
  let maxTxBytes = 0;
  let txBaseGas = 0;
  let txByteGas = 0;
  const msgGas: Record<string, number> = {};
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) maxTxBytes = r.uint();
    else if (f === 2) txBaseGas = r.uint();
    else if (f === 3) txByteGas = r.uint();
    else if (f === 4) {
      const m = new ProtoReader(r.message(), "MsgGas");
      let typeUrl = "";
      let gas = 0;
      for (let g = m.next(); g !== 0; g = m.next()) {
        if (g === 1) typeUrl = m.string();
        else if (g === 2) gas = m.uint();
        else m.unknown();
      }
      msgGas[typeUrl] = gas;
    } else r.unknown();
  }
  return { maxTxBytes, txBaseGas, txByteGas, msgGas };
}

export const decodeParams = (bytes: Uint8Array): AppParams =>
  decodeCanonical(bytes, "Params", decodeParamsLoose, encodeParams);

/** The JSON shape served at `/app/params` and accepted in genesis. */
export function paramsToJson(p: AppParams): Record<string, unknown> {
  const msgGas: Record<string, number> = {};
  for (const k of Object.keys(p.msgGas).sort()) msgGas[k] = p.msgGas[k]!;
  return { max_tx_bytes: p.maxTxBytes, tx_base_gas: p.txBaseGas, tx_byte_gas: p.txByteGas, msg_gas: msgGas };
}

const invalid = (field: string, why: string) =>
  new AppFatalError("APP_GENESIS_INVALID", `app_state.params.${field} ${why}`, { field });

function positiveInt(field: string, v: unknown, allowZero: boolean): number {
  const n = typeof v === "string" && /^(0|[1-9][0-9]{0,15})$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < (allowZero ? 0 : 1)) {
    throw invalid(
      field,
      `must be ${allowZero ? "a non-negative" : "a positive"} integer, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

/**
 * Reads genesis `params` (absent fields keep their defaults). `knownMsgTypes` are the type URLs
 * a `msg_gas` entry may name.
 */
export function parseParamsJson(json: unknown, knownMsgTypes: ReadonlySet<string>): AppParams {
  if (json === undefined || json === null) return DEFAULT_PARAMS;
  if (typeof json !== "object" || Array.isArray(json)) throw invalid("", "must be an object");
  const out = { ...DEFAULT_PARAMS, msgGas: { ...DEFAULT_PARAMS.msgGas } };
  for (const [k, v] of Object.entries(json)) {
    if (k === "max_tx_bytes") out.maxTxBytes = positiveInt(k, v, false);
    else if (k === "tx_base_gas") out.txBaseGas = positiveInt(k, v, true);
    else if (k === "tx_byte_gas") out.txByteGas = positiveInt(k, v, true);
    else if (k === "msg_gas") {
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(k, "must be an object");
      for (const [typeUrl, gas] of Object.entries(v)) {
        if (!knownMsgTypes.has(typeUrl)) throw invalid(`${k}["${typeUrl}"]`, "names no known msg type");
        out.msgGas[typeUrl] = positiveInt(`${k}["${typeUrl}"]`, gas, true);
      }
    } else {
      throw invalid(k, "is not a known parameter (max_tx_bytes, tx_base_gas, tx_byte_gas, msg_gas)");
    }
  }
  return out;
}
