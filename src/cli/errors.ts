import { DccnError } from "../errors.js";

export type CliErrorCode =
  | "CLI_USAGE"
  | "INIT_HOME_EXISTS"
  | "PASSWORD_FILE_UNREADABLE"
  | "PASSWORD_MISMATCH"
  | "INPUT_UNREADABLE";

export class CliError extends DccnError<CliErrorCode> {
  constructor(code: CliErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "CliError";
  }
}

export const usageError = (message: string): CliError => new CliError("CLI_USAGE", message);

/** Exit statuses: 0 success, 1 a command failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
