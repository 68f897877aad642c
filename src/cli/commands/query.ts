/** `dccn query …`: read chain state over RPC. */
import type { Command } from "commander";
import { formatAnkr } from "../../client/amount.js";
import { type CliContext, clientOf, positiveInt, withCommon, withNode } from "../context.js";
import { emit, type OutputFormat } from "../io.js";

interface QueryOptions {
  home?: string;
  output: OutputFormat;
  node?: string;
}

export function registerQuery(program: Command, ctx: CliContext): Command {
  const io = ctx.deps.io;
  const query = program.command("query").alias("q").description("query accounts, blocks and txs");

  withNode(withCommon(query.command("account").description("balance and nonce of an account")))
    .argument("<address>", "ankr1… address")
    .action(async (address: string, opts: QueryOptions) => {
      const acc = await clientOf(ctx, opts).getAccount(address);
      const json = { address: acc.address, balance: acc.balance.toString(10), nonce: acc.nonce };
      emit(io, opts.output, json, () =>
        [
          `address: ${acc.address}`,
          `balance: ${formatAnkr(acc.balance)} ANKR (${acc.balance} base units)`,
          `nonce:   ${acc.nonce}`,
        ].join("\n"),
      );
    });

  withNode(withCommon(query.command("block").description("a block (default: the latest)")))
    .argument("[height]", "block height", positiveInt)
    .action(async (height: number | undefined, opts: QueryOptions) => {
      const r = await clientOf(ctx, opts).rpc.block(height);
      const h = r.block.header;
      emit(io, opts.output, r, () =>
        [
          `height:   ${h.height}`,
          `hash:     ${r.block_id.hash}`,
          `time:     ${h.time}`,
          `proposer: ${h.proposer_address}`,
          `app hash: ${h.app_hash}`,
          `txs:      ${r.block.data.txs?.length ?? 0}`,
        ].join("\n"),
      );
    });

  withNode(withCommon(query.command("tx").description("a committed tx by hash")))
    .argument("<hash>", "tx hash (64 hex characters)")
    .action(async (hash: string, opts: QueryOptions) => {
      const r = await clientOf(ctx, opts).rpc.tx(hash);
      emit(io, opts.output, r, () =>
        [
          `hash:     ${r.hash}`,
          `height:   ${r.height}`,
          `code:     ${r.tx_result.code}`,
          `gas used: ${r.tx_result.gas_used}`,
          `log:      ${r.tx_result.log}`,
        ].join("\n"),
      );
    });
  return query;
}
