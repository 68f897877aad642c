/**
 * State layout of the staking module (all under "staking/"; values are proto messages of
 * proto/dccn/staking/v1/staking.proto) and its module accounts.
 *
 *   staking/params                                  Params
 *   staking/stake/<account 20>                      Stake            (absent = nothing bonded)
 *   staking/ub/<account 20><completion u64>         UnbondingEntry   (same-block unstakes merge)
 *   staking/ubq/<completion u64><account 20>        0x01             release queue, by height
 *   staking/cand/<operator 20>                      Candidate
 *   staking/cons/<consensus address 20>             operator 20 bytes, never deleted: a key
 *                                                   belongs to one operator forever, and late
 *                                                   evidence still finds whom to slash
 *   staking/val/<consensus address 20>              Validator        the set as last sent to
 *                                                   consensus (CometBFT's "next validators")
 *   staking/sign/<consensus address 20>             SigningInfo      downtime window
 *   staking/election                                ElectionRecord   the last election
 *
 * Money: bonded and unbonding stake sit in the STAKING_POOL module account, so its bank
 * balance always equals Σ bonded + Σ unbonding; rewards are paid from REWARD_POOL.
 */
import { concatBytes, u64be, utf8 } from "../../codec/bytes.js";
import { ADDRESS_SIZE, moduleAddress } from "../../crypto/address.js";

/** Holds every bonded and unbonding base unit. */
export const STAKING_POOL: Uint8Array = moduleAddress("staking_pool");
/** Funds block rewards and stake-holding rewards; receives slashed stake. */
export const REWARD_POOL: Uint8Array = moduleAddress("staking_rewards");

export const STAKE_PREFIX = utf8("staking/stake/");
export const UNBONDING_PREFIX = utf8("staking/ub/");
export const UNBONDING_QUEUE_PREFIX = utf8("staking/ubq/");
export const CANDIDATE_PREFIX = utf8("staking/cand/");
export const CONSENSUS_INDEX_PREFIX = utf8("staking/cons/");
export const VALIDATOR_PREFIX = utf8("staking/val/");
export const SIGNING_PREFIX = utf8("staking/sign/");
export const ELECTION_KEY = utf8("staking/election");

export const stakeKey = (account: Uint8Array): Uint8Array => concatBytes(STAKE_PREFIX, account);
export const unbondingPrefixOf = (account: Uint8Array): Uint8Array => concatBytes(UNBONDING_PREFIX, account);
export const unbondingKey = (account: Uint8Array, completion: number): Uint8Array =>
  concatBytes(UNBONDING_PREFIX, account, u64be(completion));
export const unbondingQueueKey = (completion: number, account: Uint8Array): Uint8Array =>
  concatBytes(UNBONDING_QUEUE_PREFIX, u64be(completion), account);
export const candidateKey = (operator: Uint8Array): Uint8Array => concatBytes(CANDIDATE_PREFIX, operator);
export const consensusIndexKey = (consAddress: Uint8Array): Uint8Array =>
  concatBytes(CONSENSUS_INDEX_PREFIX, consAddress);
export const validatorKey = (consAddress: Uint8Array): Uint8Array =>
  concatBytes(VALIDATOR_PREFIX, consAddress);
export const signingKey = (consAddress: Uint8Array): Uint8Array => concatBytes(SIGNING_PREFIX, consAddress);

/** The 20-byte address that follows `prefix` in `key`. */
export const addressAfter = (key: Uint8Array, prefix: Uint8Array): Uint8Array =>
  key.slice(prefix.length, prefix.length + ADDRESS_SIZE);
