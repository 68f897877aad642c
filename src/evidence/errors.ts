import { DccnError } from "../errors.js";

export type EvidenceErrorCode =
  /** Not decodable, not canonical, or not a well-formed conflicting pair. */
  | "EVIDENCE_MALFORMED"
  /** For a height not committed yet. */
  | "EVIDENCE_FROM_FUTURE"
  /** Older than consensus_params.evidence.maxAgeBlocks. */
  | "EVIDENCE_EXPIRED"
  /** No validator set or block time is known for the evidence height. */
  | "EVIDENCE_UNKNOWN_HEIGHT"
  | "EVIDENCE_UNKNOWN_VALIDATOR"
  /** Powers or time do not match the chain at the evidence height. */
  | "EVIDENCE_MISMATCH"
  | "EVIDENCE_BAD_SIGNATURE"
  /** The same offence twice in one block. */
  | "EVIDENCE_DUPLICATE"
  /** Already committed in an earlier block. */
  | "EVIDENCE_COMMITTED"
  | "EVIDENCE_STORE_CORRUPT";

export class EvidenceError extends DccnError<EvidenceErrorCode> {
  constructor(
    code: EvidenceErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "EvidenceError";
  }
}
