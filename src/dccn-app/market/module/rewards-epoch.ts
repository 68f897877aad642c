/**
 * Epoch rewards (seed pp.19–22): at EndBlock of every height divisible by `epoch.blocks`, up to
 * `epoch.pool` new base units are minted and divided by rewards.ts's `distributeRewards` among
 * this epoch's market participants, each scored Σ w_i·p_i over its role's table:
 *   consumer           payFee, completedDeals, ratingTimes, stakeHolding, reputation
 *   appProvider        earnedFee, completedDeals, ratingTimes, stakeHolding, reputation
 *   resourceProvider   earnedFee, completedDeals, ratingTimes, stakeHolding, reputation
 * Fees, deals and ratings are what happened this epoch (market/epoch/…); stake holding is the
 * account's bonded stake now (staking module), reputation its score now. What no score claims is
 * not minted. The epoch's activity is then cleared.
 */
import { toBech32 } from "../../../crypto/address.js";
import { getBonded } from "../../staking/store.js";
import { reputationScore } from "../reputation.js";
import { distributeRewards, type RewardParticipant, type RewardRole } from "../rewards.js";
import { type MarketCtx, mint } from "./deals.js";
import { marketEvent } from "./events.js";
import { addressAfter, EPOCH_PREFIX, ROLE_BYTE } from "./keys.js";
import { epochActivityCodec } from "./records.js";
import { addMinted, getReputation } from "./store.js";

const ROLE_OF = new Map<number, Exclude<RewardRole, "staker">>(
  (Object.entries(ROLE_BYTE) as [Exclude<RewardRole, "staker">, number][]).map(([role, b]) => [b, role]),
);

export async function mintEpochRewards(ctx: MarketCtx): Promise<void> {
  const { epoch } = ctx.params;
  if (ctx.height % epoch.blocks !== 0) return;
  const keys: Uint8Array[] = [];
  const participants: RewardParticipant[] = [];
  const accounts = new Map<string, Uint8Array>();
  for await (const [k, v] of ctx.store.iterate(EPOCH_PREFIX)) {
    keys.push(k);
    const role = ROLE_OF.get(k[EPOCH_PREFIX.length]!);
    if (role === undefined) continue;
    const account = addressAfter(k, EPOCH_PREFIX, 1);
    const address = toBech32(account);
    accounts.set(address, account);
    const a = epochActivityCodec.decode(v);
    const rep = getReputation(ctx.store, role, account, ctx.params);
    participants.push({
      address,
      role,
      factors: {
        [role === "consumer" ? "payFee" : "earnedFee"]: a.fee,
        completedDeals: BigInt(a.completedDeals),
        ratingTimes: BigInt(a.ratingTimes),
        stakeHolding: getBonded(ctx.store, account),
        reputation: reputationScore(rep, ctx.params.reputation),
      },
    });
  }
  for (const k of keys) ctx.store.delete(k);
  if (epoch.pool === 0n || participants.length === 0) return;
  const { payouts } = distributeRewards(epoch.pool, participants, ctx.params.rewards);
  let minted = 0n;
  for (const p of payouts) {
    mint(ctx, accounts.get(p.address)!, p.amount);
    minted += p.amount;
    ctx.events.push(
      marketEvent("market_reward", {
        "epoch.height": String(ctx.height),
        address: p.address,
        role: p.role,
        amount: p.amount.toString(),
      }),
    );
  }
  addMinted(ctx.store, minted);
  ctx.events.push(
    marketEvent("market_rewards", {
      "epoch.height": String(ctx.height),
      minted: minted.toString(),
      participants: String(payouts.length),
    }),
  );
}
