export type { CliContext } from "./context.js";
export type { CliDeps, NodeRole, RunNodeOptions, RunningNode, ValidatorKeyInfo } from "./deps.js";
export { defaultDeps } from "./deps.js";
export { CliError, type CliErrorCode, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./errors.js";
export {
  DEFAULT_FUND_AMOUNT,
  DEFAULT_VALIDATOR_POWER,
  type InitHomeOptions,
  type InitHomeResult,
  initHome,
  VALIDATOR_KEY_NAME,
} from "./init-home.js";
export { type CliIo, type OutputFormat, processIo } from "./io.js";
export { buildProgram, runCli } from "./program.js";
