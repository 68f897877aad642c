/**
 * SLSBFT staking from the command line (issue 6):
 *
 *   dccn tx stake AMOUNT --from KEY                 bond ANKR ("1000" base units or "1.5ankr")
 *   dccn tx unstake AMOUNT --from KEY               start unbonding (released after the period)
 *   dccn tx candidate register --from KEY --moniker NAME [--provider ankr1…] [--consensus-key FILE]
 *   dccn tx candidate update --from KEY [--moniker NAME] [--provider ankr1… | --clear-provider]
 *   dccn tx candidate withdraw --from KEY
 *   dccn tx unjail --from KEY
 *   dccn query validators | candidates | candidate ADDR | stake ADDR | service-level ADDR
 *   dccn query staking-params | election
 *
 * `candidate register` signs the proof of possession with the consensus key in
 * <home>/config/priv_validator_key.json (or --consensus-key FILE); the key never leaves this
 * process. `--output json` prints one JSON value: {hash, code, height, gas_used} for txs, the
 * query's JSON for queries.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { formatAnkr, parseAmount } from "../../client/amount.js";
import type { TxOutcome } from "../../client/dccn-client.js";
import { type CandidateJson, StakingClient, type ValidatorJson } from "../../client/staking.js";
import { configPaths, loadConfig } from "../../config/config.js";
import { ConfigError } from "../../config/errors.js";
import { homeLayout } from "../../config/home.js";
import { parseAddress } from "../../crypto/address.js";
import type { PrivateKey } from "../../crypto/ed25519.js";
import { loadValidatorKey } from "../../privval/key-file.js";
import { type CliContext, clientOf, homeOf, keyringOf } from "../context.js";
import { EXIT_FAILURE, usageError } from "../errors.js";
import { emit } from "../io.js";
import {
  type QueryCliOptions,
  queryCommand,
  type TxCliOptions,
  txCommand,
  txOptionsOf,
} from "../tx-command.js";
import { requireSubcommand } from "./keys.js";

interface CandidateOptions extends TxCliOptions {
  moniker?: string;
  provider?: string;
  clearProvider?: boolean;
  consensusKey?: string;
}

/** --consensus-key, else the home's configured priv_validator_key.json. */
async function consensusKeyOf(opts: CandidateOptions): Promise<PrivateKey> {
  if (opts.consensusKey !== undefined) return loadValidatorKey(opts.consensusKey);
  const home = homeOf(opts);
  let path: string;
  try {
    path = configPaths(loadConfig(home)).privValidatorKeyFile;
  } catch (err) {
    if (!(err instanceof ConfigError && err.code === "CONFIG_NOT_FOUND")) throw err;
    path = join(homeLayout(home).configDir, "priv_validator_key.json");
  }
  return loadValidatorKey(path);
}

const amountArg = (text: string): bigint => {
  const v = parseAmount(text);
  if (v === 0n) throw usageError("the amount must be greater than zero");
  return v;
};

function percent(ppm: number): string {
  return `${(ppm / 10_000).toFixed(2)}%`;
}

function candidateText(c: CandidateJson): string {
  return [
    `operator:       ${c.operator}`,
    `moniker:        ${c.moniker}`,
    `consensus:      ${c.consensus_address}`,
    `provider:       ${c.provider ?? "-"}`,
    `bonded:         ${formatAnkr(BigInt(c.bonded))} ANKR`,
    `service level:  ${percent(c.service_level_ppm)} (${c.service_level_source})`,
    `eligible:       ${c.eligible ? "yes" : "no"}`,
    `jailed:         ${c.jailed ? `yes, until height ${c.jailed_until}` : "no"}`,
    `validator:      ${c.validator_power > 0 ? `power ${c.validator_power}` : "no"}`,
  ].join("\n");
}

export function registerStaking(program: Command, ctx: CliContext): void {
  const io = ctx.deps.io;
  const group = (name: string): Command => {
    const found = program.commands.find((c) => c.name() === name);
    if (found === undefined) throw new Error(`the "${name}" command group must be registered first`);
    return found;
  };
  const stakingOf = (opts: QueryCliOptions) => new StakingClient(clientOf(ctx, opts));
  const signer = (opts: TxCliOptions) => keyringOf(ctx, opts).getSigner(opts.from);
  const report = (r: TxOutcome, opts: TxCliOptions, ok: string) => {
    const json = {
      hash: r.hash,
      code: r.code,
      height: r.height,
      gas_used: r.gasUsed,
      ...(r.code === 0 ? {} : { log: r.log, codespace: r.codespace }),
    };
    emit(io, opts.output, json, () =>
      r.code === 0
        ? `${ok} (tx ${r.hash}, height ${r.height})`
        : `tx ${r.hash} included at height ${r.height} but failed (code ${r.code}): ${r.log}`,
    );
    if (r.code !== 0) ctx.setExitCode(EXIT_FAILURE);
  };

  // --- txs ------------------------------------------------------------------------------------
  const tx = group("tx");
  txCommand(tx, "stake", "bond ANKR from your balance (it earns stake-holding rewards and backs a candidacy)")
    .argument("<amount>", 'base units ("1000") or ANKR ("1.5ankr")')
    .action(async (amount: string, opts: TxCliOptions) => {
      const value = amountArg(amount);
      const r = await stakingOf(opts).stake(await signer(opts), value, txOptionsOf(opts));
      report(r, opts, `staked ${formatAnkr(value)} ANKR`);
    });

  txCommand(
    tx,
    "unstake",
    "start unbonding stake; it is released (and slashable until then) after the period",
  )
    .argument("<amount>", 'base units ("1000") or ANKR ("1.5ankr")')
    .action(async (amount: string, opts: TxCliOptions) => {
      const value = amountArg(amount);
      const r = await stakingOf(opts).unstake(await signer(opts), value, txOptionsOf(opts));
      report(r, opts, `unbonding ${formatAnkr(value)} ANKR`);
    });

  txCommand(tx, "unjail", "return to the candidate pool after the jail period").action(
    async (opts: TxCliOptions) => {
      const r = await stakingOf(opts).unjail(await signer(opts), txOptionsOf(opts));
      report(r, opts, "unjailed");
    },
  );

  const candidate = tx.command("candidate").description("register, update or withdraw a validator candidacy");
  requireSubcommand(candidate, "dccn tx candidate");

  txCommand(candidate, "register", "become a validator candidate with this node's consensus key")
    .requiredOption("--moniker <name>", "a public name (1..64 characters)")
    .option("--provider <address>", "your provider identity (your own ankr1… address) for the service level")
    .option("--consensus-key <file>", "priv_validator_key.json to use (default: the home's)")
    .action(async (opts: CandidateOptions) => {
      if (opts.provider !== undefined) parseAddress(opts.provider);
      const consensusKey = await consensusKeyOf(opts);
      const r = await stakingOf(opts).registerCandidate(
        await signer(opts),
        {
          consensusKey,
          moniker: opts.moniker!,
          ...(opts.provider === undefined ? {} : { provider: opts.provider }),
        },
        txOptionsOf(opts),
      );
      report(r, opts, `registered candidate "${opts.moniker}"`);
    });

  txCommand(candidate, "update", "change the moniker or the provider identity")
    .option("--moniker <name>", "a new public name")
    .option("--provider <address>", "a new provider identity (your own ankr1… address)")
    .option("--clear-provider", "drop the provider identity")
    .action(async (opts: CandidateOptions) => {
      if (opts.moniker === undefined && opts.provider === undefined && opts.clearProvider !== true) {
        throw usageError("give --moniker, --provider or --clear-provider");
      }
      if (opts.provider !== undefined && opts.clearProvider === true) {
        throw usageError("--provider and --clear-provider exclude each other");
      }
      if (opts.provider !== undefined) parseAddress(opts.provider);
      const r = await stakingOf(opts).updateCandidate(
        await signer(opts),
        {
          ...(opts.moniker === undefined ? {} : { moniker: opts.moniker }),
          ...(opts.provider === undefined ? {} : { provider: opts.provider }),
          ...(opts.clearProvider === true ? { clearProvider: true } : {}),
        },
        txOptionsOf(opts),
      );
      report(r, opts, "candidate updated");
    });

  txCommand(candidate, "withdraw", "end the candidacy (the stake stays bonded)").action(
    async (opts: TxCliOptions) => {
      const r = await stakingOf(opts).withdrawCandidate(await signer(opts), txOptionsOf(opts));
      report(r, opts, "candidacy withdrawn");
    },
  );

  // --- queries --------------------------------------------------------------------------------
  const query = group("query");
  queryCommand(
    query,
    "validators",
    "the validator set the app elected (consensus address, power, operator)",
  ).action(async (opts: QueryCliOptions) => {
    const vals = await stakingOf(opts).validators(opts.height);
    emit(io, opts.output, vals, () =>
      vals.length === 0
        ? "(no validators)"
        : vals
            .map(
              (v: ValidatorJson) =>
                `${v.consensus_address}  ${v.power}  ${v.operator ?? "-"}  ${v.moniker ?? ""}`,
            )
            .join("\n"),
    );
  });

  queryCommand(query, "candidates", "every candidate with stake, service level and eligibility").action(
    async (opts: QueryCliOptions) => {
      const list = await stakingOf(opts).candidates(opts.height);
      emit(io, opts.output, list, () =>
        list.length === 0 ? "(no candidates)" : list.map(candidateText).join("\n\n"),
      );
    },
  );

  queryCommand(query, "candidate", "one candidate")
    .argument("<operator>", "the operator's ankr1… address")
    .action(async (operator: string, opts: QueryCliOptions) => {
      parseAddress(operator);
      const c = await stakingOf(opts).candidate(operator, opts.height);
      emit(io, opts.output, c, () => candidateText(c));
    });

  queryCommand(query, "stake", "an account's free, bonded and unbonding ANKR")
    .argument("<address>", "ankr1… address")
    .action(async (address: string, opts: QueryCliOptions) => {
      parseAddress(address);
      const s = await stakingOf(opts).stakeOf(address, opts.height);
      emit(io, opts.output, s, () =>
        [
          `address:    ${s.address}`,
          `free:       ${formatAnkr(BigInt(s.free))} ANKR`,
          `bonded:     ${formatAnkr(BigInt(s.bonded))} ANKR`,
          `unbonding:  ${formatAnkr(BigInt(s.unbonding))} ANKR`,
          ...s.unbonding_entries.map(
            (e) => `  ${formatAnkr(BigInt(e.amount))} ANKR released at height ${e.completion_height}`,
          ),
        ].join("\n"),
      );
    });

  queryCommand(query, "service-level", "an account's service level and where it comes from")
    .argument("<address>", "ankr1… address")
    .action(async (address: string, opts: QueryCliOptions) => {
      parseAddress(address);
      const sl = await stakingOf(opts).serviceLevel(address, opts.height);
      emit(
        io,
        opts.output,
        sl,
        () => `${sl.address}: ${percent(sl.service_level_ppm)} (source: ${sl.source})`,
      );
    });

  queryCommand(query, "staking-params", "the staking, election, slashing and reward parameters").action(
    async (opts: QueryCliOptions) => {
      const p = await stakingOf(opts).params(opts.height);
      emit(io, opts.output, p, () =>
        Object.entries(p)
          .map(([k, v]) => `${k}: ${v}`)
          .join("\n"),
      );
    },
  );

  queryCommand(query, "election", "the last validator election (height, seed, counts)").action(
    async (opts: QueryCliOptions) => {
      const e = await stakingOf(opts).election(opts.height);
      emit(io, opts.output, e, () =>
        e === null
          ? "no election yet (the first runs at the end of the first epoch)"
          : `height ${e.height}: ${e.elected} elected of ${e.eligible} eligible (seed ${e.seed})`,
      );
    },
  );
}
