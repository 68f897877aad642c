import { DccnError } from "../../errors.js";

export type SimErrorCode = "SIM_BAD_OPTIONS" | "SIM_INTERNAL";

/** Bad simulator options (a person typed them) or a broken simulator invariant. */
export class SimError extends DccnError<SimErrorCode> {
  constructor(code: SimErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "SimError";
  }
}
