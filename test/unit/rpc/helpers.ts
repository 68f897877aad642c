/** HTTP helpers and hand-written CometBFT v0.38 expectations (independent of src/rpc/format.ts). */
import type { Block, Commit, Header } from "../../../src/types/block.js";

export const HEX = (b: Uint8Array): string => Buffer.from(b).toString("hex").toUpperCase();
export const B64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** Parsed JSON (untyped on purpose: tests assert its exact shape). */
export type Json = ReturnType<typeof JSON.parse>;

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Json;
}

export async function http(url: string, init?: RequestInit): Promise<HttpResult> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Json = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, text, body };
}

export function post(
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return http(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
}

/** Calls one method and returns the whole response object. */
export async function call(
  url: string,
  method: string,
  params?: unknown,
  id: number | string = 1,
): Promise<Json> {
  const res = await post(url, { jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
  return res.body;
}

/** Calls one method and returns `result`, failing the test on an error response. */
export async function result(url: string, method: string, params?: unknown): Promise<Json> {
  const res = await call(url, method, params);
  if (res.error !== undefined) throw new Error(`${method} failed: ${JSON.stringify(res.error)}`);
  return res.result;
}

export const blockId = (hash: Uint8Array): Json =>
  hash.length === 0
    ? { hash: "", parts: { total: 0, hash: "" } }
    : { hash: HEX(hash), parts: { total: 1, hash: HEX(hash) } };

export function expectedHeader(h: Header, time: string): Json {
  return {
    version: { block: "11", app: "1" },
    chain_id: h.chainId,
    height: String(h.height),
    time,
    last_block_id: blockId(h.lastBlockHash),
    last_commit_hash: HEX(h.lastCommitHash),
    data_hash: HEX(h.dataHash),
    validators_hash: HEX(h.validatorsHash),
    next_validators_hash: HEX(h.nextValidatorsHash),
    consensus_hash: HEX(h.consensusHash),
    app_hash: HEX(h.appHash),
    last_results_hash: HEX(h.lastResultsHash),
    evidence_hash: HEX(h.evidenceHash),
    proposer_address: HEX(h.proposerAddress),
  };
}

export function expectedCommit(c: Commit | null): Json {
  if (c === null) {
    return { height: "0", round: 0, block_id: { hash: "", parts: { total: 0, hash: "" } }, signatures: [] };
  }
  return {
    height: String(c.height),
    round: c.round,
    block_id: blockId(c.blockHash),
    signatures: c.signatures.map((s) => ({
      block_id_flag: s.flag,
      validator_address: HEX(s.validatorAddress),
      timestamp: ZERO_TIME,
      signature: s.signature.length === 0 ? null : B64(s.signature),
    })),
  };
}

export function expectedBlock(b: Block, time: string): Json {
  return {
    header: expectedHeader(b.header, time),
    data: { txs: b.txs.map(B64) },
    evidence: { evidence: [] },
    last_commit: expectedCommit(b.lastCommit),
  };
}
