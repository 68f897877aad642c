import { afterEach, describe, expect, it } from "vitest";
import type { Misbehavior } from "../../../src/abci/types.js";
import { toHexUpper } from "../../../src/codec/bytes.js";
import { ResultCode } from "../../../src/dccn-app/index.js";
import {
  type CandidateJson,
  msgUnjailAny,
  msgUnstakeAny,
  msgWithdrawCandidateAny,
  REWARD_POOL,
  STAKING_POOL,
  type StakeJson,
  type ValidatorJson,
} from "../../../src/dccn-app/staking/index.js";
import { ANKR, attrsOf, Chain, consKey, genesisCandidate, removeTempDirs, vote, wallet } from "./helpers.js";

afterEach(removeTempDirs);

const ops = [wallet(10), wallet(11), wallet(12)];
const k = [consKey(0), consKey(1), consKey(2)];
const STAKE = 100n * ANKR;

async function threeValidators(params: Record<string, unknown>) {
  const chain = await Chain.start({
    accounts: ops.map((w) => [w, STAKE + 10n * ANKR] as [typeof w, bigint]),
    validators: k.map((v) => ({ pubKey: v.pubKey, power: 10 })),
    staking: {
      params: { block_reward: "0", ...params },
      stakes: ops.map((w) => ({ address: w.bech32, amount: STAKE.toString() })),
      candidates: ops.map((w, i) => genesisCandidate(w, k[i]!)),
    },
  });
  return chain;
}

const doubleSign = (i: number, height: number): Misbehavior => ({
  type: "duplicate_vote",
  validatorAddress: k[i]!.address,
  power: 10,
  height,
  timeMs: 0,
  totalVotingPower: 30,
});

describe("double-sign slashing", () => {
  it("slashes bonded and post-infraction unbonding stake, jails, removes from the set, then unjails", async () => {
    const chain = await threeValidators({
      epoch_blocks: 1000,
      slash_double_sign_ppm: 100_000,
      jail_blocks_double_sign: 5,
      unbonding_blocks: 100,
    });
    const supply = await chain.supply(ops);
    // Height 1: unstake 10 (before the infraction); height 3: unstake 20 (after it).
    await chain.block([chain.tx(ops[0]!, msgUnstakeAny({ amount: 10n * ANKR }))]);
    await chain.block();
    await chain.block([chain.tx(ops[0]!, msgUnstakeAny({ amount: 20n * ANKR }))]);

    const b = await chain.block([], { evidence: [doubleSign(0, 2)] });
    expect(chain.height).toBe(4);
    const slash = attrsOf(b.begin.events, "slash")[0]!;
    // 10% of 70 bonded + 10% of the 20 unbonded at height 3 (≥ 2); the entry from height 1 is spared.
    expect(slash).toMatchObject({
      operator: ops[0]!.bech32,
      consensus_address: toHexUpper(k[0]!.address),
      reason: "double_sign",
      amount: (9n * ANKR).toString(),
      infraction_height: "2",
      jailed_until: "9",
    });
    const s = await chain.query<StakeJson>(`/staking/stake/${ops[0]!.bech32}`);
    expect(s.bonded).toBe((63n * ANKR).toString());
    expect(s.unbonding_entries.map((e) => [e.amount, e.creation_height])).toEqual([
      [(10n * ANKR).toString(), 1],
      [(18n * ANKR).toString(), 3],
    ]);
    expect(await chain.balance(REWARD_POOL)).toBe(9n * ANKR);
    expect(await chain.balance(STAKING_POOL)).toBe(3n * STAKE - 9n * ANKR);
    expect(await chain.supply(ops)).toBe(supply);
    expect(await chain.staked(ops)).toBe(await chain.balance(STAKING_POOL));

    // Jailed, not eligible, and removed from the set at the end of this very block.
    const c = await chain.query<CandidateJson>(`/staking/candidate/${ops[0]!.bech32}`);
    expect(c).toMatchObject({ jailed: true, jailed_until: 9, eligible: false });
    expect(b.end.validatorUpdates).toEqual([{ pubKey: k[0]!.pubKey, power: 0 }]);
    expect((await chain.query<ValidatorJson[]>("/staking/validators")).map((v) => v.operator).sort()).toEqual(
      [ops[1]!.bech32, ops[2]!.bech32].sort(),
    );

    // Too early (height 5 < 9) and withdrawing while jailed: refused, nothing changes.
    const early = await chain.block([
      chain.tx(ops[0]!, msgUnjailAny()),
      chain.tx(ops[0]!, msgWithdrawCandidateAny()),
    ]);
    expect(early.results.map((r) => r.code)).toEqual([ResultCode.INVALID_MSG, ResultCode.INVALID_MSG]);
    expect(early.results[0]!.log).toMatch(/jailed until height 9 \(this block is 5\)/);
    expect(early.results[1]!.log).toMatch(/unjail before withdrawing/);
    expect(await chain.query<CandidateJson>(`/staking/candidate/${ops[0]!.bech32}`)).toEqual(c);

    await chain.until(8);
    const ok = await chain.block([chain.tx(ops[0]!, msgUnjailAny())]);
    expect(ok.results[0]!.code, ok.results[0]!.log).toBe(0);
    expect(await chain.query<CandidateJson>(`/staking/candidate/${ops[0]!.bech32}`)).toMatchObject({
      jailed: false,
      eligible: true,
    });
  });

  it("ignores evidence against a key no operator registered, and unjail of a free candidate", async () => {
    const chain = await threeValidators({ epoch_blocks: 1000 });
    const stranger = consKey(9);
    const b = await chain.block([chain.tx(ops[1]!, msgUnjailAny())], {
      evidence: [{ ...doubleSign(0, 1), validatorAddress: stranger.address }],
    });
    expect(attrsOf(b.begin.events, "slash")).toEqual([]);
    expect(attrsOf(b.begin.events, "slash_skipped")[0]).toMatchObject({
      consensus_address: toHexUpper(stranger.address),
    });
    expect(b.results[0]!.code).toBe(ResultCode.INVALID_MSG);
    expect(b.results[0]!.log).toMatch(/is not jailed/);
    expect(await chain.balance(REWARD_POOL)).toBe(0n);
  });
});

describe("downtime", () => {
  it("jails a validator that missed more than X of its last Y precommits, once the window is full", async () => {
    const chain = await threeValidators({
      epoch_blocks: 1000,
      downtime_window: 10,
      downtime_max_missed: 5,
      slash_downtime_ppm: 10_000,
      jail_blocks_downtime: 20,
    });
    const votes = (k0Signed: boolean) => [vote(k[0]!, 10, k0Signed), vote(k[1]!, 10), vote(k[2]!, 10)];
    await chain.block(); // height 1: no last commit yet
    // Heights 2..7: k0 misses 6 in a row, but the window (10) is not full yet.
    for (let h = 2; h <= 7; h++) {
      const b = await chain.block([], { votes: votes(false) });
      expect(attrsOf(b.begin.events, "slash"), `height ${h}`).toEqual([]);
    }
    // Heights 8..10: signs; the window holds 9 expected votes, 6 missed.
    for (let h = 8; h <= 10; h++) await chain.block([], { votes: votes(true) });
    // Height 11: the 10th expected vote, signed — the window is full with 6 > 5 missed.
    const b = await chain.block([], { votes: votes(true) });
    expect(attrsOf(b.begin.events, "liveness")[0]).toMatchObject({ missed: "6", window: "10" });
    expect(attrsOf(b.begin.events, "slash")[0]).toMatchObject({
      operator: ops[0]!.bech32,
      reason: "downtime",
      amount: ANKR.toString(),
      jailed_until: "31",
    });
    expect(b.end.validatorUpdates).toEqual([{ pubKey: k[0]!.pubKey, power: 0 }]);
    expect((await chain.query<StakeJson>(`/staking/stake/${ops[0]!.bech32}`)).bonded).toBe(
      (99n * ANKR).toString(),
    );
    // The others signed throughout: untouched.
    for (const w of ops.slice(1)) {
      expect((await chain.query<CandidateJson>(`/staking/candidate/${w.bech32}`)).jailed).toBe(false);
    }
    // Still reported in the next votes (the removal takes effect two blocks later): no double jailing.
    const next = await chain.block([], { votes: votes(false) });
    expect(attrsOf(next.begin.events, "slash")).toEqual([]);
  });

  it("does not jail a validator whose misses stay at the limit", async () => {
    const chain = await threeValidators({ epoch_blocks: 1000, downtime_window: 10, downtime_max_missed: 5 });
    await chain.block();
    for (let h = 2; h <= 31; h++) {
      // Misses 5 of every 10 consecutive blocks.
      const signed = h % 2 === 0;
      const b = await chain.block([], { votes: [vote(k[0]!, 10, signed), vote(k[1]!, 10)] });
      expect(attrsOf(b.begin.events, "slash"), `height ${h}`).toEqual([]);
    }
  });
});
