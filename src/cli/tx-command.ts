/**
 * The flags every tx- and query-sending subcommand shares (`dccn tx stake`, `dccn tx task submit`,
 * `dccn tx contract call`, …), so they read and behave the same everywhere.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseAmount } from "../client/amount.js";
import type { BroadcastOptions, TxOptions } from "../client/dccn-client.js";
import { nonNegativeInt, positiveInt, withCommon, withKeyring, withNode } from "./context.js";
import type { OutputFormat } from "./io.js";

export interface QueryCliOptions {
  home?: string;
  output: OutputFormat;
  node?: string;
  height?: number;
}

export type BroadcastModeName = "sync" | "async" | "commit";

export interface TxCliOptions extends QueryCliOptions {
  keyringBackend?: string;
  passwordFile?: string;
  from: string;
  gas?: number | "auto";
  gasPrice?: string;
  nonce?: number;
  memo?: string;
  broadcastMode: BroadcastModeName;
}

/** `--gas N|auto`. */
export function gasArg(value: string): number | "auto" {
  if (value === "auto") return "auto";
  const n = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("must be a positive integer or auto");
  }
  return n;
}

export interface TxCommandOptions {
  /** Help for --from (default: "name of the signing key in the keyring"). */
  readonly fromHelp?: string;
  /** Help for --gas (default: automatic gas). */
  readonly gasHelp?: string;
  /** Parses --gas (default: a positive integer or auto). */
  readonly gasParser?: (value: string) => number | "auto";
  /** Broadcast modes offered (default: all three). */
  readonly modes?: readonly BroadcastModeName[];
}

/** A subcommand of `group` that signs with `--from` and broadcasts, with the shared fee flags. */
export function txCommand(
  group: Command,
  name: string,
  description: string,
  o: TxCommandOptions = {},
): Command {
  const modes = o.modes ?? ["sync", "async", "commit"];
  return withNode(
    withKeyring(
      withCommon(
        group
          .command(name)
          .description(description)
          .requiredOption("--from <key>", o.fromHelp ?? "name of the signing key in the keyring")
          .option(
            "--gas <limit>",
            o.gasHelp ?? "gas limit, or auto: what the node says the tx needs (default auto)",
            o.gasParser ?? gasArg,
          )
          .option("--gas-price <price>", "base units per gas (default: the node's minimum, else 0)")
          .option("--nonce <n>", "account nonce (default: read from the chain)", nonNegativeInt)
          .option("--memo <text>", "a note stored with the tx")
          .addOption(
            new Option(
              "--broadcast-mode <mode>",
              "sync: CheckTx, then follow into a block; async: do not wait for CheckTx; commit: broadcast_tx_commit",
            )
              .choices([...modes])
              .default("sync"),
          ),
      ),
    ),
  );
}

/** A read-only subcommand of `group` with `--height`. */
export function queryCommand(group: Command, name: string, description: string): Command {
  return withNode(withCommon(group.command(name).description(description))).option(
    "--height <h>",
    "query the state after this block (default: the latest)",
    positiveInt,
  );
}

/** The client's tx options from the shared flags. */
export function txOptionsOf(opts: TxCliOptions): TxOptions & BroadcastOptions {
  return {
    mode: opts.broadcastMode,
    ...(opts.gas === undefined ? {} : { gasLimit: opts.gas }),
    ...(opts.gasPrice === undefined ? {} : { gasPrice: parseAmount(opts.gasPrice) }),
    ...(opts.nonce === undefined ? {} : { nonce: opts.nonce }),
    ...(opts.memo === undefined ? {} : { memo: opts.memo }),
  };
}
