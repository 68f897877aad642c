/**
 * The `dccn` program. `runCli(argv, deps)` runs it in-process and returns the exit status, so
 * tests drive the real command tree with captured output; `main.ts` only wires the process.
 */
import { Command, CommanderError } from "commander";
import { DccnError, errorMessage } from "../errors.js";
import { VERSION } from "../node/version.js";
import { registerInit } from "./commands/init.js";
import { registerKeys, requireSubcommand } from "./commands/keys.js";
import { registerLocalnet } from "./commands/localnet.js";
import { registerMarket } from "./commands/market.js";
import { registerDev, registerStart } from "./commands/node.js";
import { registerQuery } from "./commands/query.js";
import { registerStaking } from "./commands/staking.js";
import { registerTestnet } from "./commands/testnet.js";
import { registerTx } from "./commands/tx.js";
import { registerVersion } from "./commands/version.js";
import { registerWasm } from "./commands/wasm.js";
import type { CliContext } from "./context.js";
import { type CliDeps, defaultDeps } from "./deps.js";
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./errors.js";
import { oneLine } from "./io.js";

export function buildProgram(ctx: CliContext): Command {
  const io = ctx.deps.io;
  const program = new Command("dccn")
    .description("dccn-node: an SLSBFT blockchain node for the Ankr DCCN")
    .version(VERSION, "-v, --version", "print the version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`${oneLine(s)}\n`),
    });

  registerInit(program, ctx);
  registerStart(program, ctx);
  registerDev(program, ctx);
  requireSubcommand(registerKeys(program, ctx), "dccn keys");
  requireSubcommand(registerTx(program, ctx), "dccn tx");
  requireSubcommand(registerQuery(program, ctx), "dccn query");
  registerWasm(program, ctx);
  registerStaking(program, ctx);
  registerMarket(program, ctx);
  registerTestnet(program, ctx);
  requireSubcommand(registerLocalnet(program, ctx), "dccn localnet");
  registerVersion(program, ctx);
  requireSubcommand(program, "dccn");
  return program;
}

/** Runs `dccn` with `argv` (without the node and script paths); resolves to the exit status. */
export async function runCli(argv: readonly string[], overrides: Partial<CliDeps> = {}): Promise<number> {
  const deps: CliDeps = { ...defaultDeps(overrides.io), ...overrides };
  let exitCode = EXIT_OK;
  const ctx: CliContext = {
    deps,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed help, the version, or its one-line complaint.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const code = err instanceof DccnError ? ` [${err.code}]` : "";
    deps.io.err(`error: ${oneLine(errorMessage(err))}${code}\n`);
    if (process.env.DCCN_DEBUG === "1" && err instanceof Error && err.stack) deps.io.err(`${err.stack}\n`);
    return err instanceof CliError && err.code === "CLI_USAGE" ? EXIT_USAGE : EXIT_FAILURE;
  }
}
