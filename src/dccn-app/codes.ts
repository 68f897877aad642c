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
  // WebAssembly contracts (src/dccn-app/contracts); the log starts with the VM's error code.
  /** Deploy refused the code (invalid wasm, float instructions, disallowed imports, too large…). */
  CONTRACT_REJECTED: 40,
  CODE_NOT_FOUND: 41,
  CONTRACT_NOT_FOUND: 42,
  /** The contract call failed (trap, abort, stack overflow, re-entrancy…); its state changes were undone. */
  CONTRACT_FAILED: 43,
  // Marketplace (src/dccn-app/market); the log starts with the market's detailed error code.
  /** Malformed resources, task, instance or label. */
  MARKET_INVALID_INPUT: 60,
  /** No such provider, instance or task. */
  MARKET_NOT_FOUND: 61,
  /** The provider or instance is already registered. */
  MARKET_ALREADY_EXISTS: 62,
  /** No registered instance covers the task's demand and constraints. */
  MARKET_NO_FITTING_INSTANCE: 63,
  /** Every instance that covers the demand costs more than the task's maximum price. */
  MARKET_PRICE_ABOVE_MAX: 64,
  /** The sender is not the task's owner, assignee or counterparty. */
  MARKET_NOT_AUTHORIZED: 65,
  /** The task's status does not allow this (already finished, not running, …). */
  MARKET_TASK_STATE: 66,
  /** A usage period that is malformed, outside the task's time, duplicate or overlapping. */
  MARKET_METER_INVALID: 67,
  /** Usage beyond the task's allocation or beyond what its escrow can pay. */
  MARKET_METER_EXCEEDS: 68,
  /** The party has already rated this task. */
  MARKET_ALREADY_RATED: 69,
  /** The instance's capacity is in use or it is retired. */
  MARKET_INSTANCE_BUSY: 70,
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
