import { DccnError } from "../errors.js";

export type ConsensusErrorCode = "CONSENSUS_BAD_OPTIONS" | "CONSENSUS_BAD_INPUT" | "CONSENSUS_INVARIANT";

/** Programming or configuration errors only: bad network input never throws, it gets a verdict. */
export class ConsensusError extends DccnError<ConsensusErrorCode> {
  constructor(code: ConsensusErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "ConsensusError";
  }
}
