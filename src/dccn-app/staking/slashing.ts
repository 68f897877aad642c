/**
 * Slashing ("stake penalty", seed p.23) — runs in BeginBlock.
 *
 * - Duplicate vote (`BeginBlockRequest.byzantineValidators`, each evidence delivered once):
 *   the offender's operator loses `slash_double_sign_ppm` of its stake and is jailed for
 *   `jail_blocks_double_sign` blocks.
 * - Downtime (`lastCommitInfo.votes`): each validator keeps a window of its last Y expected
 *   precommits (Y = `downtime_window`); once it has been tracked for a full window, more than
 *   X (`downtime_max_missed`) missed means `slash_downtime_ppm` is slashed and the validator is
 *   jailed for `jail_blocks_downtime` blocks; its window starts afresh.
 *
 * What is slashed: the stake bonded now plus every unbonding entry created at or after the
 * infraction height (that stake was bonded when the offence happened; stake stays slashable
 * until released). Each part loses floor(amount × fraction).
 *
 * Where slashed funds go: from the staking pool to the staking REWARD_POOL module account, which
 * pays block rewards and stake-holding rewards — a misbehaving validator's loss is paid out over
 * time to those who stake and validate. Nothing is burned, so total supply is unchanged.
 *
 * A jailed validator is removed from the set at the end of the same block (effective two blocks
 * later) and is not eligible until it sends `unjail` after the jail period.
 */
import type { BeginBlockRequest } from "../../abci/types.js";
import { compareBytes, toHexUpper } from "../../codec/bytes.js";
import { toBech32 } from "../../crypto/address.js";
import { transfer } from "../bank/accounts.js";
import type { BlockContext } from "../module.js";
import { stakingEvent } from "./events.js";
import { REWARD_POOL, STAKING_POOL } from "./keys.js";
import { PPM, type StakingParams } from "./params.js";
import type { SigningInfo } from "./records.js";
import {
  clearSigningInfo,
  getBonded,
  getCandidate,
  getSigningInfo,
  operatorOfConsensus,
  setBonded,
  setCandidate,
  setSigningInfo,
  setUnbonding,
  unbondingOf,
} from "./store.js";

export type SlashReason = "double_sign" | "downtime";

const cut = (amount: bigint, ppm: number): bigint => (amount * BigInt(ppm)) / BigInt(PPM);

/**
 * Takes `ppm` of an operator's slashable stake into the reward pool; returns the amount taken.
 */
export async function slashStake(
  ctx: BlockContext,
  operator: Uint8Array,
  ppm: number,
  infractionHeight: number,
): Promise<bigint> {
  let total = 0n;
  const bonded = getBonded(ctx.store, operator);
  const fromBonded = cut(bonded, ppm);
  if (fromBonded > 0n) setBonded(ctx.store, operator, bonded - fromBonded);
  total += fromBonded;
  for (const e of await unbondingOf(ctx.store, operator)) {
    if (e.creationHeight < infractionHeight) continue;
    const c = cut(e.amount, ppm);
    if (c === 0n) continue;
    setUnbonding(ctx.store, operator, e.completionHeight, {
      amount: e.amount - c,
      creationHeight: e.creationHeight,
    });
    total += c;
  }
  if (total > 0n) ctx.events.push(transfer(ctx.store, STAKING_POOL, REWARD_POOL, total));
  return total;
}

/** Jails `operator`'s candidacy until at least `until`; false when it is not a candidate. */
function jail(ctx: BlockContext, operator: Uint8Array, until: number): boolean {
  const c = getCandidate(ctx.store, operator);
  if (c === undefined) return false;
  setCandidate(ctx.store, operator, { ...c, jailed: true, jailedUntil: Math.max(c.jailedUntil, until) });
  return true;
}

async function punish(
  ctx: BlockContext,
  consAddress: Uint8Array,
  operator: Uint8Array,
  reason: SlashReason,
  ppm: number,
  infractionHeight: number,
  jailBlocks: number,
): Promise<void> {
  const amount = await slashStake(ctx, operator, ppm, infractionHeight);
  const jailedUntil = ctx.height + jailBlocks;
  const jailed = jail(ctx, operator, jailedUntil);
  clearSigningInfo(ctx.store, consAddress);
  ctx.events.push(
    stakingEvent("slash", {
      operator: toBech32(operator),
      consensus_address: toHexUpper(consAddress),
      reason,
      amount: amount.toString(),
      infraction_height: String(infractionHeight),
      jailed_until: jailed ? String(jailedUntil) : "",
    }),
  );
}

/** Duplicate-vote evidence: slash and jail each offender we know the operator of. */
export async function handleEvidence(
  ctx: BlockContext,
  params: StakingParams,
  evidence: BeginBlockRequest["byzantineValidators"],
): Promise<void> {
  for (const ev of evidence) {
    if (ev.type !== "duplicate_vote") continue;
    const operator = operatorOfConsensus(ctx.store, ev.validatorAddress);
    if (operator === undefined) {
      ctx.events.push(
        stakingEvent("slash_skipped", {
          consensus_address: toHexUpper(ev.validatorAddress),
          reason: "double_sign",
          why: "no staking operator is registered for this consensus key",
        }),
      );
      continue;
    }
    await punish(
      ctx,
      ev.validatorAddress,
      operator,
      "double_sign",
      params.slashDoubleSignPpm,
      ev.height,
      params.jailBlocksDoubleSign,
    );
  }
}

function freshWindow(window: number): SigningInfo {
  return { counter: 0, missed: 0, bitmap: new Uint8Array(Math.ceil(window / 8)) };
}

/** Records one expected precommit; returns the updated window. */
export function recordVote(info: SigningInfo, window: number, missed: boolean): SigningInfo {
  const bitmap = info.bitmap.slice();
  const i = info.counter % window;
  const byte = i >> 3;
  const bit = 1 << (i & 7);
  const was = (bitmap[byte]! & bit) !== 0;
  if (missed) bitmap[byte]! |= bit;
  else bitmap[byte]! &= ~bit;
  return { counter: info.counter + 1, missed: info.missed + (missed ? 1 : 0) - (was ? 1 : 0), bitmap };
}

/** Downtime: updates every voting validator's window and punishes those over the limit. */
export async function trackLiveness(
  ctx: BlockContext,
  params: StakingParams,
  votes: BeginBlockRequest["lastCommitInfo"]["votes"],
): Promise<void> {
  const window = params.downtimeWindow;
  const ordered = [...votes].sort((a, b) => compareBytes(a.validatorAddress, b.validatorAddress));
  for (const v of ordered) {
    const operator = operatorOfConsensus(ctx.store, v.validatorAddress);
    if (operator === undefined) continue;
    const c = getCandidate(ctx.store, operator);
    if (c === undefined || c.jailed) continue;
    const prior = getSigningInfo(ctx.store, v.validatorAddress);
    const base =
      prior === undefined || prior.bitmap.length !== Math.ceil(window / 8) ? freshWindow(window) : prior;
    const info = recordVote(base, window, !v.signedLastBlock);
    if (info.counter >= window && info.missed > params.downtimeMaxMissed) {
      ctx.events.push(
        stakingEvent("liveness", {
          consensus_address: toHexUpper(v.validatorAddress),
          missed: String(info.missed),
          window: String(window),
        }),
      );
      // The last missed precommit was for the previous block.
      await punish(
        ctx,
        v.validatorAddress,
        operator,
        "downtime",
        params.slashDowntimePpm,
        ctx.height - 1,
        params.jailBlocksDowntime,
      );
    } else {
      setSigningInfo(ctx.store, v.validatorAddress, info);
    }
  }
}
