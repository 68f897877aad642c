/**
 * Rewards, all in integer base units and conserved to the unit (nothing is minted here).
 *
 * Block rewards (every BeginBlock): R = min(block_reward, reward pool balance) + every fee in
 * the fee collector (the fees of the blocks before this one). The proposer of this block gets
 * floor(R × proposer_bonus_ppm / 10^6) on top; the rest is shared among the validators whose
 * precommit for the previous block is in this block's last commit, floor(rest × power / Σpower)
 * each; the rounding dust goes to the proposer (or, if the proposer has no operator, to the
 * first signer by consensus address). Rewards are paid to the operator's free balance. With no
 * known signer (the first block) nothing moves and fees wait in the collector.
 *
 * Stake-holding rewards (at every epoch end): the seed's Rewards = Σ w_i·p_i (pp.18–19) with the
 * stake-holding factor p = bonded base units and w = `stake_holding_weight` per epoch, paid from
 * the reward pool; when the pool cannot cover every score it is shared pro rata (largest
 * remainders, exact). The shared `distributeRewards` of the market module does the division.
 */
import type { BeginBlockRequest } from "../../abci/types.js";
import { compareBytes, toHex, toHexUpper } from "../../codec/bytes.js";
import { parseAddress, toBech32 } from "../../crypto/address.js";
import { credit, debit, getAccount } from "../bank/accounts.js";
import { minBig } from "../market/fixed.js";
import { distributeRewards, type RewardParams } from "../market/rewards.js";
import type { BlockContext } from "../module.js";
import { FEE_COLLECTOR } from "../tx.js";
import { stakingEvent } from "./events.js";
import { REWARD_POOL } from "./keys.js";
import { PPM, type StakingParams } from "./params.js";
import { allStakes, operatorOfConsensus } from "./store.js";

interface Signer {
  readonly consAddress: Uint8Array;
  readonly operator: Uint8Array;
  readonly power: bigint;
}

/** Pays this block's rewards and the collected fees to the validators (see the module comment). */
export function distributeBlockRewards(
  ctx: BlockContext,
  params: StakingParams,
  req: BeginBlockRequest,
): void {
  const signers: Signer[] = [];
  for (const v of req.lastCommitInfo.votes) {
    if (!v.signedLastBlock || v.power <= 0) continue;
    const operator = operatorOfConsensus(ctx.store, v.validatorAddress);
    if (operator !== undefined)
      signers.push({ consAddress: v.validatorAddress, operator, power: BigInt(v.power) });
  }
  if (signers.length === 0) return;
  signers.sort((a, b) => compareBytes(a.consAddress, b.consAddress));

  const fees = getAccount(ctx.store, FEE_COLLECTOR).balance;
  const poolBalance = getAccount(ctx.store, REWARD_POOL).balance;
  const reward = minBig(params.blockReward, poolBalance);
  const total = fees + reward;
  if (total === 0n) return;
  debit(ctx.store, FEE_COLLECTOR, fees);
  debit(ctx.store, REWARD_POOL, reward);

  const proposer = operatorOfConsensus(ctx.store, req.header.proposerAddress);
  const bonus = proposer === undefined ? 0n : (total * BigInt(params.proposerBonusPpm)) / BigInt(PPM);
  const rest = total - bonus;
  const totalPower = signers.reduce((s, x) => s + x.power, 0n);
  const owed = new Map<string, { operator: Uint8Array; amount: bigint }>();
  const add = (operator: Uint8Array, amount: bigint) => {
    const id = toHex(operator);
    const prev = owed.get(id);
    owed.set(id, { operator, amount: (prev?.amount ?? 0n) + amount });
  };
  let shared = 0n;
  for (const s of signers) {
    const share = (rest * s.power) / totalPower;
    shared += share;
    add(s.operator, share);
  }
  add(proposer ?? signers[0]!.operator, bonus + (rest - shared));

  for (const { operator, amount } of [...owed.values()].sort((a, b) =>
    compareBytes(a.operator, b.operator),
  )) {
    if (amount === 0n) continue;
    credit(ctx.store, operator, amount);
    ctx.events.push(stakingEvent("reward", { recipient: toBech32(operator), amount: amount.toString() }));
  }
  ctx.events.push(
    stakingEvent("block_rewards", {
      fees: fees.toString(),
      block_reward: reward.toString(),
      proposer: toHexUpper(req.header.proposerAddress),
      proposer_bonus: bonus.toString(),
    }),
  );
}

const NO_ROLE = {};

/** Pays the stake-holding rewards of the epoch that ends at this block. */
export async function payStakeHoldingRewards(ctx: BlockContext, params: StakingParams): Promise<void> {
  if (params.stakeHoldingWeight === 0n) return;
  const pool = getAccount(ctx.store, REWARD_POOL).balance;
  if (pool === 0n) return;
  const participants = [];
  for await (const s of allStakes(ctx.store)) {
    participants.push({
      address: toBech32(s.account),
      role: "staker" as const,
      factors: { stakeHolding: s.bonded },
    });
  }
  if (participants.length === 0) return;
  const rewardParams: RewardParams = {
    poolSplitBps: { consumer: 0, appProvider: 0, resourceProvider: 0, staker: 10_000 },
    weights: {
      consumer: NO_ROLE,
      appProvider: NO_ROLE,
      resourceProvider: NO_ROLE,
      staker: { stakeHolding: params.stakeHoldingWeight },
    },
  };
  const { payouts } = distributeRewards(pool, participants, rewardParams);
  let paid = 0n;
  for (const p of payouts) {
    credit(ctx.store, parseAddress(p.address), p.amount);
    paid += p.amount;
  }
  if (paid > 0n) debit(ctx.store, REWARD_POOL, paid);
  ctx.events.push(
    stakingEvent("stake_holding_rewards", {
      paid: paid.toString(),
      recipients: String(payouts.length),
      pool_before: pool.toString(),
    }),
  );
}
