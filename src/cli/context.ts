/** Options every command shares (--home, --output) and the helpers commands build on. */
import { type Command, InvalidArgumentError, Option } from "commander";
import { DccnClient } from "../client/dccn-client.js";
import { RpcClient } from "../client/rpc-client.js";
import { loadConfig, rpcUrlFromLaddr } from "../config/config.js";
import { ConfigError } from "../config/errors.js";
import { defaultHome, resolveHome } from "../config/home.js";
import { KEYRING_BACKENDS, openKeyring } from "../keyring/open.js";
import type { Keyring } from "../keyring/types.js";
import type { CliDeps } from "./deps.js";
import type { OutputFormat } from "./io.js";
import { KEYRING_PASSWORD_ENV, keyringPasswords } from "./passwords.js";

export const DEFAULT_RPC_URL = "http://127.0.0.1:26657";

export interface CommonOptions {
  readonly home?: string;
  readonly output: OutputFormat;
}

/** What a command's action receives besides its own options. */
export interface CliContext {
  readonly deps: CliDeps;
  setExitCode(code: number): void;
}

export function withCommon(
  cmd: Command,
  homeHelp = "home directory (default: ~/.dccn, or $DCCN_HOME)",
): Command {
  return cmd
    .option("--home <dir>", homeHelp)
    .addOption(
      new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"),
    );
}

export function withNode(cmd: Command): Command {
  return cmd.option("--node <url>", "RPC address of the node (default: the home's rpc.laddr)");
}

export function withKeyring(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--keyring-backend <name>", "where keys are kept: test (unencrypted) or file (encrypted)")
        .choices(KEYRING_BACKENDS)
        .default("test")
        .env("DCCN_KEYRING_BACKEND"),
    )
    .option(
      "--password-file <file>",
      `file keyring: read the key's password from the first line of <file> (or set ${KEYRING_PASSWORD_ENV})`,
    );
}

export const homeOf = (opts: { home?: string }, fallback = defaultHome()): string =>
  opts.home === undefined ? fallback : resolveHome(opts.home);

export interface KeyringOptions {
  readonly home?: string;
  readonly keyringBackend?: string;
  readonly passwordFile?: string;
}

/** The keyring the options select; the file backend asks for passwords as passwords.ts says. */
export function keyringOf(ctx: CliContext, opts: KeyringOptions): Keyring {
  const kdf = ctx.deps.keyringKdf;
  return openKeyring(homeOf(opts), opts.keyringBackend ?? "test", {
    password: keyringPasswords(ctx, opts),
    ...(kdf === undefined ? {} : { scrypt: kdf }),
  });
}

/** --node, else the RPC address in the home's config, else the default port on localhost. */
export function nodeUrlOf(opts: { home?: string; node?: string }): string {
  if (opts.node !== undefined) return opts.node;
  try {
    return rpcUrlFromLaddr(loadConfig(homeOf(opts)).rpc.laddr);
  } catch (err) {
    if (err instanceof ConfigError && err.code === "CONFIG_NOT_FOUND") return DEFAULT_RPC_URL;
    throw err;
  }
}

export function clientOf(ctx: CliContext, opts: { home?: string; node?: string }): DccnClient {
  const fetchFn = ctx.deps.fetch;
  return new DccnClient(new RpcClient(nodeUrlOf(opts), fetchFn === undefined ? {} : { fetch: fetchFn }));
}

// --- option value parsers (their errors become one-line usage errors) --------------------------

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("must be a positive integer");
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^(0|[1-9][0-9]*)$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("must be a non-negative integer");
  }
  return n;
}
