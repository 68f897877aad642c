import { DccnError } from "../../errors.js";

export type SmtErrorCode =
  | "SMT_BAD_PROOF"
  | "SMT_BAD_VERSION"
  | "SMT_UNKNOWN_VERSION"
  | "SMT_DUPLICATE_KEY"
  | "SMT_KEY_TOO_LARGE"
  | "SMT_MISSING_NODE"
  | "SMT_CORRUPT_NODE"
  | "SMT_BUSY"
  | "SMT_WRITE_FAILED";

export class SmtError extends DccnError<SmtErrorCode> {
  constructor(code: SmtErrorCode, message: string, meta: Record<string, unknown> = {}, cause?: unknown) {
    super(code, message, meta, cause === undefined ? undefined : { cause });
    this.name = "SmtError";
  }
}
