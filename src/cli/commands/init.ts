import { hostname } from "node:os";
import type { Command } from "commander";
import { toBase64, toHexUpper } from "../../codec/bytes.js";
import { type CliContext, homeOf, withCommon } from "../context.js";
import { initHome } from "../init-home.js";
import { emit, type OutputFormat } from "../io.js";

interface InitOptions {
  home?: string;
  output: OutputFormat;
  chainId: string;
  moniker?: string;
  fund: boolean;
  force?: boolean;
}

/** A moniker from the host name, trimmed to what config.toml accepts. */
const defaultMoniker = (): string =>
  hostname()
    .replace(/[^\x20-\x7e]/g, "")
    .slice(0, 64) || "node";

export function registerInit(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("init")
      .description("create a node home: config, genesis (this node as sole validator), keys")
      .requiredOption("--chain-id <id>", "chain id (at most 50 characters)")
      .option("--moniker <name>", "name of this node (default: the host name)")
      .option("--no-fund", "do not create and fund the `validator` key in genesis")
      .option("--force", "replace an existing home, discarding its chain data"),
  ).action(async (opts: InitOptions) => {
    const r = await initHome({
      home: homeOf(opts),
      chainId: opts.chainId,
      moniker: opts.moniker ?? defaultMoniker(),
      fund: opts.fund,
      force: opts.force === true,
      genesisTimeMs: ctx.deps.now(),
      generateValidatorKeyFile: (path) => ctx.deps.generateValidatorKeyFile(path),
    });
    const json = {
      home: r.config.home,
      chain_id: r.chainId,
      moniker: r.config.moniker,
      node_id: r.nodeId,
      validator: { address: toHexUpper(r.validator.address), pub_key: toBase64(r.validator.pubKey) },
      key: r.key ?? null,
      genesis_file: r.genesisFile,
    };
    emit(ctx.deps.io, opts.output, json, () =>
      [
        `initialized ${r.config.home}`,
        `  chain id:  ${r.chainId}`,
        `  moniker:   ${r.config.moniker}`,
        `  node id:   ${r.nodeId}`,
        `  validator: ${json.validator.address}`,
        r.key === undefined
          ? "  no funded key (--no-fund)"
          : `  funded key "${r.key.name}": ${r.key.address} (test keyring, unencrypted)`,
        `start it with: dccn start --home ${r.config.home}`,
      ].join("\n"),
    );
  });
}
