/**
 * The JSON-RPC 2.0 envelope: request validation and response objects. Transport-free, so the
 * HTTP server and a later websocket transport share it.
 */
import { RpcError, type RpcErrorObject } from "./errors.js";
import type { JsonValue } from "./json.js";

export type RpcId = string | number | null;

/** The id CometBFT uses for URI (GET) calls, which carry none. */
export const URI_REQUEST_ID = -1;

export interface RpcRequest {
  readonly id: RpcId;
  readonly method: string;
  readonly params: unknown;
  /** A request without an `id` member: it is executed but gets no response. */
  readonly notification: boolean;
}

export type RpcResponse =
  | { readonly jsonrpc: "2.0"; readonly id: RpcId; readonly result: JsonValue }
  | { readonly jsonrpc: "2.0"; readonly id: RpcId; readonly error: RpcErrorObject };

export function successResponse(id: RpcId, result: JsonValue): RpcResponse {
  return { jsonrpc: "2.0", id, result };
}

export function errorResponse(id: RpcId, err: RpcError): RpcResponse {
  return { jsonrpc: "2.0", id, error: err.toErrorObject() };
}

/** The body as requests: one object or a batch (array). Throws -32700 for malformed JSON. */
export function parseBody(text: string): { readonly batch: boolean; readonly items: readonly unknown[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw RpcError.parse(`error unmarshaling request: ${err instanceof Error ? err.message : String(err)}`);
  }
  return Array.isArray(parsed) ? { batch: true, items: parsed } : { batch: false, items: [parsed] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The id of a request-like value if it has a valid one, else null (for error responses). */
export function idOf(item: unknown): RpcId {
  if (!isPlainObject(item)) return null;
  const id = item.id;
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null;
}

/** Validates one request object; throws -32600 with the reason. */
export function toRequest(item: unknown): RpcRequest {
  if (!isPlainObject(item)) throw RpcError.invalidRequest("a request must be a JSON object");
  if (item.jsonrpc !== undefined && item.jsonrpc !== "2.0") {
    throw RpcError.invalidRequest(`jsonrpc must be "2.0", got ${JSON.stringify(item.jsonrpc)}`);
  }
  const notification = !Object.hasOwn(item, "id");
  const id = item.id ?? null;
  if (id !== null && typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) {
    throw RpcError.invalidRequest("id must be a string, a number or null");
  }
  if (typeof item.method !== "string" || item.method === "") {
    throw RpcError.invalidRequest("method must be a non-empty string");
  }
  return { id, method: item.method, params: item.params, notification };
}
