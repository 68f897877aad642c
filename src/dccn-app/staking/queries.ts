/**
 * `abci_query` paths of the staking module; values are UTF-8 JSON (amounts as decimal strings,
 * accounts bech32, consensus addresses upper-case hex, public keys base64):
 *
 *   /staking/params                      StakingParamsJson
 *   /staking/validators                  ValidatorJson[]   the set as last sent to consensus
 *   /staking/candidates                  CandidateJson[]
 *   /staking/candidate/<ankr1…>          CandidateJson
 *   /staking/stake/<ankr1…>              StakeJson         free, bonded and unbonding balances
 *   /staking/service-level/<ankr1…>      ServiceLevelJson
 *   /staking/election                    ElectionJson      the last election (null before one)
 *
 * Single-record paths prove (prove=true) the record's state key; list paths return their prefix
 * as `key` and prove nothing useful.
 */
import { toBase64, toHexUpper, utf8 } from "../../codec/bytes.js";
import { addressFromPublicKey, parseAddress, toBech32 } from "../../crypto/address.js";
import { isDccnError } from "../../errors.js";
import { getAccount } from "../bank/accounts.js";
import { AppError } from "../codes.js";
import type { QueryContext, QueryResult, QueryRoute } from "../module.js";
import type { KvReader } from "../state/kv.js";
import { type CandidateStanding, standingOf } from "./epoch.js";
import { CANDIDATE_PREFIX, candidateKey, ELECTION_KEY, stakeKey, VALIDATOR_PREFIX } from "./keys.js";
import { STAKING_PARAMS_KEY, type StakingParams, stakingParamsToJson } from "./params.js";
import type { Candidate } from "./records.js";
import { resolveServiceLevel, type ServiceLevelInputs, type ServiceLevelSource } from "./service-level.js";
import {
  allCandidates,
  currentValidators,
  getBonded,
  getCandidate,
  getElection,
  getParams,
  getValidator,
  operatorOfConsensus,
  unbondingOf,
} from "./store.js";

export interface ValidatorJson {
  readonly consensus_address: string;
  readonly pub_key: string;
  readonly power: number;
  readonly operator: string | null;
  readonly moniker: string | null;
}

export interface CandidateJson {
  readonly operator: string;
  readonly consensus_address: string;
  readonly consensus_pub_key: string;
  readonly moniker: string;
  readonly provider: string | null;
  readonly bonded: string;
  readonly service_level_ppm: number;
  readonly service_level_source: ServiceLevelSource;
  readonly eligible: boolean;
  /** bonded × service level ppm when eligible, else "0". */
  readonly weight: string;
  readonly jailed: boolean;
  readonly jailed_until: number;
  readonly registered_height: number;
  /** Power in the current set; 0 when not a validator. */
  readonly validator_power: number;
}

export interface UnbondingJson {
  readonly amount: string;
  readonly creation_height: number;
  readonly completion_height: number;
}

export interface StakeJson {
  readonly address: string;
  /** The bank balance (spendable). */
  readonly free: string;
  readonly bonded: string;
  /** Σ of the unbonding entries. */
  readonly unbonding: string;
  readonly unbonding_entries: readonly UnbondingJson[];
}

export interface ServiceLevelJson {
  readonly address: string;
  readonly service_level_ppm: number;
  readonly source: ServiceLevelSource;
  /** The provider identity it was read from, when the source is "market-provider". */
  readonly provider: string | null;
  readonly candidate: boolean;
}

export interface ElectionJson {
  readonly height: number;
  readonly seed: string;
  readonly eligible: number;
  readonly elected: number;
  readonly total_weight: string;
}

const json = (key: Uint8Array, value: unknown, proveKey?: Uint8Array): QueryResult => ({
  key,
  value: utf8(JSON.stringify(value)),
  ...(proveKey === undefined ? {} : { proveKey }),
});

function addressArg(rest: string, path: string): Uint8Array {
  try {
    return parseAddress(rest);
  } catch (err) {
    throw new AppError(
      "INVALID_ADDRESS",
      `${path}<ankr1…>: ${isDccnError(err) ? err.message : "bad address"}`,
    );
  }
}

function candidateJson(s: CandidateStanding, power: number): CandidateJson {
  const c = s.candidate;
  return {
    operator: toBech32(s.operator),
    consensus_address: toHexUpper(addressFromPublicKey(c.consPubKey)),
    consensus_pub_key: toBase64(c.consPubKey),
    moniker: c.moniker,
    provider: c.provider === undefined ? null : toBech32(c.provider),
    bonded: s.bonded.toString(),
    service_level_ppm: s.serviceLevel.ppm,
    service_level_source: s.serviceLevel.source,
    eligible: s.eligible,
    weight: s.weight.toString(),
    jailed: c.jailed,
    jailed_until: c.jailedUntil,
    registered_height: c.registeredHeight,
    validator_power: power,
  };
}

async function candidateView(
  store: KvReader,
  params: StakingParams,
  inputs: ServiceLevelInputs,
  operator: Uint8Array,
  candidate: Candidate,
): Promise<CandidateJson> {
  const s = await standingOf(store, params, inputs, operator, candidate);
  const v = getValidator(store, addressFromPublicKey(candidate.consPubKey));
  return candidateJson(s, v?.power ?? 0);
}

export async function stakeJson(store: KvReader, account: Uint8Array): Promise<StakeJson> {
  const entries = await unbondingOf(store, account);
  return {
    address: toBech32(account),
    free: getAccount(store, account).balance.toString(),
    bonded: getBonded(store, account).toString(),
    unbonding: entries.reduce((s, e) => s + e.amount, 0n).toString(),
    unbonding_entries: entries.map((e) => ({
      amount: e.amount.toString(),
      creation_height: e.creationHeight,
      completion_height: e.completionHeight,
    })),
  };
}

export function stakingQueries(inputs: ServiceLevelInputs): QueryRoute[] {
  return [
    {
      path: "/staking/params",
      handle: (ctx: QueryContext) =>
        json(STAKING_PARAMS_KEY, stakingParamsToJson(getParams(ctx.store)), STAKING_PARAMS_KEY),
    },
    {
      path: "/staking/validators",
      async handle(ctx) {
        const out: ValidatorJson[] = [];
        for (const { consAddress, validator } of await currentValidators(ctx.store)) {
          const operator = operatorOfConsensus(ctx.store, consAddress);
          const c = operator === undefined ? undefined : getCandidate(ctx.store, operator);
          out.push({
            consensus_address: toHexUpper(consAddress),
            pub_key: toBase64(validator.pubKey),
            power: validator.power,
            operator: operator === undefined ? null : toBech32(operator),
            moniker: c?.moniker ?? null,
          });
        }
        // By power, then address, as CometBFT lists validators.
        out.sort((a, b) => b.power - a.power || (a.consensus_address < b.consensus_address ? -1 : 1));
        return json(VALIDATOR_PREFIX, out);
      },
    },
    {
      path: "/staking/candidates",
      async handle(ctx) {
        const params = getParams(ctx.store);
        const out: CandidateJson[] = [];
        for await (const { operator, candidate } of allCandidates(ctx.store)) {
          out.push(await candidateView(ctx.store, params, inputs, operator, candidate));
        }
        return json(CANDIDATE_PREFIX, out);
      },
    },
    {
      path: "/staking/candidate/",
      async handle(ctx, _data, rest) {
        const operator = addressArg(rest, "/staking/candidate/");
        const c = getCandidate(ctx.store, operator);
        if (c === undefined) throw new AppError("INVALID_QUERY", `${toBech32(operator)} is not a candidate`);
        const view = await candidateView(ctx.store, getParams(ctx.store), inputs, operator, c);
        return json(candidateKey(operator), view, candidateKey(operator));
      },
    },
    {
      path: "/staking/stake/",
      async handle(ctx, _data, rest) {
        const account = addressArg(rest, "/staking/stake/");
        return json(stakeKey(account), await stakeJson(ctx.store, account), stakeKey(account));
      },
    },
    {
      path: "/staking/service-level/",
      async handle(ctx, _data, rest) {
        const account = addressArg(rest, "/staking/service-level/");
        const c = getCandidate(ctx.store, account);
        const params = getParams(ctx.store);
        const sl = await resolveServiceLevel(inputs, ctx.store, {
          operator: account,
          provider: c?.provider,
          genesisPpm: c?.genesisServiceLevelPpm ?? params.defaultServiceLevelPpm,
        });
        const out: ServiceLevelJson = {
          address: toBech32(account),
          service_level_ppm: sl.ppm,
          source: sl.source,
          provider:
            sl.source === "market-provider" && c?.provider !== undefined ? toBech32(c.provider) : null,
          candidate: c !== undefined,
        };
        return json(candidateKey(account), out);
      },
    },
    {
      path: "/staking/election",
      handle(ctx) {
        const e = getElection(ctx.store);
        const out: ElectionJson | null =
          e === undefined
            ? null
            : {
                height: e.height,
                seed: toHexUpper(e.seed),
                eligible: e.eligible,
                elected: e.elected,
                total_weight: e.totalWeight.toString(),
              };
        return json(ELECTION_KEY, out, ELECTION_KEY);
      },
    },
  ];
}
