/**
 * Result codes of the DCCN app (codespace "dccn"), shared by CheckTx, DeliverTx and Query.
 * They are part of the chain's public interface (wallets and indexers match on them): never
 * renumber, only append. Results carry codespace "dccn" when the code is non-zero (success
 * leaves it empty, as Cosmos apps do).
 */
import { DccnError } from "../errors.js";

export const CODESPACE = "dccn";

export const ResultCode = {
  OK: 0,
  INTERNAL: 1,
  TX_DECODE: 2,
  TX_TOO_LARGE: 3,
  WRONG_CHAIN_ID: 4,
  BAD_SIGNATURE: 5,
  NONCE_TOO_LOW: 6,
  NONCE_AHEAD: 7,
  INSUFFICIENT_FUNDS: 8,
  UNKNOWN_MSG_TYPE: 9,
  OUT_OF_GAS: 10,
  GAS_PRICE_TOO_LOW: 11,
  INVALID_ADDRESS: 12,
  INVALID_AMOUNT: 13,
  INVALID_MSG: 14,
  UNKNOWN_QUERY: 20,
  INVALID_QUERY: 21,
  HEIGHT_UNAVAILABLE: 22,
} as const;

export type ResultCodeName = keyof typeof ResultCode;

const NAMES = new Map<number, ResultCodeName>(
  Object.entries(ResultCode).map(([name, code]) => [code, name as ResultCodeName]),
);

/** The name of a numeric code ("NONCE_AHEAD"), or undefined for a code this app never returns. */
export function resultCodeName(code: number): ResultCodeName | undefined {
  return NAMES.get(code);
}

/**
 * A tx or query failure that maps to a result code. Handlers throw it; the app turns it into a
 * result with that code and the message as `log` (never a thrown exception to consensus).
 */
export class AppError extends DccnError<Exclude<ResultCodeName, "OK">> {
  constructor(code: Exclude<ResultCodeName, "OK">, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "AppError";
  }

  get resultCode(): number {
    return ResultCode[this.code];
  }
}

/** Errors the app throws to its caller (misuse of the ABCI call order, bad genesis). */
export type AppFatalCode =
  | "APP_GENESIS_INVALID"
  | "APP_GENESIS_MISMATCH"
  | "APP_NOT_INITIALIZED"
  | "APP_NO_BLOCK"
  | "APP_UNEXPECTED_HEIGHT"
  | "APP_CHAIN_ID_MISMATCH"
  | "APP_CLOSED"
  | "APP_BAD_OPTIONS"
  | "APP_MODULE_CONFLICT";

export class AppFatalError extends DccnError<AppFatalCode> {
  constructor(code: AppFatalCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "AppFatalError";
  }
}
