import { DccnError } from "../errors.js";

export type GenesisErrorCode = "GENESIS_INVALID" | "GENESIS_NOT_FOUND";

/** A bad genesis document; `meta.field` names the offending JSON path. */
export class GenesisError extends DccnError<GenesisErrorCode> {
  constructor(code: GenesisErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "GenesisError";
  }
}

export function invalidField(field: string, why: string): GenesisError {
  return new GenesisError("GENESIS_INVALID", `genesis: ${field} ${why}`, { field });
}
