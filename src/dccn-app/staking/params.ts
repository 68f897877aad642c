/**
 * Staking parameters: part of state (key "staking/params", proto `dccn.staking.v1.Params`), set
 * at genesis by `app_state.staking.params` (every field optional) and changed by no tx.
 *
 * Fractions are integer parts per million (ppm, 1_000_000 = 1); amounts are base units (bigint);
 * heights and windows are block counts.
 */
import { utf8 } from "../../codec/bytes.js";
import { decodeCanonical, ProtoReader, ProtoWriter } from "../../codec/proto.js";
import { AppFatalError } from "../codes.js";

export const PPM = 1_000_000;
const ANKR = 10n ** 18n;

export interface StakingParams {
  /** An epoch ends at every height divisible by this; the election runs in that block's EndBlock. */
  readonly epochBlocks: number;
  /** Most validators an election draws. */
  readonly maxValidators: number;
  /** Bonded stake a candidate needs to be eligible (base units). */
  readonly minStake: bigint;
  /** Service level a candidate needs to be eligible (ppm). */
  readonly minServiceLevelPpm: number;
  /** Service level of a candidate with no market record (source "genesis"), unless genesis sets one. */
  readonly defaultServiceLevelPpm: number;
  /** Blocks from `unstake` to the release of the funds (slashable until then). */
  readonly unbondingBlocks: number;
  /** Share of the stake a duplicate vote costs (ppm). */
  readonly slashDoubleSignPpm: number;
  /** Share of the stake downtime costs (ppm). */
  readonly slashDowntimePpm: number;
  /** Y: the downtime window, in blocks the validator was expected to sign. */
  readonly downtimeWindow: number;
  /** X: more missed precommits than this within the window is downtime. */
  readonly downtimeMaxMissed: number;
  /** Blocks a validator stays jailed after downtime / a duplicate vote. */
  readonly jailBlocksDowntime: number;
  readonly jailBlocksDoubleSign: number;
  /** Paid from the reward pool every block, with the fees collected, to the validators. */
  readonly blockReward: bigint;
  /** Proposer's extra share of a block's rewards (ppm). */
  readonly proposerBonusPpm: number;
  /**
   * w of the stake-holding factor in Rewards = Σ w_i·p_i: base units paid per epoch per base
   * unit bonded, fixed-point ×10^18 (5×10^13 = 0.00005, the seed's StakeHolding weight).
   */
  readonly stakeHoldingWeight: bigint;
}

export const DEFAULT_STAKING_PARAMS: StakingParams = {
  epochBlocks: 100,
  maxValidators: 100,
  minStake: ANKR,
  minServiceLevelPpm: 300_000,
  defaultServiceLevelPpm: 500_000,
  unbondingBlocks: 1_000,
  slashDoubleSignPpm: 50_000,
  slashDowntimePpm: 1_000,
  downtimeWindow: 100,
  downtimeMaxMissed: 50,
  jailBlocksDowntime: 100,
  jailBlocksDoubleSign: 10_000,
  blockReward: ANKR,
  proposerBonusPpm: 50_000,
  stakeHoldingWeight: 5n * 10n ** 13n,
};

export const STAKING_PARAMS_KEY = utf8("staking/params");

export function encodeStakingParams(p: StakingParams): Uint8Array {
  return new ProtoWriter()
    .uint(1, p.epochBlocks)
    .uint(2, p.maxValidators)
    .bigint(3, p.minStake)
    .uint(4, p.minServiceLevelPpm)
    .uint(5, p.defaultServiceLevelPpm)
    .uint(6, p.unbondingBlocks)
    .uint(7, p.slashDoubleSignPpm)
    .uint(8, p.slashDowntimePpm)
    .uint(9, p.downtimeWindow)
    .uint(10, p.downtimeMaxMissed)
    .uint(11, p.jailBlocksDowntime)
    .uint(12, p.jailBlocksDoubleSign)
    .bigint(13, p.blockReward)
    .uint(14, p.proposerBonusPpm)
    .bigint(15, p.stakeHoldingWeight)
    .finish();
}

function decodeLoose(bytes: Uint8Array): StakingParams {
  const r = new ProtoReader(bytes, "staking.Params");
  const p = {
    epochBlocks: 0,
    maxValidators: 0,
    minStake: 0n,
    minServiceLevelPpm: 0,
    defaultServiceLevelPpm: 0,
    unbondingBlocks: 0,
    slashDoubleSignPpm: 0,
    slashDowntimePpm: 0,
    downtimeWindow: 0,
    downtimeMaxMissed: 0,
    jailBlocksDowntime: 0,
    jailBlocksDoubleSign: 0,
    blockReward: 0n,
    proposerBonusPpm: 0,
    stakeHoldingWeight: 0n,
  };
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) p.epochBlocks = r.uint();
    else if (f === 2) p.maxValidators = r.uint();
    else if (f === 3) p.minStake = r.bigint();
    else if (f === 4) p.minServiceLevelPpm = r.uint();
    else if (f === 5) p.defaultServiceLevelPpm = r.uint();
    else if (f === 6) p.unbondingBlocks = r.uint();
    else if (f === 7) p.slashDoubleSignPpm = r.uint();
    else if (f === 8) p.slashDowntimePpm = r.uint();
    else if (f === 9) p.downtimeWindow = r.uint();
    else if (f === 10) p.downtimeMaxMissed = r.uint();
    else if (f === 11) p.jailBlocksDowntime = r.uint();
    else if (f === 12) p.jailBlocksDoubleSign = r.uint();
    else if (f === 13) p.blockReward = r.bigint();
    else if (f === 14) p.proposerBonusPpm = r.uint();
    else if (f === 15) p.stakeHoldingWeight = r.bigint();
    else r.unknown();
  }
  return p;
}

export const decodeStakingParams = (bytes: Uint8Array): StakingParams =>
  decodeCanonical(bytes, "staking.Params", decodeLoose, encodeStakingParams);

type IntField = {
  [K in keyof StakingParams]: StakingParams[K] extends number ? K : never;
}[keyof StakingParams];
type AmountField = {
  [K in keyof StakingParams]: StakingParams[K] extends bigint ? K : never;
}[keyof StakingParams];

/** JSON name → field, lower bound (and `ppm` for fractions capped at 1). */
const INT_FIELDS: Readonly<Record<string, { field: IntField; min: number; ppm?: true }>> = {
  epoch_blocks: { field: "epochBlocks", min: 1 },
  max_validators: { field: "maxValidators", min: 1 },
  min_service_level_ppm: { field: "minServiceLevelPpm", min: 0, ppm: true },
  default_service_level_ppm: { field: "defaultServiceLevelPpm", min: 0, ppm: true },
  unbonding_blocks: { field: "unbondingBlocks", min: 1 },
  slash_double_sign_ppm: { field: "slashDoubleSignPpm", min: 0, ppm: true },
  slash_downtime_ppm: { field: "slashDowntimePpm", min: 0, ppm: true },
  downtime_window: { field: "downtimeWindow", min: 1 },
  downtime_max_missed: { field: "downtimeMaxMissed", min: 0 },
  jail_blocks_downtime: { field: "jailBlocksDowntime", min: 1 },
  jail_blocks_double_sign: { field: "jailBlocksDoubleSign", min: 1 },
  proposer_bonus_ppm: { field: "proposerBonusPpm", min: 0, ppm: true },
};
const AMOUNT_FIELDS: Readonly<Record<string, AmountField>> = {
  min_stake: "minStake",
  block_reward: "blockReward",
  stake_holding_weight: "stakeHoldingWeight",
};

const invalid = (field: string, why: string) =>
  new AppFatalError("APP_GENESIS_INVALID", `app_state.staking.params.${field} ${why}`, { field });

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
/** The downtime bitmap lives in one state value; keep it small. */
export const MAX_DOWNTIME_WINDOW = 100_000;

/** Reads genesis `app_state.staking.params`; absent fields keep their defaults. */
export function parseStakingParamsJson(json: unknown): StakingParams {
  if (json === undefined || json === null) return DEFAULT_STAKING_PARAMS;
  if (typeof json !== "object" || Array.isArray(json)) throw invalid("", "must be an object");
  const out: Record<string, number | bigint> = { ...DEFAULT_STAKING_PARAMS };
  for (const [k, v] of Object.entries(json)) {
    const int = INT_FIELDS[k];
    const amount = AMOUNT_FIELDS[k];
    if (int !== undefined) {
      const n = typeof v === "string" && /^(0|[1-9][0-9]{0,15})$/.test(v) ? Number(v) : v;
      const max = int.ppm ? PPM : Number.MAX_SAFE_INTEGER;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < int.min || n > max) {
        throw invalid(k, `must be an integer in [${int.min}, ${max}], got ${JSON.stringify(v)}`);
      }
      out[int.field] = n;
    } else if (amount !== undefined) {
      if (typeof v !== "string" || !DECIMAL.test(v)) {
        throw invalid(k, `must be a decimal string of base units, got ${JSON.stringify(v)}`);
      }
      out[amount] = BigInt(v);
    } else {
      const known = [...Object.keys(INT_FIELDS), ...Object.keys(AMOUNT_FIELDS)].sort().join(", ");
      throw invalid(k, `is not a known parameter (${known})`);
    }
  }
  const p = out as unknown as StakingParams;
  if (p.downtimeWindow > MAX_DOWNTIME_WINDOW)
    throw invalid("downtime_window", `must be at most ${MAX_DOWNTIME_WINDOW}`);
  if (p.downtimeMaxMissed >= p.downtimeWindow)
    throw invalid("downtime_max_missed", `must be below downtime_window (${p.downtimeWindow})`);
  return p;
}

/** The JSON served at `/staking/params` (the genesis shape). */
export function stakingParamsToJson(p: StakingParams): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, { field }] of Object.entries(INT_FIELDS)) out[k] = p[field];
  for (const [k, field] of Object.entries(AMOUNT_FIELDS)) out[k] = p[field].toString();
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
