/** How the market's errors reach tx results: each MarketError code maps to one app result code. */
import { AppError, type ResultCodeName } from "../../codes.js";
import { MarketError, type MarketErrorCode } from "../errors.js";

type Code = Exclude<ResultCodeName, "OK">;

const RESULT_CODE: Readonly<Record<MarketErrorCode, Code>> = {
  MARKET_INVALID_RESOURCES: "MARKET_INVALID_INPUT",
  MARKET_INVALID_INSTANCE: "MARKET_INVALID_INPUT",
  MARKET_INVALID_TASK: "MARKET_INVALID_INPUT",
  MARKET_INVALID_PARAMS: "MARKET_INVALID_INPUT",
  MARKET_INVALID_INPUT: "MARKET_INVALID_INPUT",
  MARKET_MATH_DOMAIN: "MARKET_INVALID_INPUT",
  REPUTATION_INVALID_RATING: "MARKET_INVALID_INPUT",
  REWARD_DUPLICATE_PARTICIPANT: "MARKET_INVALID_INPUT",
  TASK_ILLEGAL_TRANSITION: "MARKET_TASK_STATE",
  TASK_ALREADY_FINISHED: "MARKET_TASK_STATE",
  METER_TASK_NOT_RUNNING: "MARKET_TASK_STATE",
  REPUTATION_NOT_RATABLE: "MARKET_TASK_STATE",
  TASK_NOT_ASSIGNEE: "MARKET_NOT_AUTHORIZED",
  TASK_NOT_OWNER: "MARKET_NOT_AUTHORIZED",
  METER_PERIOD_INVALID: "MARKET_METER_INVALID",
  METER_PERIOD_OUTSIDE_TASK: "MARKET_METER_INVALID",
  METER_PERIOD_DUPLICATE: "MARKET_METER_INVALID",
  METER_PERIOD_OVERLAP: "MARKET_METER_INVALID",
  METER_EXCEEDS_ALLOCATION: "MARKET_METER_EXCEEDS",
  SETTLEMENT_ESCROW_EXCEEDED: "MARKET_METER_EXCEEDS",
  REPUTATION_ALREADY_RATED: "MARKET_ALREADY_RATED",
};

/** A MarketError as the AppError a tx fails with (log: "<market code>: <message>"); others unchanged. */
export function toAppError(err: unknown): unknown {
  if (!(err instanceof MarketError)) return err;
  return new AppError(RESULT_CODE[err.code], `${err.code}: ${err.message}`, {
    ...err.meta,
    marketCode: err.code,
  });
}

/** Runs `fn`, turning MarketErrors into AppErrors. */
export async function asAppErrors<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAppError(err);
  }
}

/** An AppError whose log starts with a detailed market code, like the mapped MarketErrors. */
export const marketFail = (code: Code, detail: string, message: string, meta: Record<string, unknown> = {}) =>
  new AppError(code, `${detail}: ${message}`, { ...meta, marketCode: detail });
