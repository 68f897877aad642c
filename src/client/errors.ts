import { DccnError } from "../errors.js";

export type DccnClientErrorCode =
  | "QUERY_FAILED"
  | "BAD_RESPONSE"
  | "TX_REJECTED"
  | "TX_TIMEOUT"
  | "TX_DOC_INVALID"
  | "TX_SIGNER_MISMATCH"
  | "TX_FIELD_MISSING"
  | "GAS_ESTIMATE_FAILED";

export class DccnClientError extends DccnError<DccnClientErrorCode> {
  constructor(
    code: DccnClientErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "DccnClientError";
  }
}
