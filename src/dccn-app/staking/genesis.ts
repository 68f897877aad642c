/**
 * Genesis of the staking module, `app_state.staking` (every member optional):
 *
 *   {
 *     "params": { …see params.ts… },
 *     "stakes": [{ "address": "ankr1…", "amount": "<base units>" }],
 *     "candidates": [{ "operator": "ankr1…", "pub_key": "<base64 Ed25519 consensus key>",
 *                      "moniker": "…", "provider": "ankr1…", "service_level_ppm": 800000 }]
 *   }
 *
 * Stakes are bonded out of the genesis balances of `app_state.accounts` (the bank's genesis runs
 * first), so genesis supply is what the accounts list. Genesis candidates need no proof of
 * possession: the genesis file is trusted by everyone who runs it.
 *
 * Without `candidates` (in particular with no `app_state.staking`, as `dccn init` writes), every
 * genesis validator is bootstrapped as a candidate operated by its own consensus address, with
 * power × 1 ANKR bonded — minted into the staking pool, the only units this module ever creates —
 * and the default service level, so existing genesis files keep producing blocks.
 *
 * In both cases the genesis validator set is recorded as the current set and stays in force until
 * the first epoch's election.
 */
import { fromBase64, toHex, toHexUpper } from "../../codec/bytes.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../../crypto/address.js";
import { assertPublicKey } from "../../crypto/ed25519.js";
import { errorMessage } from "../../errors.js";
import { credit, debit, getAccount } from "../bank/accounts.js";
import { AppFatalError } from "../codes.js";
import type { GenesisContext } from "../module.js";
import { STAKING_POOL } from "./keys.js";
import { MAX_MONIKER_LENGTH } from "./msgs.js";
import {
  encodeStakingParams,
  PPM,
  parseStakingParamsJson,
  STAKING_PARAMS_KEY,
  type StakingParams,
} from "./params.js";
import {
  getBonded,
  getCandidate,
  operatorOfConsensus,
  setBonded,
  setCandidate,
  setConsensusOwner,
  setValidator,
} from "./store.js";

/** Stake bonded per unit of genesis voting power when bootstrapping from the validators. */
export const BOOTSTRAP_STAKE_PER_POWER = 10n ** 18n;

const invalid = (field: string, why: string) =>
  new AppFatalError("APP_GENESIS_INVALID", `app_state.staking${field === "" ? "" : `.${field}`} ${why}`, {
    field,
  });
const sub = (field: string, key: string) => (field === "" ? key : `${field}.${key}`);

function asRecord(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalid(field, "must be an object");
  return v as Record<string, unknown>;
}

function onlyKeys(rec: Record<string, unknown>, field: string, known: readonly string[]): void {
  for (const k of Object.keys(rec)) {
    if (!known.includes(k)) throw invalid(sub(field, k), `is not a known field (${known.join(", ")})`);
  }
}

function address(v: unknown, field: string): Uint8Array {
  if (typeof v !== "string") throw invalid(field, "must be an ankr1… address string");
  try {
    return parseAddress(v);
  } catch (err) {
    throw invalid(field, `is invalid: ${errorMessage(err)}`);
  }
}

function amount(v: unknown, field: string): bigint {
  if (typeof v !== "string" || !/^[1-9][0-9]{0,77}$/.test(v)) {
    throw invalid(field, 'must be a positive decimal string of base units, e.g. "1000"');
  }
  return BigInt(v);
}

function list(v: unknown, field: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(field, "must be an array");
  return v;
}

function initStakes(ctx: GenesisContext, stakes: unknown): void {
  list(stakes, "stakes").forEach((entry, i) => {
    const field = `stakes[${i}]`;
    const rec = asRecord(entry, field);
    onlyKeys(rec, field, ["address", "amount"]);
    const who = address(rec.address, `${field}.address`);
    const value = amount(rec.amount, `${field}.amount`);
    const balance = getAccount(ctx.store, who).balance;
    if (balance < value) {
      throw invalid(
        `${field}.amount`,
        `bonds ${value} but ${toBech32(who)} holds only ${balance} in app_state.accounts`,
      );
    }
    debit(ctx.store, who, value);
    credit(ctx.store, STAKING_POOL, value);
    setBonded(ctx.store, who, getBonded(ctx.store, who) + value);
  });
}

function initCandidates(ctx: GenesisContext, params: StakingParams, candidates: unknown[]): void {
  candidates.forEach((entry, i) => {
    const field = `candidates[${i}]`;
    const rec = asRecord(entry, field);
    onlyKeys(rec, field, ["operator", "pub_key", "moniker", "provider", "service_level_ppm"]);
    const operator = address(rec.operator, `${field}.operator`);
    if (typeof rec.pub_key !== "string") throw invalid(`${field}.pub_key`, "must be a base64 string");
    let pubKey: Uint8Array;
    try {
      pubKey = fromBase64(rec.pub_key);
      assertPublicKey(pubKey);
    } catch (err) {
      throw invalid(`${field}.pub_key`, `is not an Ed25519 public key: ${errorMessage(err)}`);
    }
    const moniker = rec.moniker ?? `candidate-${toHex(operator).slice(0, 8)}`;
    if (typeof moniker !== "string" || moniker.trim() === "" || [...moniker].length > MAX_MONIKER_LENGTH) {
      throw invalid(`${field}.moniker`, `must be 1..${MAX_MONIKER_LENGTH} characters`);
    }
    const provider = rec.provider === undefined ? undefined : address(rec.provider, `${field}.provider`);
    const sl = rec.service_level_ppm ?? params.defaultServiceLevelPpm;
    if (typeof sl !== "number" || !Number.isSafeInteger(sl) || sl < 0 || sl > PPM) {
      throw invalid(`${field}.service_level_ppm`, `must be an integer in [0, ${PPM}]`);
    }
    const consAddress = addressFromPublicKey(pubKey);
    if (getCandidate(ctx.store, operator) !== undefined)
      throw invalid(`${field}.operator`, "repeats a candidate");
    if (operatorOfConsensus(ctx.store, consAddress) !== undefined) {
      throw invalid(`${field}.pub_key`, `repeats consensus key ${toHexUpper(consAddress)}`);
    }
    setCandidate(ctx.store, operator, {
      consPubKey: pubKey,
      moniker,
      ...(provider === undefined ? {} : { provider }),
      genesisServiceLevelPpm: sl,
      jailed: false,
      jailedUntil: 0,
      registeredHeight: 0,
    });
    setConsensusOwner(ctx.store, consAddress, operator);
  });
}

function bootstrapFromValidators(ctx: GenesisContext, params: StakingParams): void {
  for (const v of ctx.validators) {
    const consAddress = addressFromPublicKey(v.pubKey);
    const operator = consAddress;
    if (getCandidate(ctx.store, operator) !== undefined) continue;
    const stake = BigInt(v.power) * BOOTSTRAP_STAKE_PER_POWER;
    setCandidate(ctx.store, operator, {
      consPubKey: v.pubKey,
      moniker: `genesis-${toHex(consAddress).slice(0, 8)}`,
      genesisServiceLevelPpm: params.defaultServiceLevelPpm,
      jailed: false,
      jailedUntil: 0,
      registeredHeight: 0,
    });
    setConsensusOwner(ctx.store, consAddress, operator);
    credit(ctx.store, STAKING_POOL, stake);
    setBonded(ctx.store, operator, getBonded(ctx.store, operator) + stake);
  }
}

export function initStakingGenesis(ctx: GenesisContext, section: unknown): void {
  const doc = section === undefined ? {} : asRecord(section, "");
  onlyKeys(doc, "", ["params", "stakes", "candidates"]);
  const params = parseStakingParamsJson(doc.params);
  ctx.store.set(STAKING_PARAMS_KEY, encodeStakingParams(params));
  initStakes(ctx, doc.stakes);
  if (doc.candidates === undefined) bootstrapFromValidators(ctx, params);
  else initCandidates(ctx, params, list(doc.candidates, "candidates"));
  for (const v of ctx.validators) {
    setValidator(ctx.store, addressFromPublicKey(v.pubKey), { pubKey: v.pubKey, power: v.power });
  }
}
