/**
 * JSON-RPC errors. CometBFT answers every failure with one of the JSON-RPC 2.0 codes below and
 * puts the human-readable cause in `data`; handler failures (a height out of range, a tx not
 * found) are reported as -32603 "Internal error", exactly as CometBFT does, so clients that
 * match on CometBFT's texts keep working.
 */
import { DccnError } from "../errors.js";

export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerError: -32000,
} as const;
export type RpcCode = (typeof RpcCode)[keyof typeof RpcCode];

const MESSAGES: Record<RpcCode, string> = {
  [RpcCode.ParseError]: "Parse error. Invalid JSON",
  [RpcCode.InvalidRequest]: "Invalid Request",
  [RpcCode.MethodNotFound]: "Method not found",
  [RpcCode.InvalidParams]: "Invalid params",
  [RpcCode.InternalError]: "Internal error",
  [RpcCode.ServerError]: "Server error",
};

export type RpcErrorCode =
  | "RPC_PARSE_ERROR"
  | "RPC_INVALID_REQUEST"
  | "RPC_METHOD_NOT_FOUND"
  | "RPC_INVALID_PARAMS"
  | "RPC_INTERNAL"
  | "RPC_SERVER_ERROR"
  | "RPC_BAD_OPTIONS"
  | "RPC_LISTEN_FAILED";

const DCCN_CODES: Record<RpcCode, RpcErrorCode> = {
  [RpcCode.ParseError]: "RPC_PARSE_ERROR",
  [RpcCode.InvalidRequest]: "RPC_INVALID_REQUEST",
  [RpcCode.MethodNotFound]: "RPC_METHOD_NOT_FOUND",
  [RpcCode.InvalidParams]: "RPC_INVALID_PARAMS",
  [RpcCode.InternalError]: "RPC_INTERNAL",
  [RpcCode.ServerError]: "RPC_SERVER_ERROR",
};

/** The `error` member of a JSON-RPC response. */
export type RpcErrorObject = {
  readonly code: number;
  readonly message: string;
  readonly data?: string;
};

/** An error that becomes a JSON-RPC error object; `data` is the cause a person can act on. */
export class RpcError extends DccnError<RpcErrorCode> {
  readonly rpcCode: RpcCode;
  readonly data: string;

  constructor(rpcCode: RpcCode, data: string, options?: { cause?: unknown }) {
    super(
      DCCN_CODES[rpcCode],
      data === "" ? MESSAGES[rpcCode] : `${MESSAGES[rpcCode]}: ${data}`,
      {},
      options,
    );
    this.name = "RpcError";
    this.rpcCode = rpcCode;
    this.data = data;
  }

  static parse(data: string): RpcError {
    return new RpcError(RpcCode.ParseError, data);
  }
  static invalidRequest(data: string): RpcError {
    return new RpcError(RpcCode.InvalidRequest, data);
  }
  static methodNotFound(): RpcError {
    return new RpcError(RpcCode.MethodNotFound, "");
  }
  static invalidParams(data: string): RpcError {
    return new RpcError(RpcCode.InvalidParams, data);
  }
  /** A handler's failure; `data` is shown to the client verbatim. */
  static internal(data: string, options?: { cause?: unknown }): RpcError {
    return new RpcError(RpcCode.InternalError, data, options);
  }
  static server(data: string): RpcError {
    return new RpcError(RpcCode.ServerError, data);
  }

  toErrorObject(): RpcErrorObject {
    const base = { code: this.rpcCode, message: MESSAGES[this.rpcCode] };
    return this.data === "" ? base : { ...base, data: this.data };
  }
}

/** Errors of the server's own set-up (bad options, port in use). */
export class RpcSetupError extends DccnError<"RPC_BAD_OPTIONS" | "RPC_LISTEN_FAILED"> {
  constructor(code: "RPC_BAD_OPTIONS" | "RPC_LISTEN_FAILED", message: string, options?: { cause?: unknown }) {
    super(code, message, {}, options);
    this.name = "RpcSetupError";
  }
}
