import { afterEach, describe, expect, it } from "vitest";
import { toBech32 } from "../../../src/crypto/address.js";
import { msgSendAny } from "../../../src/dccn-app/index.js";
import {
  msgStakeAny,
  msgUnstakeAny,
  REWARD_POOL,
  STAKING_POOL,
} from "../../../src/dccn-app/staking/index.js";
import { FEE_COLLECTOR } from "../../../src/dccn-app/tx.js";
import { ANKR, attrsOf, Chain, consKey, genesisCandidate, removeTempDirs, vote, wallet } from "./helpers.js";

afterEach(removeTempDirs);

const ops = [wallet(10), wallet(11), wallet(12)];
const k = [consKey(0), consKey(1), consKey(2)];
const user = wallet(1);
const pool = { bech32: toBech32(REWARD_POOL) };
const POOL = 1_000_000_000n;

async function start(params: Record<string, unknown>, stakes: bigint[] = [ANKR, ANKR, ANKR]) {
  return Chain.start({
    accounts: [
      [user, 1000n * ANKR],
      [pool, POOL],
      ...ops.map((w, i) => [w, stakes[i]!] as [typeof w, bigint]),
    ],
    validators: k.map((v) => ({ pubKey: v.pubKey, power: 10 })),
    staking: {
      params: { epoch_blocks: 1000, ...params },
      stakes: ops.map((w, i) => ({ address: w.bech32, amount: stakes[i]!.toString() })),
      candidates: ops.map((w, i) => genesisCandidate(w, k[i]!)),
    },
  });
}

describe("block rewards", () => {
  it("pays block reward + fees by voting power with a proposer bonus, to the unit", async () => {
    const chain = await start({
      block_reward: "1000",
      proposer_bonus_ppm: 100_000,
      stake_holding_weight: "0",
    });
    const supply = await chain.supply([user, ...ops]);
    // Block 1 collects fees (gas price 3); nothing is distributed yet (no last commit).
    const b1 = await chain.block([
      chain.tx(user, msgSendAny({ to: wallet(5).address, amount: 7n }), 3n),
      chain.tx(user, msgSendAny({ to: wallet(6).address, amount: 9n }), 3n),
    ]);
    const fees = b1.results.reduce((s, r) => s + BigInt(r.gasUsed) * 3n, 0n);
    expect(await chain.balance(FEE_COLLECTOR)).toBe(fees);
    const before = await Promise.all(ops.map((w) => chain.balance(w)));

    // Block 2: k0 (power 10) and k1 (power 20) signed block 1, k2 (power 30) did not; k2 proposes.
    const b2 = await chain.block([], {
      votes: [vote(k[0]!, 10), vote(k[1]!, 20), vote(k[2]!, 30, false)],
      proposer: k[2]!.address,
    });
    const total = fees + 1000n;
    const bonus = total / 10n;
    const rest = total - bonus;
    const s0 = (rest * 10n) / 30n;
    const s1 = (rest * 20n) / 30n;
    const dust = rest - s0 - s1;
    const after = await Promise.all(ops.map((w) => chain.balance(w)));
    expect(after.map((a, i) => a - before[i]!)).toEqual([s0, s1, bonus + dust]);
    expect(await chain.balance(FEE_COLLECTOR)).toBe(0n);
    expect(await chain.balance(REWARD_POOL)).toBe(POOL - 1000n);
    expect(attrsOf(b2.begin.events, "block_rewards")[0]).toMatchObject({
      fees: fees.toString(),
      block_reward: "1000",
      proposer_bonus: bonus.toString(),
    });
    expect(await chain.supply([user, wallet(5), wallet(6), ...ops])).toBe(supply);
  });

  it("pays only what the reward pool holds, and nothing without signers", async () => {
    const chain = await start({ block_reward: (2n * POOL).toString(), stake_holding_weight: "0" });
    await chain.block([], { votes: [] });
    expect(await chain.balance(REWARD_POOL)).toBe(POOL);
    await chain.block([], { votes: [vote(k[0]!, 10)], proposer: k[0]!.address });
    expect(await chain.balance(REWARD_POOL)).toBe(0n);
    expect(await chain.balance(ops[0]!)).toBe(POOL);
  });
});

describe("stake-holding rewards (Rewards = Σ w·p)", () => {
  it("pays w × bonded per epoch from the pool, pro rata when the pool runs short", async () => {
    // w = 0.00005 per epoch: 20,000 base units bonded → 1 unit.
    const stakes = [2_000_000n, 4_000_000n, 14_000_000n];
    const chain = await start(
      { epoch_blocks: 2, block_reward: "0", stake_holding_weight: "50000000000000" },
      stakes,
    );
    const b = await chain.until(2);
    expect(attrsOf(b!.end.events, "stake_holding_rewards")[0]).toMatchObject({
      paid: "1000",
      recipients: "3",
    });
    expect(await Promise.all(ops.map((w) => chain.balance(w)))).toEqual([100n, 200n, 700n]);
    expect(await chain.balance(REWARD_POOL)).toBe(POOL - 1000n);

    // A pool of 10 units against 1,000 owed: shared 1 : 2 : 7.
    const small = await Chain.start({
      accounts: [[pool, 10n], ...ops.map((w, i) => [w, stakes[i]!] as [typeof w, bigint])],
      staking: {
        params: { epoch_blocks: 2, block_reward: "0", stake_holding_weight: "50000000000000" },
        stakes: ops.map((w, i) => ({ address: w.bech32, amount: stakes[i]!.toString() })),
      },
    });
    await small.until(2);
    expect(await Promise.all(ops.map((w) => small.balance(w)))).toEqual([1n, 2n, 7n]);
    expect(await small.balance(REWARD_POOL)).toBe(0n);
  });
});

describe("conservation", () => {
  it("keeps Σ balances constant and the staking pool equal to Σ bonded + unbonding over a busy run", async () => {
    const chain = await start(
      {
        epoch_blocks: 3,
        block_reward: "12345",
        proposer_bonus_ppm: 77_777,
        unbonding_blocks: 4,
        slash_double_sign_ppm: 123_457,
        stake_holding_weight: "33333333333333",
      },
      [50n * ANKR, 70n * ANKR, 90n * ANKR],
    );
    const everyone = [user, ...ops, wallet(5)];
    const supply = await chain.supply(everyone);
    for (let h = 1; h <= 24; h++) {
      const txs = [
        chain.tx(user, msgSendAny({ to: wallet(5).address, amount: BigInt(h) * 1_000n }), BigInt(h)),
        chain.tx(
          user,
          h % 2 === 0 ? msgStakeAny({ amount: BigInt(h) * ANKR }) : msgUnstakeAny({ amount: ANKR }),
          1n,
        ),
      ];
      const votes = k.map((v, i) => vote(v, 10 + i, (h + i) % 4 !== 0));
      const evidence =
        h === 9
          ? [
              {
                type: "duplicate_vote" as const,
                validatorAddress: k[1]!.address,
                power: 11,
                height: 7,
                timeMs: 0,
                totalVotingPower: 33,
              },
            ]
          : [];
      const b = await chain.block(txs, { votes, evidence, proposer: k[h % 3]!.address });
      if (h === 9) expect(BigInt(attrsOf(b.begin.events, "slash")[0]!.amount!)).toBeGreaterThan(0n);
      if (h === 3) expect(attrsOf(b.end.events, "stake_holding_rewards")).toHaveLength(1);
      expect(await chain.supply(everyone), `height ${h}`).toBe(supply);
      expect(await chain.staked([user, ...ops]), `height ${h}`).toBe(await chain.balance(STAKING_POOL));
    }
  });
});
