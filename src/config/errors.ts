import { DccnError } from "../errors.js";

export type ConfigErrorCode = "CONFIG_INVALID" | "CONFIG_NOT_FOUND";

export class ConfigError extends DccnError<ConfigErrorCode> {
  constructor(code: ConfigErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "ConfigError";
  }
}
