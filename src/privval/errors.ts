import { DccnError } from "../errors.js";

export type PrivvalErrorCode =
  | "PRIVVAL_DOUBLE_SIGN"
  | "PRIVVAL_HEIGHT_REGRESSION"
  | "PRIVVAL_ROUND_REGRESSION"
  | "PRIVVAL_STEP_REGRESSION"
  | "PRIVVAL_BAD_REQUEST"
  | "PRIVVAL_STATE_CORRUPT"
  | "PRIVVAL_STATE_IO"
  | "PRIVVAL_KEY_EXISTS"
  | "PRIVVAL_KEY_NOT_FOUND"
  | "PRIVVAL_KEY_INVALID"
  | "PRIVVAL_KEY_IO";

export class PrivvalError extends DccnError<PrivvalErrorCode> {
  constructor(
    code: PrivvalErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "PrivvalError";
  }
}
