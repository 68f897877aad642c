import { DccnError } from "../../errors.js";

/** Every failure of the marketplace core, each with a stable code the app maps to a tx result. */
export type MarketErrorCode =
  | "MARKET_INVALID_RESOURCES"
  | "MARKET_INVALID_INSTANCE"
  | "MARKET_INVALID_TASK"
  | "MARKET_INVALID_PARAMS"
  | "MARKET_INVALID_INPUT"
  | "MARKET_MATH_DOMAIN"
  | "TASK_ILLEGAL_TRANSITION"
  | "TASK_ALREADY_FINISHED"
  | "TASK_NOT_ASSIGNEE"
  | "TASK_NOT_OWNER"
  | "METER_TASK_NOT_RUNNING"
  | "METER_PERIOD_INVALID"
  | "METER_PERIOD_OUTSIDE_TASK"
  | "METER_PERIOD_DUPLICATE"
  | "METER_PERIOD_OVERLAP"
  | "METER_EXCEEDS_ALLOCATION"
  | "SETTLEMENT_ESCROW_EXCEEDED"
  | "REPUTATION_INVALID_RATING"
  | "REPUTATION_NOT_RATABLE"
  | "REPUTATION_ALREADY_RATED"
  | "REWARD_DUPLICATE_PARTICIPANT";

export class MarketError extends DccnError<MarketErrorCode> {
  constructor(code: MarketErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "MarketError";
  }
}
