/** `dccn query …`: read chain state over RPC (accounts, blocks, txs, any abci_query path). */
import { type Command, Option } from "commander";
import { formatAnkr } from "../../client/amount.js";
import { fromHex, fromUtf8, toBase64 } from "../../codec/bytes.js";
import { type CliContext, clientOf, positiveInt, withCommon, withNode } from "../context.js";
import { EXIT_FAILURE, usageError } from "../errors.js";
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
  withNode(withCommon(query.command("params").description("the chain's gas schedule and tx limits"))).action(
    async (opts: QueryOptions) => {
      const p = await clientOf(ctx, opts).getParams();
      emit(io, opts.output, p, () =>
        [
          `max tx bytes: ${p.maxTxBytes}`,
          `tx base gas:  ${p.txBaseGas}`,
          `tx byte gas:  ${p.txByteGas}`,
          ...Object.entries(p.msgGas).map(([url, gas]) => `gas of ${url}: ${gas}`),
        ].join("\n"),
      );
    },
  );

  withNode(
    withCommon(
      query
        .command("txs")
        .description("committed txs matching a CometBFT query, e.g. \"transfer.sender='ankr1…'\"")
        .argument("<query>", "conditions joined by AND: =, <, <=, >, >=, CONTAINS, EXISTS")
        .option("--page <n>", "page number (from 1)", positiveInt)
        .option("--per-page <n>", "txs per page (at most 100)", positiveInt)
        .addOption(new Option("--order-by <order>", "by height").choices(["asc", "desc"]).default("asc")),
    ),
  ).action(async (q: string, opts: SearchOptions) => {
    const r = await clientOf(ctx, opts).rpc.txSearch(q, {
      orderBy: opts.orderBy,
      ...(opts.page === undefined ? {} : { page: opts.page }),
      ...(opts.perPage === undefined ? {} : { perPage: opts.perPage }),
    });
    emit(io, opts.output, r, () =>
      [
        `${r.total_count} txs match`,
        ...r.txs.map((t) => `${t.height}\t${t.index}\t${t.hash}\tcode ${t.tx_result.code}`),
      ].join("\n"),
    );
  });

  withNode(
    withCommon(
      query
        .command("abci")
        .description("any abci_query path, e.g. /account/ankr1… or /app/params")
        .argument("<path>", "query path")
        .option("--data <hex>", "query data as hex")
        .option("--height <n>", "state at this height (default: latest)", positiveInt)
        .option("--prove", "ask for a Merkle proof"),
    ),
  ).action(async (path: string, opts: AbciOptions) => {
    let data: Uint8Array | undefined;
    if (opts.data !== undefined) {
      try {
        data = fromHex(opts.data.replace(/^0x/i, ""));
      } catch {
        throw usageError("--data must be hex");
      }
    }
    const a = await clientOf(ctx, opts).query(path, {
      prove: opts.prove === true,
      ...(data === undefined ? {} : { data }),
      ...(opts.height === undefined ? {} : { height: opts.height }),
    });
    const json = {
      code: a.code,
      log: a.log,
      height: a.height,
      key: toBase64(a.key),
      value: toBase64(a.value),
      proof_ops: a.proofOps,
    };
    emit(io, opts.output, json, () =>
      a.code === 0 ? fromUtf8(a.value) : `query failed (code ${a.code}, ${a.codespace}): ${a.log}`,
    );
    if (a.code !== 0) ctx.setExitCode(EXIT_FAILURE);
  });
  return query;
}

interface SearchOptions extends QueryOptions {
  page?: number;
  perPage?: number;
  orderBy: "asc" | "desc";
}

interface AbciOptions extends QueryOptions {
  data?: string;
  height?: number;
  prove?: boolean;
}
