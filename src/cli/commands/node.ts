/** `dccn start` and `dccn dev`: run a node in the foreground until SIGINT/SIGTERM. */
import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import { loadConfig } from "../../config/config.js";
import { homeLayout, resolveHome } from "../../config/home.js";
import { type CliContext, homeOf, withCommon } from "../context.js";
import type { NodeRole } from "../deps.js";
import { initHome } from "../init-home.js";
import { emit, type OutputFormat } from "../io.js";

export const DEV_HOME = ".dccn-dev";
export const DEV_CHAIN_ID = "dccn-dev";
export const DEV_MONIKER = "dev";

interface StartOptions {
  home?: string;
  output: OutputFormat;
  role?: NodeRole;
}

async function runUntilStopped(ctx: CliContext, home: string, output: OutputFormat, role?: NodeRole) {
  const cfg = loadConfig(home);
  const logger = ctx.deps.makeLogger(cfg.log);
  // Listen before starting, so Ctrl-C during a slow start-up still stops the node cleanly.
  const shutdown = ctx.deps.waitForShutdown();
  const node = await ctx.deps.runNode(role === undefined ? { home, logger } : { home, logger, role });
  const stopped = await Promise.race([
    shutdown.then((signal) => ({ signal })),
    node.done.then(() => ({ signal: undefined })),
  ]);
  if (stopped.signal !== undefined) {
    logger.info("shutting down", { signal: stopped.signal });
    await node.stop();
    await node.done;
  }
  emit(ctx.deps.io, output, { home, stopped: true, signal: stopped.signal ?? null }, () =>
    stopped.signal === undefined ? "node stopped" : `node stopped (${stopped.signal})`,
  );
}

export function registerStart(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("start")
      .description("run the node in the foreground (Ctrl-C stops it cleanly)")
      .addOption(
        new Option("--role <role>", "validate, or only follow the chain").choices(["validator", "full"]),
      ),
  ).action(async (opts: StartOptions) => {
    await runUntilStopped(ctx, homeOf(opts), opts.output, opts.role);
  });
}

export function registerDev(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("dev")
      .alias("start-dev")
      .description(`a single-validator development chain: init ./${DEV_HOME} on first run, then start`),
    `home directory (default: ./${DEV_HOME})`,
  ).action(async (opts: StartOptions) => {
    const home = homeOf(opts, resolveHome(DEV_HOME));
    // Only a home without a config is set up here; anything else is the user's and is left alone.
    if (!existsSync(homeLayout(home).configFile)) {
      const r = await initHome({
        home,
        chainId: DEV_CHAIN_ID,
        moniker: DEV_MONIKER,
        genesisTimeMs: ctx.deps.now(),
        generateValidatorKeyFile: (path) => ctx.deps.generateValidatorKeyFile(path),
      });
      ctx.deps.io.err(
        `created development home ${home} (funded key "validator": ${r.key?.address ?? "-"})\n`,
      );
    }
    await runUntilStopped(ctx, home, opts.output, "validator");
  });
}
