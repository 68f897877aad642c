/**
 * `dccn tx …`: build, sign and broadcast txs.
 *
 *   tx send --from KEY --to ADDR --amount N      sign, broadcast, wait for the block
 *   tx send … --generate-only > unsigned.json     no key needed (--from may be an address)
 *   tx sign unsigned.json --from KEY > signed.json   (--offline: no network at all)
 *   tx broadcast signed.json                      send and wait for the block
 *
 * Nonce, gas limit and gas price are worked out from the node unless given (`--nonce`,
 * `--gas N|auto`, `--gas-adjustment`, `--gas-price`, `--chain-id`).
 */
import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseAmount } from "../../client/amount.js";
import {
  type BroadcastMode,
  type CompleteTx,
  checkSigner,
  type DccnClient,
  type TxOutcome,
} from "../../client/dccn-client.js";
import { DccnClientError } from "../../client/errors.js";
import { buildTx, type SignedTx, sendMsg } from "../../client/tx-builder.js";
import {
  parseSignedTx,
  parseUnsignedTx,
  signedTxDoc,
  type UnsignedTx,
  unsignedTxDoc,
} from "../../client/tx-doc.js";
import { writeFileAtomic } from "../../config/fs.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../../crypto/address.js";
import { errorMessage } from "../../errors.js";
import {
  type CliContext,
  clientOf,
  type KeyringOptions,
  keyringOf,
  nonNegativeInt,
  withCommon,
  withKeyring,
  withNode,
} from "../context.js";
import { CliError, EXIT_FAILURE } from "../errors.js";
import { emit, type OutputFormat } from "../io.js";
import { gasArg } from "../tx-command.js";

/** Options shared by every tx command that builds or signs. */
interface FeeOptions {
  gas?: number | "auto";
  gasAdjustment?: number;
  gasPrice?: string;
  nonce?: number;
  chainId?: string;
  offline?: boolean;
}

interface BroadcastOptions {
  broadcastMode: BroadcastMode;
  wait: boolean;
}

interface CommonTxOptions extends KeyringOptions {
  output: OutputFormat;
  node?: string;
}

interface SendOptions extends CommonTxOptions, FeeOptions, BroadcastOptions {
  from: string;
  to: string;
  amount: string;
  memo?: string;
  generateOnly?: boolean;
}

interface SignOptions extends CommonTxOptions, FeeOptions {
  from: string;
  outputDocument?: string;
}

interface BroadcastCmdOptions extends CommonTxOptions, BroadcastOptions {}

function adjustmentArg(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || !(n >= 1 && n <= 100)) {
    throw new InvalidArgumentError("must be a number from 1 to 100, e.g. 1.3");
  }
  return n;
}

function withFees(cmd: Command): Command {
  return cmd
    .option("--gas <limit>", "gas limit, or auto: what the node says the tx needs (default auto)", gasArg)
    .option("--gas-adjustment <factor>", "multiplies an automatic gas limit (default 1)", adjustmentArg)
    .option("--gas-price <price>", "base units per gas (default: the node's minimum, else 0)")
    .option("--nonce <n>", "account nonce (default: read from the chain)", nonNegativeInt)
    .option("--chain-id <id>", "chain id (default: read from the node)");
}

function withBroadcast(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--broadcast-mode <mode>",
        "sync: CheckTx answer, then follow into a block; async: do not wait for CheckTx; commit: broadcast_tx_commit",
      )
        .choices(["sync", "async", "commit"])
        .default("sync"),
    )
    .option("--no-wait", "return once the node has the tx, without waiting for a block (sync, async)");
}

/** The fields flags set on a tx (they override a tx file's). */
function flagOverrides(opts: FeeOptions): Partial<UnsignedTx> & { gasAdjustment?: number } {
  return {
    ...(opts.chainId === undefined ? {} : { chainId: opts.chainId }),
    ...(opts.nonce === undefined ? {} : { nonce: opts.nonce }),
    ...(typeof opts.gas === "number" ? { gasLimit: opts.gas } : {}),
    ...(opts.gasPrice === undefined ? {} : { gasPrice: parseAmount(opts.gasPrice) }),
    ...(opts.gasAdjustment === undefined ? {} : { gasAdjustment: opts.gasAdjustment }),
  };
}

/** Offline, every field must be known; checked before the key is unlocked. */
function offlineParams(t: UnsignedTx, gas: FeeOptions["gas"]): CompleteTx {
  const missing = [
    t.chainId === undefined ? "--chain-id" : "",
    t.nonce === undefined ? "--nonce" : "",
    t.gasLimit === undefined || gas === "auto" ? "--gas <limit>" : "",
  ].filter((f) => f !== "");
  if (t.chainId === undefined || t.nonce === undefined || t.gasLimit === undefined || missing.length > 0) {
    throw new DccnClientError(
      "TX_FIELD_MISSING",
      `offline signing needs ${missing.join(", ")} (or those fields in the tx file)`,
      { missing },
    );
  }
  return {
    chainId: t.chainId,
    nonce: t.nonce,
    gasLimit: t.gasLimit,
    gasPrice: t.gasPrice ?? 0n,
    memo: t.memo,
    msg: t.msg,
  };
}

async function readInput(ctx: CliContext, file: string): Promise<string> {
  if (file === "-") return ctx.deps.io.readStdin();
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError("INPUT_UNREADABLE", `cannot read ${file}: ${errorMessage(err)}`);
  }
}

/** `--from`: a key name, or (when no key is needed) an address. */
async function fromAddress(ctx: CliContext, opts: SendOptions): Promise<string> {
  try {
    return toBech32(parseAddress(opts.from));
  } catch {
    return (await keyringOf(ctx, opts).show(opts.from)).address;
  }
}

/** Broadcasts and prints {hash, code, height}; without waiting, height is null. */
async function broadcastAndReport(
  ctx: CliContext,
  client: DccnClient,
  tx: Uint8Array,
  opts: BroadcastOptions & { output: OutputFormat },
): Promise<void> {
  const io = ctx.deps.io;
  if (!opts.wait && opts.broadcastMode !== "commit") {
    const ack = await client.broadcastOnly(tx, opts.broadcastMode);
    emit(io, opts.output, { hash: ack.hash, code: ack.code, height: null }, () =>
      ack.code === null
        ? `tx ${ack.hash} sent (async: not checked yet)`
        : `tx ${ack.hash} accepted into the mempool`,
    );
    return;
  }
  const result: TxOutcome = await client.broadcast(tx, opts.broadcastMode);
  emit(io, opts.output, { hash: result.hash, code: result.code, height: result.height }, () =>
    result.code === 0
      ? `tx ${result.hash} committed at height ${result.height}`
      : `tx ${result.hash} included at height ${result.height} but failed (code ${result.code}): ${result.log}`,
  );
  if (result.code !== 0) ctx.setExitCode(EXIT_FAILURE);
}

export function registerTx(program: Command, ctx: CliContext): Command {
  const io = ctx.deps.io;
  const tx = program.command("tx").description("build, sign and broadcast transactions");

  withBroadcast(
    withFees(
      withNode(
        withKeyring(
          withCommon(
            tx
              .command("send")
              .description("send ANKR and wait until the tx is in a block")
              .requiredOption("--from <key>", "sending key (with --generate-only: a key name or an address)")
              .requiredOption("--to <address>", "recipient (ankr1…)")
              .requiredOption("--amount <amount>", 'base units ("1000") or ANKR ("1.5ankr")')
              .option("--memo <text>", "a note stored with the tx")
              .option("--generate-only", "print the unsigned tx (for `dccn tx sign`) instead of sending it")
              .option(
                "--offline",
                "with --generate-only: do not contact the node (fields not given stay open)",
              ),
          ),
        ),
      ),
    ),
  ).action(async (opts: SendOptions) => {
    // Parse everything before touching the keyring or the network.
    const msg = sendMsg(opts.to, parseAmount(opts.amount));
    const overrides = flagOverrides(opts);
    const unsigned: UnsignedTx & { gasAdjustment?: number } = { memo: opts.memo ?? "", msg, ...overrides };
    if (opts.generateOnly === true) {
      const from = await fromAddress(ctx, opts);
      let doc = unsignedTxDoc({ ...unsigned, from });
      if (opts.offline !== true) {
        const filled = await clientOf(ctx, opts).completeTx(parseAddress(from), { ...unsigned, from });
        doc = unsignedTxDoc({ ...filled, from });
      }
      emit(io, opts.output, doc, () => JSON.stringify(doc, null, 2));
      return;
    }
    if (opts.offline === true)
      throw new CliError("CLI_USAGE", "--offline needs --generate-only (sending needs the node)");
    const key = await keyringOf(ctx, opts).getSigner(opts.from);
    const client = clientOf(ctx, opts);
    const prepared = await client.prepareTx(key, unsigned);
    await broadcastAndReport(ctx, client, prepared.bytes, opts);
  });

  withFees(
    withNode(
      withKeyring(
        withCommon(
          tx
            .command("sign")
            .description("sign an unsigned tx file (from `tx send --generate-only`); prints the signed tx")
            .argument("<file>", "the unsigned tx JSON, or - for stdin")
            .requiredOption("--from <key>", "signing key")
            .option(
              "--offline",
              "do not contact the node: chain id, nonce and gas must be given or in the file",
            )
            .option("--output-document <file>", "write the signed tx to <file> instead of stdout"),
        ),
      ),
    ),
  ).action(async (file: string, opts: SignOptions) => {
    const { gasLimit: fileGas, ...fromFile } = parseUnsignedTx(await readInput(ctx, file));
    // An explicit --gas auto asks the node again even when the file has a limit.
    const unsigned: UnsignedTx & { gasAdjustment?: number } = {
      ...fromFile,
      ...(fileGas === undefined || opts.gas === "auto" ? {} : { gasLimit: fileGas }),
      ...flagOverrides(opts),
    };
    const offline = opts.offline === true ? offlineParams(unsigned, opts.gas) : undefined;
    const key = await keyringOf(ctx, opts).getSigner(opts.from);
    let signed: SignedTx;
    if (offline === undefined) {
      signed = await clientOf(ctx, opts).prepareTx(key, unsigned);
    } else {
      if (unsigned.from !== undefined) checkSigner(addressFromPublicKey(key.publicKey), unsigned.from);
      signed = buildTx(key, offline);
    }
    const doc = signedTxDoc(signed.bytes);
    if (opts.outputDocument !== undefined) {
      writeFileAtomic(opts.outputDocument, `${JSON.stringify(doc, null, 2)}\n`);
      emit(
        io,
        opts.output,
        { hash: doc.hash, file: opts.outputDocument },
        () => `signed tx ${doc.hash} written to ${opts.outputDocument}`,
      );
      return;
    }
    emit(io, opts.output, doc, () => JSON.stringify(doc, null, 2));
  });

  withBroadcast(
    withNode(
      withCommon(
        tx
          .command("broadcast")
          .description("send a signed tx (from `tx sign`) and wait until it is in a block")
          .argument("<file>", "the signed tx JSON (or its bytes as base64 or hex), or - for stdin"),
      ),
    ),
  ).action(async (file: string, opts: BroadcastCmdOptions) => {
    const bytes = parseSignedTx(await readInput(ctx, file));
    await broadcastAndReport(ctx, clientOf(ctx, opts), bytes, opts);
  });

  return tx;
}
