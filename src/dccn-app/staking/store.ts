/** Typed reads and writes of the staking state (layout in keys.ts) over a state layer. */
import { readU64be } from "../../codec/bytes.js";
import { ADDRESS_SIZE } from "../../crypto/address.js";
import type { KvReader, KvStore } from "../state/kv.js";
import {
  addressAfter,
  CANDIDATE_PREFIX,
  candidateKey,
  consensusIndexKey,
  ELECTION_KEY,
  STAKE_PREFIX,
  signingKey,
  stakeKey,
  UNBONDING_QUEUE_PREFIX,
  unbondingKey,
  unbondingPrefixOf,
  unbondingQueueKey,
  VALIDATOR_PREFIX,
  validatorKey,
} from "./keys.js";
import {
  DEFAULT_STAKING_PARAMS,
  decodeStakingParams,
  STAKING_PARAMS_KEY,
  type StakingParams,
} from "./params.js";
import {
  type Candidate,
  candidateCodec,
  type ElectionRecord,
  electionCodec,
  type SigningInfo,
  signingCodec,
  stakeCodec,
  type UnbondingEntry,
  unbondingCodec,
  type ValidatorRecord,
  validatorCodec,
} from "./records.js";

const QUEUE_MARK = Uint8Array.of(1);

export function getParams(store: KvReader): StakingParams {
  const raw = store.get(STAKING_PARAMS_KEY);
  return raw === undefined ? DEFAULT_STAKING_PARAMS : decodeStakingParams(raw);
}

export function getBonded(store: KvReader, account: Uint8Array): bigint {
  const raw = store.get(stakeKey(account));
  return raw === undefined ? 0n : stakeCodec.decode(raw).bonded;
}

export function setBonded(store: KvStore, account: Uint8Array, bonded: bigint): void {
  if (bonded === 0n) store.delete(stakeKey(account));
  else store.set(stakeKey(account), stakeCodec.encode({ bonded }));
}

/** Every account with bonded stake, ascending by address. */
export async function* allStakes(store: KvReader): AsyncGenerator<{ account: Uint8Array; bonded: bigint }> {
  for await (const [k, v] of store.iterate(STAKE_PREFIX)) {
    yield { account: addressAfter(k, STAKE_PREFIX), bonded: stakeCodec.decode(v).bonded };
  }
}

export interface UnbondingView extends UnbondingEntry {
  readonly completionHeight: number;
}

/** An account's pending unbonding entries, by completion height. */
export async function unbondingOf(store: KvReader, account: Uint8Array): Promise<UnbondingView[]> {
  const prefix = unbondingPrefixOf(account);
  const out: UnbondingView[] = [];
  for await (const [k, v] of store.iterate(prefix)) {
    out.push({ ...unbondingCodec.decode(v), completionHeight: Number(readU64be(k, prefix.length)) });
  }
  return out;
}

export function getUnbonding(
  store: KvReader,
  account: Uint8Array,
  completion: number,
): UnbondingEntry | undefined {
  const raw = store.get(unbondingKey(account, completion));
  return raw === undefined ? undefined : unbondingCodec.decode(raw);
}

/** Writes (or, at amount 0, removes) an entry together with its queue mark. */
export function setUnbonding(
  store: KvStore,
  account: Uint8Array,
  completion: number,
  entry: UnbondingEntry,
): void {
  if (entry.amount === 0n) {
    store.delete(unbondingKey(account, completion));
    store.delete(unbondingQueueKey(completion, account));
    return;
  }
  store.set(unbondingKey(account, completion), unbondingCodec.encode(entry));
  store.set(unbondingQueueKey(completion, account), QUEUE_MARK);
}

/** Queue entries due at or before `height`, in (height, account) order. */
export async function dueUnbondings(
  store: KvReader,
  height: number,
): Promise<{ account: Uint8Array; completion: number }[]> {
  const out: { account: Uint8Array; completion: number }[] = [];
  for await (const [k] of store.iterate(UNBONDING_QUEUE_PREFIX)) {
    const completion = Number(readU64be(k, UNBONDING_QUEUE_PREFIX.length));
    if (completion > height) break;
    const at = UNBONDING_QUEUE_PREFIX.length + 8;
    out.push({ account: k.slice(at, at + ADDRESS_SIZE), completion });
  }
  return out;
}

export function getCandidate(store: KvReader, operator: Uint8Array): Candidate | undefined {
  const raw = store.get(candidateKey(operator));
  return raw === undefined ? undefined : candidateCodec.decode(raw);
}

export function setCandidate(store: KvStore, operator: Uint8Array, c: Candidate): void {
  store.set(candidateKey(operator), candidateCodec.encode(c));
}

export function deleteCandidate(store: KvStore, operator: Uint8Array): void {
  store.delete(candidateKey(operator));
}

export async function* allCandidates(
  store: KvReader,
): AsyncGenerator<{ operator: Uint8Array; candidate: Candidate }> {
  for await (const [k, v] of store.iterate(CANDIDATE_PREFIX)) {
    yield { operator: addressAfter(k, CANDIDATE_PREFIX), candidate: candidateCodec.decode(v) };
  }
}

/** The operator a consensus address was ever registered by. */
export function operatorOfConsensus(store: KvReader, consAddress: Uint8Array): Uint8Array | undefined {
  return store.get(consensusIndexKey(consAddress));
}

export function setConsensusOwner(store: KvStore, consAddress: Uint8Array, operator: Uint8Array): void {
  store.set(consensusIndexKey(consAddress), operator);
}

export function getValidator(store: KvReader, consAddress: Uint8Array): ValidatorRecord | undefined {
  const raw = store.get(validatorKey(consAddress));
  return raw === undefined ? undefined : validatorCodec.decode(raw);
}

export function setValidator(store: KvStore, consAddress: Uint8Array, v: ValidatorRecord): void {
  if (v.power === 0) store.delete(validatorKey(consAddress));
  else store.set(validatorKey(consAddress), validatorCodec.encode(v));
}

/** The validator set as last sent to consensus, ascending by consensus address. */
export async function currentValidators(
  store: KvReader,
): Promise<{ consAddress: Uint8Array; validator: ValidatorRecord }[]> {
  const out: { consAddress: Uint8Array; validator: ValidatorRecord }[] = [];
  for await (const [k, v] of store.iterate(VALIDATOR_PREFIX)) {
    out.push({ consAddress: addressAfter(k, VALIDATOR_PREFIX), validator: validatorCodec.decode(v) });
  }
  return out;
}

export function getSigningInfo(store: KvReader, consAddress: Uint8Array): SigningInfo | undefined {
  const raw = store.get(signingKey(consAddress));
  return raw === undefined ? undefined : signingCodec.decode(raw);
}

export function setSigningInfo(store: KvStore, consAddress: Uint8Array, info: SigningInfo): void {
  store.set(signingKey(consAddress), signingCodec.encode(info));
}

export function clearSigningInfo(store: KvStore, consAddress: Uint8Array): void {
  store.delete(signingKey(consAddress));
}

export function getElection(store: KvReader): ElectionRecord | undefined {
  const raw = store.get(ELECTION_KEY);
  return raw === undefined ? undefined : electionCodec.decode(raw);
}

export function setElection(store: KvStore, e: ElectionRecord): void {
  store.set(ELECTION_KEY, electionCodec.encode(e));
}
