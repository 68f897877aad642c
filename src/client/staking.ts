/**
 * Staking for clients: the staking msgs as `AnyMsg` builders (sign them offline with `buildTx`),
 * and `StakingClient`, which sends them through `DccnClient` and reads the `/staking/…` paths.
 */
import { addressFromPublicKey, parseAddress, toBech32 } from "../crypto/address.js";
import type { PrivateKey } from "../crypto/ed25519.js";
import {
  msgRegisterCandidateAny,
  msgStakeAny,
  msgUnjailAny,
  msgUnstakeAny,
  msgUpdateCandidateAny,
  msgWithdrawCandidateAny,
  signPop,
} from "../dccn-app/staking/msgs.js";
import type {
  CandidateJson,
  ElectionJson,
  ServiceLevelJson,
  StakeJson,
  ValidatorJson,
} from "../dccn-app/staking/queries.js";
import { DccnError } from "../errors.js";
import type { AnyMsg } from "../types/tx.js";
import type { BroadcastOptions, DccnClient, TxOptions, TxOutcome } from "./dccn-client.js";
import { DccnClientError } from "./errors.js";
import { baseUnits, type TxBuildErrorCode } from "./tx-builder.js";

export {
  MSG_REGISTER_CANDIDATE_TYPE_URL,
  MSG_STAKE_TYPE_URL,
  MSG_UNJAIL_TYPE_URL,
  MSG_UNSTAKE_TYPE_URL,
  MSG_UPDATE_CANDIDATE_TYPE_URL,
  MSG_WITHDRAW_CANDIDATE_TYPE_URL,
  popSignBytes,
  signPop,
} from "../dccn-app/staking/msgs.js";
export type {
  CandidateJson,
  ElectionJson,
  ServiceLevelJson,
  StakeJson,
  UnbondingJson,
  ValidatorJson,
} from "../dccn-app/staking/queries.js";

const bad = (param: string, why: string) =>
  new DccnError<TxBuildErrorCode>("TX_PARAM_INVALID", `${param} ${why}`, { param });

function positive(value: bigint | string): bigint {
  const v = baseUnits(value, "amount");
  if (v === 0n) throw bad("amount", "must be greater than zero");
  return v;
}

function address(value: string | Uint8Array, param: string): Uint8Array {
  const a = typeof value === "string" ? parseAddress(value) : value;
  if (a.length !== 20) throw bad(param, "must be a 20-byte address");
  return a;
}

const bech = (a: string | Uint8Array): string => toBech32(address(a, "address"));

/** Bonds `amount` (base units, or "1.5ankr") of the signer's balance. */
export const stakeMsg = (amount: bigint | string): AnyMsg => msgStakeAny({ amount: positive(amount) });

/** Starts unbonding `amount` of the signer's bonded stake. */
export const unstakeMsg = (amount: bigint | string): AnyMsg => msgUnstakeAny({ amount: positive(amount) });

export interface RegisterCandidateParams {
  /** The validator's consensus key (its priv_validator_key.json); it signs the proof of possession. */
  readonly consensusKey: PrivateKey;
  readonly moniker: string;
  /** Provider identity (the operator's own address) whose quality of service is the service level. */
  readonly provider?: string | Uint8Array;
}

/** Registration by `operator` on `chainId`, with the consensus key's proof of possession. */
export function registerCandidateMsg(
  chainId: string,
  operator: string | Uint8Array,
  p: RegisterCandidateParams,
): AnyMsg {
  const provider = p.provider === undefined ? undefined : address(p.provider, "provider");
  return msgRegisterCandidateAny({
    pubKey: p.consensusKey.publicKey,
    pop: signPop(p.consensusKey, chainId, address(operator, "operator")),
    moniker: p.moniker,
    ...(provider === undefined ? {} : { provider }),
  });
}

export interface UpdateCandidateParams {
  readonly moniker?: string;
  readonly provider?: string | Uint8Array;
  readonly clearProvider?: boolean;
}

export function updateCandidateMsg(p: UpdateCandidateParams): AnyMsg {
  const provider = p.provider === undefined ? undefined : address(p.provider, "provider");
  return msgUpdateCandidateAny({
    moniker: p.moniker ?? "",
    clearProvider: p.clearProvider ?? false,
    ...(provider === undefined ? {} : { provider }),
  });
}

export const withdrawCandidateMsg = (): AnyMsg => msgWithdrawCandidateAny();
export const unjailMsg = (): AnyMsg => msgUnjailAny();

export type StakingTxOptions = TxOptions & BroadcastOptions;

export class StakingClient {
  constructor(readonly client: DccnClient) {}

  stake(key: PrivateKey, amount: bigint | string, opts: StakingTxOptions = {}): Promise<TxOutcome> {
    return this.client.signAndBroadcast(key, stakeMsg(amount), opts);
  }

  unstake(key: PrivateKey, amount: bigint | string, opts: StakingTxOptions = {}): Promise<TxOutcome> {
    return this.client.signAndBroadcast(key, unstakeMsg(amount), opts);
  }

  async registerCandidate(
    key: PrivateKey,
    p: RegisterCandidateParams,
    opts: StakingTxOptions = {},
  ): Promise<TxOutcome> {
    const msg = registerCandidateMsg(await this.client.chainId(), addressFromPublicKey(key.publicKey), p);
    return this.client.signAndBroadcast(key, msg, opts);
  }

  updateCandidate(
    key: PrivateKey,
    p: UpdateCandidateParams,
    opts: StakingTxOptions = {},
  ): Promise<TxOutcome> {
    return this.client.signAndBroadcast(key, updateCandidateMsg(p), opts);
  }

  withdrawCandidate(key: PrivateKey, opts: StakingTxOptions = {}): Promise<TxOutcome> {
    return this.client.signAndBroadcast(key, withdrawCandidateMsg(), opts);
  }

  unjail(key: PrivateKey, opts: StakingTxOptions = {}): Promise<TxOutcome> {
    return this.client.signAndBroadcast(key, unjailMsg(), opts);
  }

  /** A `/staking/…` path's JSON value; throws QUERY_FAILED on a non-zero code. */
  async query<T>(path: string, height?: number): Promise<T> {
    const v = await this.client.queryJson<T>(path, height === undefined ? {} : { height });
    if (v === undefined) throw new DccnClientError("BAD_RESPONSE", `${path} returned no value`);
    return v;
  }

  params(height?: number): Promise<Record<string, number | string>> {
    return this.query("/staking/params", height);
  }

  /** The validator set as the app last sent it to consensus (by power). */
  validators(height?: number): Promise<ValidatorJson[]> {
    return this.query("/staking/validators", height);
  }

  candidates(height?: number): Promise<CandidateJson[]> {
    return this.query("/staking/candidates", height);
  }

  candidate(operator: string | Uint8Array, height?: number): Promise<CandidateJson> {
    return this.query(`/staking/candidate/${bech(operator)}`, height);
  }

  /** Free, bonded and unbonding balances of an account. */
  stakeOf(account: string | Uint8Array, height?: number): Promise<StakeJson> {
    return this.query(`/staking/stake/${bech(account)}`, height);
  }

  serviceLevel(account: string | Uint8Array, height?: number): Promise<ServiceLevelJson> {
    return this.query(`/staking/service-level/${bech(account)}`, height);
  }

  /** The last election, or null before the first epoch ended. */
  election(height?: number): Promise<ElectionJson | null> {
    return this.query("/staking/election", height);
  }
}
