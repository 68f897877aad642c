/**
 * Creates a node home: config.toml, node_key.json, priv_validator_key.json, a genesis with this
 * node as the only validator, and (unless `fund` is false) a `validator` key in the test keyring
 * funded in genesis. Everything is generated in a staging directory first and moved into place
 * at the end, so a failure leaves the home as it was.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { BASE_UNITS_PER_ANKR } from "../client/amount.js";
import { asBytes, toHex, zeroize } from "../codec/bytes.js";
import { buildConfig, configPaths, serializeConfig } from "../config/config.js";
import { writeFileAtomic } from "../config/fs.js";
import { homeLayout } from "../config/home.js";
import { generateNodeKeyFile } from "../config/node-key.js";
import type { ConfigOverrides, NodeConfig } from "../config/types.js";
import { addressFromPublicKey, parseAddress } from "../crypto/address.js";
import { PrivateKey, SEED_SIZE } from "../crypto/ed25519.js";
import { dccnAppStateJson, type GenesisAccount } from "../genesis/app-state.js";
import { serializeGenesis, validateChainId } from "../genesis/genesis.js";
import type { GenesisValidatorEntry } from "../genesis/types.js";
import { openKeyring } from "../keyring/open.js";
import { type KeyInfo, type Keyring, KeyringError } from "../keyring/types.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../types/params.js";
import type { ValidatorKeyInfo } from "./deps.js";
import { CliError } from "./errors.js";

export const VALIDATOR_KEY_NAME = "validator";
export const DEFAULT_VALIDATOR_POWER = 10;
/** 1,000,000,000 ANKR. */
export const DEFAULT_FUND_AMOUNT = 1_000_000_000n * BASE_UNITS_PER_ANKR;

export interface InitHomeOptions {
  readonly home: string;
  readonly chainId: string;
  readonly moniker: string;
  /** Create and fund the `validator` keyring key (default true). */
  readonly fund?: boolean;
  /** Name of the funded keyring key (default `validator`). */
  readonly keyName?: string;
  readonly fundAmount?: bigint;
  readonly validatorPower?: number;
  /** Replace an existing home: its config, keys of this node and chain data are discarded. */
  readonly force?: boolean;
  readonly genesisTimeMs: number;
  readonly configOverrides?: ConfigOverrides;
  readonly generateValidatorKeyFile: (path: string) => Promise<ValidatorKeyInfo>;
}

export interface InitHomeResult {
  readonly config: NodeConfig;
  readonly chainId: string;
  readonly nodeId: string;
  readonly validator: ValidatorKeyInfo;
  /** The funded keyring key (new, or the existing `validator` key), unless `fund` was false. */
  readonly key: KeyInfo | undefined;
  readonly genesisFile: string;
}

/** The files whose presence means "this home is already set up". */
function existingState(cfg: NodeConfig): string | undefined {
  const p = configPaths(cfg);
  for (const file of [
    p.configFile,
    p.genesisFile,
    p.nodeKeyFile,
    p.privValidatorKeyFile,
    p.privValidatorStateFile,
  ]) {
    if (existsSync(file)) return file;
  }
  if (existsSync(p.dbDir) && readdirSync(p.dbDir).length > 0) return p.dbDir;
  return undefined;
}

async function showIfPresent(keyring: Keyring, name: string): Promise<KeyInfo | undefined> {
  try {
    return await keyring.show(name);
  } catch (err) {
    if (err instanceof KeyringError && err.code === "KEY_NOT_FOUND") return undefined;
    throw err;
  }
}

export interface GenesisInputs {
  readonly chainId: string;
  readonly genesisTimeMs: number;
  readonly validators: readonly GenesisValidatorEntry[];
  readonly accounts: readonly GenesisAccount[];
}

/** genesis.json text for a new chain: default consensus params, these validators and funded accounts. */
export function genesisJsonFor(g: GenesisInputs): string {
  return serializeGenesis({
    genesisTimeMs: g.genesisTimeMs,
    chainId: g.chainId,
    initialHeight: 1,
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
    validators: g.validators,
    appHash: new Uint8Array(0),
    appStateJson: dccnAppStateJson(g.accounts),
  });
}

export async function initHome(opts: InitHomeOptions): Promise<InitHomeResult> {
  validateChainId(opts.chainId, "chain id");
  const layout = homeLayout(opts.home);
  const cfg = buildConfig(layout.home, { ...opts.configOverrides, moniker: opts.moniker });
  const paths = configPaths(cfg);
  const found = existingState(cfg);
  if (found !== undefined && opts.force !== true) {
    throw new CliError(
      "INIT_HOME_EXISTS",
      `${layout.home} is already initialized (found ${found}); pass --force to replace it and discard its chain data`,
      { home: layout.home },
    );
  }

  // An existing `validator` key is reused (funded again) rather than replaced.
  const keyring = openKeyring(layout.home, "test");
  const fund = opts.fund ?? true;
  const keyName = opts.keyName ?? VALIDATOR_KEY_NAME;
  const existingKey = fund ? await showIfPresent(keyring, keyName) : undefined;
  const seed = fund && existingKey === undefined ? asBytes(randomBytes(SEED_SIZE)) : undefined;

  mkdirSync(layout.home, { recursive: true });
  const stage = mkdtempSync(join(layout.home, ".init-"));
  const staged = (name: string) => join(stage, name);
  try {
    writeFileAtomic(staged("config.toml"), serializeConfig(cfg));
    const nodeKey = generateNodeKeyFile(staged("node_key.json"));
    zeroize(nodeKey.seed);
    const validator = await opts.generateValidatorKeyFile(staged("priv_validator_key.json"));

    const accounts: GenesisAccount[] = [];
    const funded =
      seed !== undefined
        ? addressFromPublicKey(PrivateKey.fromSeed(seed).publicKey)
        : existingKey !== undefined
          ? parseAddress(existingKey.address)
          : undefined;
    if (funded !== undefined) {
      accounts.push({ address: funded, balance: opts.fundAmount ?? DEFAULT_FUND_AMOUNT });
    }
    const genesis = genesisJsonFor({
      chainId: opts.chainId,
      genesisTimeMs: opts.genesisTimeMs,
      validators: [
        {
          address: validator.address,
          pubKey: validator.pubKey,
          power: opts.validatorPower ?? DEFAULT_VALIDATOR_POWER,
          name: opts.moniker,
        },
      ],
      accounts,
    });
    writeFileAtomic(staged("genesis.json"), genesis);

    // Commit: from here on only renames and the keyring write, which do not fail on bad input.
    if (opts.force === true) {
      rmSync(paths.dbDir, { recursive: true, force: true });
      rmSync(paths.privValidatorStateFile, { force: true });
      rmSync(paths.walFile, { recursive: true, force: true });
    }
    const moves: [string, string][] = [
      ["node_key.json", paths.nodeKeyFile],
      ["priv_validator_key.json", paths.privValidatorKeyFile],
      ["config.toml", paths.configFile],
      ["genesis.json", paths.genesisFile],
    ];
    for (const [name, target] of moves) {
      mkdirSync(dirname(target), { recursive: true });
      renameSync(staged(name), target);
    }
    mkdirSync(paths.dbDir, { recursive: true });
    const key = seed === undefined ? existingKey : await keyring.import(keyName, toHex(seed));
    return {
      config: cfg,
      chainId: opts.chainId,
      nodeId: nodeKey.nodeId,
      validator,
      key,
      genesisFile: paths.genesisFile,
    };
  } finally {
    if (seed !== undefined) zeroize(seed);
    rmSync(stage, { recursive: true, force: true });
  }
}
