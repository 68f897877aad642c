/**
 * WebAssembly contracts from the command line (issue 5):
 *
 *   dccn tx contract deploy FILE.wasm                       (alias: dccn tx wasm store)
 *   dccn tx contract instantiate CODE_HASH [ARGS] [--amount N] [--label TEXT]
 *   dccn tx contract call ADDRESS METHOD [ARGS] [--amount N] (alias: execute)
 *   dccn query contract ADDRESS [METHOD [ARGS]]             info, or a read-only call
 *   dccn query code CODE_HASH
 *   dccn query contract-state ADDRESS KEY [--hex]
 *   dccn query wasm contract|code|state|call …              the same, grouped
 *
 * ARGS is the JSON the contract reads (also accepted as `--args JSON`). `--output json` prints
 * one JSON value: the tx hash, code, height and gas used, plus the code hash (deploy), the
 * contract address (instantiate) or the method's result (call).
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parseAmount } from "../../client/amount.js";
import {
  type ContractClientTxParams,
  type ContractTxOutcome,
  parseCodeHash,
  WasmClient,
} from "../../client/wasm.js";
import { fromHex, toBase64, toHex, utf8 } from "../../codec/bytes.js";
import { parseAddress } from "../../crypto/address.js";
import { type CliContext, clientOf, keyringOf, positiveInt } from "../context.js";
import { EXIT_FAILURE, usageError } from "../errors.js";
import { emit } from "../io.js";
import {
  type QueryCliOptions,
  queryCommand,
  type TxCliOptions,
  type TxCommandOptions,
  txCommand,
  txOptionsOf,
} from "../tx-command.js";
import { requireSubcommand } from "./keys.js";

interface ContractTxOptions extends TxCliOptions {
  args?: string;
  amount?: string;
  label?: string;
}

/** Contract txs name their gas: the automatic estimate does not cover what the code runs. */
const CONTRACT_TX: TxCommandOptions = {
  gasHelp: "gas limit (default: 20,000,000 for deploy, 2,000,000 otherwise)",
  gasParser: positiveInt,
  modes: ["sync", "commit"],
};

/** The contract arguments: positional or `--args`, must be JSON; none means `{}`. */
function argsOf(positional: string | undefined, flag: string | undefined): string {
  if (positional !== undefined && flag !== undefined) {
    throw usageError("give the contract arguments either as ARGS or with --args, not both");
  }
  const text = positional ?? flag ?? "{}";
  try {
    JSON.parse(text);
  } catch {
    throw usageError(
      `contract arguments must be JSON, e.g. '{"by":2}'; got ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return text;
}

function readWasm(file: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (err) {
    const why = err instanceof Error && "code" in err ? String(err.code) : "unreadable";
    throw usageError(`cannot read contract file ${file} (${why})`);
  }
  if (bytes.length === 0) throw usageError(`contract file ${file} is empty`);
  return bytes;
}

async function txParams(ctx: CliContext, opts: ContractTxOptions): Promise<ContractClientTxParams> {
  const key = await keyringOf(ctx, opts).getSigner(opts.from);
  // CONTRACT_TX offers only these modes and numeric gas.
  const { gasLimit, mode, ...rest } = txOptionsOf(opts);
  return {
    key,
    mode: mode === "commit" ? "commit" : "sync",
    ...(typeof gasLimit === "number" ? { gasLimit } : {}),
    ...(rest.gasPrice === undefined ? {} : { gasPrice: BigInt(rest.gasPrice) }),
    ...(rest.nonce === undefined ? {} : { nonce: rest.nonce }),
    ...(rest.memo === undefined ? {} : { memo: rest.memo }),
  };
}

/** A result shown as JSON when it is JSON, else as UTF-8 text, else as base64. */
function resultValue(data: Uint8Array): unknown {
  if (data.length === 0) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return { base64: toBase64(data) };
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const showResult = (data: Uint8Array): string => {
  const v = resultValue(data);
  return typeof v === "string" ? v : JSON.stringify(v);
};

function txJson(r: ContractTxOutcome): Record<string, unknown> {
  return {
    hash: r.hash,
    code: r.code,
    height: r.height,
    gas_used: r.gasUsed,
    ...(r.code === 0 ? {} : { log: r.log, codespace: r.codespace }),
  };
}

function failureText(r: ContractTxOutcome): string {
  return `tx ${r.hash} included at height ${r.height} but failed (code ${r.code}): ${r.log}`;
}

export function registerWasm(program: Command, ctx: CliContext): void {
  const io = ctx.deps.io;
  const group = (name: string): Command => {
    const found = program.commands.find((c) => c.name() === name);
    if (found === undefined) throw new Error(`the "${name}" command group must be registered first`);
    return found;
  };
  const wasmOf = (opts: QueryCliOptions) => new WasmClient(clientOf(ctx, opts));
  const finish = (
    r: ContractTxOutcome,
    opts: ContractTxOptions,
    extra: Record<string, unknown>,
    ok: () => string,
  ) => {
    emit(io, opts.output, { ...txJson(r), ...(r.code === 0 ? extra : {}) }, () =>
      r.code === 0 ? ok() : failureText(r),
    );
    if (r.code !== 0) ctx.setExitCode(EXIT_FAILURE);
  };

  // --- txs ----------------------------------------------------------------------------------
  const tx = group("tx")
    .command("contract")
    .alias("wasm")
    .description("deploy, instantiate and call WebAssembly contracts");
  requireSubcommand(tx, "dccn tx contract");

  txCommand(
    tx,
    "deploy",
    "store contract code (validated and metered at deploy); prints its code hash",
    CONTRACT_TX,
  )
    .alias("store")
    .argument("<file>", "a WebAssembly binary (e.g. contracts/build/counter.wasm)")
    .action(async (file: string, opts: ContractTxOptions) => {
      const wasm = readWasm(file);
      const r = await wasmOf(opts).storeCode({ ...(await txParams(ctx, opts)), wasm });
      finish(
        r,
        opts,
        { code_hash: r.codeHash },
        () => `code ${r.codeHash} stored by tx ${r.hash} at height ${r.height} (gas used ${r.gasUsed})`,
      );
    });

  txCommand(tx, "instantiate", "create a contract from stored code and run its init", CONTRACT_TX)
    .argument("<code-hash>", "the code hash printed by deploy (64 hex characters)")
    .argument("[args]", "init arguments as JSON (default {})")
    .option("--args <json>", "init arguments as JSON")
    .option("--amount <amount>", 'ANKR to attach: base units ("1000") or "1.5ankr"')
    .option("--label <text>", "a name for the contract")
    .action(async (codeHash: string, positional: string | undefined, opts: ContractTxOptions) => {
      const hash = parseCodeHash(codeHash);
      const args = argsOf(positional, opts.args);
      const amount = opts.amount === undefined ? 0n : parseAmount(opts.amount);
      const r = await wasmOf(opts).instantiate({
        ...(await txParams(ctx, opts)),
        codeHash: hash,
        args,
        amount,
        ...(opts.label === undefined ? {} : { label: opts.label }),
      });
      finish(
        r,
        opts,
        { contract_address: r.contract },
        () =>
          `contract ${r.contract} instantiated by tx ${r.hash} at height ${r.height} (gas used ${r.gasUsed})`,
      );
    });

  txCommand(tx, "call", "call a contract method in a transaction", CONTRACT_TX)
    .alias("execute")
    .argument("<address>", "the contract (ankr1…)")
    .argument("<method>", "the exported method")
    .argument("[args]", "arguments as JSON (default {})")
    .option("--args <json>", "arguments as JSON")
    .option("--amount <amount>", 'ANKR to attach: base units ("1000") or "1.5ankr"')
    .action(
      async (address: string, method: string, positional: string | undefined, opts: ContractTxOptions) => {
        parseAddress(address);
        const args = argsOf(positional, opts.args);
        const amount = opts.amount === undefined ? 0n : parseAmount(opts.amount);
        const r = await wasmOf(opts).execute({
          ...(await txParams(ctx, opts)),
          contract: address,
          method,
          args,
          amount,
        });
        finish(r, opts, { result: resultValue(r.data) }, () =>
          [
            `tx ${r.hash} committed at height ${r.height} (gas used ${r.gasUsed})`,
            ...(r.data.length === 0 ? [] : [`result: ${showResult(r.data)}`]),
          ].join("\n"),
        );
      },
    );

  // --- queries ------------------------------------------------------------------------------
  const contractInfo = async (address: string, opts: QueryCliOptions) => {
    const info = await wasmOf(opts).contractInfo(address, opts.height);
    emit(io, opts.output, info, () =>
      [
        `address:   ${info.address}`,
        `code hash: ${info.code_hash}`,
        `creator:   ${info.creator}`,
        `label:     ${info.label}`,
        `height:    ${info.height}`,
        `balance:   ${info.balance} base units`,
      ].join("\n"),
    );
  };
  const smartCall = async (address: string, method: string, args: string, opts: QueryCliOptions) => {
    parseAddress(address);
    const data = await wasmOf(opts).call(address, method, args, opts.height);
    emit(io, opts.output, resultValue(data), () => showResult(data));
  };
  const codeInfo = async (hash: string, opts: QueryCliOptions) => {
    const info = await wasmOf(opts).codeInfo(parseCodeHash(hash), opts.height);
    emit(io, opts.output, info, () =>
      [
        `code hash: ${info.code_hash}`,
        `creator:   ${info.creator}`,
        `size:      ${info.original_size} bytes (${info.code_size} instrumented)`,
        `methods:   ${info.methods.join(", ")}${info.has_init ? " (+ init)" : ""}`,
        `height:    ${info.height}`,
      ].join("\n"),
    );
  };
  const state = async (address: string, key: string, opts: QueryCliOptions & { hex?: boolean }) => {
    let keyBytes: Uint8Array;
    try {
      keyBytes = opts.hex === true ? fromHex(key) : utf8(key);
    } catch {
      throw usageError(`--hex keys are hex text, got ${JSON.stringify(key)}`);
    }
    if (keyBytes.length === 0) throw usageError("the storage key must not be empty");
    const value = await wasmOf(opts).rawState(address, keyBytes, opts.height);
    let text: string | null = null;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(value);
    } catch {
      text = null;
    }
    const json = { key: toHex(keyBytes), value: toBase64(value), value_hex: toHex(value), value_utf8: text };
    emit(io, opts.output, json, () => (value.length === 0 ? "(no value)" : (text ?? toHex(value))));
  };

  const query = group("query");
  queryCommand(query, "contract", "a contract's info, or with METHOD a read-only call of it")
    .argument("<address>", "the contract (ankr1…)")
    .argument("[method]", "a method to call read-only")
    .argument("[args]", "arguments as JSON (default {})")
    .option("--args <json>", "arguments as JSON")
    .action(
      async (
        address: string,
        method: string | undefined,
        positional: string | undefined,
        opts: QueryCliOptions & { args?: string },
      ) => {
        if (method === undefined) {
          if (opts.args !== undefined) throw usageError("--args needs a METHOD to call");
          await contractInfo(address, opts);
        } else await smartCall(address, method, argsOf(positional, opts.args), opts);
      },
    );
  queryCommand(query, "code", "stored contract code: size, methods, creator")
    .argument("<code-hash>", "64 hex characters")
    .action(codeInfo);
  queryCommand(query, "contract-state", "the raw value under a key of a contract's storage")
    .argument("<address>", "the contract (ankr1…)")
    .argument("<key>", "the storage key (text, or hex with --hex)")
    .option("--hex", "the key is hex")
    .action(state);

  // `dccn query wasm …`: the same queries grouped under one name.
  const wasm = query.command("wasm").description("contract queries: contract, code, state, call");
  requireSubcommand(wasm, "dccn query wasm");
  queryCommand(wasm, "contract", "a contract's info").argument("<address>", "ankr1…").action(contractInfo);
  queryCommand(wasm, "code", "stored code").argument("<code-hash>", "64 hex characters").action(codeInfo);
  queryCommand(wasm, "state", "a raw storage value")
    .argument("<address>", "ankr1…")
    .argument("<key>", "text, or hex with --hex")
    .option("--hex", "the key is hex")
    .action(state);
  queryCommand(wasm, "call", "a read-only method call")
    .argument("<address>", "ankr1…")
    .argument("<method>", "the method")
    .argument("[args]", "arguments as JSON (default {})")
    .option("--args <json>", "arguments as JSON")
    .action(
      async (
        address: string,
        method: string,
        positional: string | undefined,
        opts: QueryCliOptions & { args?: string },
      ) => smartCall(address, method, argsOf(positional, opts.args), opts),
    );
}
