import { DccnError } from "../errors.js";

export type StateErrorCode =
  | "STATE_NO_VALIDATORS"
  | "STATE_INVALID_GENESIS"
  | "STATE_INVALID_VALIDATOR_UPDATES"
  | "STATE_INVALID_PARAMS"
  | "STATE_MISSING_RECORD";

export class StateError extends DccnError<StateErrorCode> {
  constructor(
    code: StateErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "StateError";
  }
}
