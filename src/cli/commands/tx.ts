/** `dccn tx …`: sign with a keyring key, broadcast, wait for the block. */
import { type Command, Option } from "commander";
import { parseAmount } from "../../client/amount.js";
import { parseAddress } from "../../crypto/address.js";
import {
  type CliContext,
  clientOf,
  keyringOf,
  nonNegativeInt,
  positiveInt,
  withCommon,
  withKeyring,
  withNode,
} from "../context.js";
import { EXIT_FAILURE } from "../errors.js";
import { emit, type OutputFormat } from "../io.js";

interface SendOptions {
  home?: string;
  output: OutputFormat;
  node?: string;
  keyringBackend?: string;
  from: string;
  to: string;
  amount: string;
  gas?: number;
  gasPrice?: string;
  nonce?: number;
  memo?: string;
  broadcastMode: "sync" | "commit";
}

export function registerTx(program: Command, ctx: CliContext): Command {
  const tx = program.command("tx").description("sign and broadcast transactions");

  withNode(
    withKeyring(
      withCommon(
        tx
          .command("send")
          .description("send ANKR and wait until the tx is in a block")
          .requiredOption("--from <key>", "name of the sending key in the keyring")
          .requiredOption("--to <address>", "recipient (ankr1…)")
          .requiredOption("--amount <amount>", 'base units ("1000") or ANKR ("1.5ankr")')
          .option("--gas <limit>", "gas limit", positiveInt)
          .option("--gas-price <price>", "base units per gas (default 0)")
          .option("--nonce <n>", "account nonce (default: read from the chain)", nonNegativeInt)
          .option("--memo <text>", "a note stored with the tx")
          .addOption(
            new Option("--broadcast-mode <mode>", "sync: broadcast then poll; commit: broadcast_tx_commit")
              .choices(["sync", "commit"])
              .default("sync"),
          ),
      ),
    ),
  ).action(async (opts: SendOptions) => {
    // Parse everything before touching the keyring or the network.
    parseAddress(opts.to);
    const amount = parseAmount(opts.amount);
    const gasPrice = opts.gasPrice === undefined ? undefined : parseAmount(opts.gasPrice);
    const key = await keyringOf(opts).getSigner(opts.from);
    const client = clientOf(ctx, opts);
    const result = await client.send({
      key,
      to: opts.to,
      amount,
      mode: opts.broadcastMode,
      ...(opts.gas === undefined ? {} : { gasLimit: opts.gas }),
      ...(gasPrice === undefined ? {} : { gasPrice }),
      ...(opts.nonce === undefined ? {} : { nonce: opts.nonce }),
      ...(opts.memo === undefined ? {} : { memo: opts.memo }),
    });
    emit(ctx.deps.io, opts.output, { hash: result.hash, code: result.code, height: result.height }, () =>
      result.code === 0
        ? `tx ${result.hash} committed at height ${result.height}`
        : `tx ${result.hash} included at height ${result.height} but failed (code ${result.code}): ${result.log}`,
    );
    if (result.code !== 0) ctx.setExitCode(EXIT_FAILURE);
  });
  return tx;
}
