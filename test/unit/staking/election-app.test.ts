import { afterEach, describe, expect, it } from "vitest";
import { equalBytes, toBase64, toHexUpper } from "../../../src/codec/bytes.js";
import {
  BOOTSTRAP_STAKE_PER_POWER,
  type CandidateJson,
  drawWeighted,
  type ElectionJson,
  electionSeed,
  msgRegisterCandidateAny,
  msgStakeAny,
  msgWithdrawCandidateAny,
  STAKING_POOL,
  type StakeJson,
  type ValidatorJson,
  VOTING_POWER_TOTAL,
} from "../../../src/dccn-app/staking/index.js";
import {
  ANKR,
  attrsOf,
  CHAIN_ID,
  Chain,
  consKey,
  genesisCandidate,
  pop,
  removeTempDirs,
  wallet,
} from "./helpers.js";

afterEach(removeTempDirs);

const alice = wallet(1);
const bob = wallet(2);
const k = [consKey(0), consKey(1), consKey(2), consKey(3), consKey(4)];
const ops = [wallet(10), wallet(11), wallet(12), wallet(13), wallet(14)];

describe("bootstrap from the genesis validators", () => {
  it("makes each genesis validator a candidate and keeps the set unchanged until the first epoch", async () => {
    const validators = [
      { pubKey: k[0]!.pubKey, power: 10 },
      { pubKey: k[1]!.pubKey, power: 30 },
    ];
    const chain = await Chain.start({ accounts: [[alice, ANKR]], validators });
    const cands = await chain.query<CandidateJson[]>("/staking/candidates");
    expect(cands.map((c) => [c.consensus_address, c.bonded, c.eligible, c.validator_power]).sort()).toEqual(
      [
        [toHexUpper(k[0]!.address), (10n * BOOTSTRAP_STAKE_PER_POWER).toString(), true, 10],
        [toHexUpper(k[1]!.address), (30n * BOOTSTRAP_STAKE_PER_POWER).toString(), true, 30],
      ].sort(),
    );
    expect(await chain.balance(STAKING_POOL)).toBe(40n * BOOTSTRAP_STAKE_PER_POWER);

    for (let h = 1; h < 100; h++) {
      const b = await chain.block();
      expect(b.end.validatorUpdates, `height ${h}`).toEqual([]);
    }
    const epoch = await chain.block();
    expect(chain.height).toBe(100);
    // Both are drawn; power follows stake × service level (equal service levels here): 1 : 3.
    const byKey = (i: number) =>
      epoch.end.validatorUpdates.find((u) => equalBytes(u.pubKey, k[i]!.pubKey))?.power;
    expect(byKey(0)).toBe(Number(VOTING_POWER_TOTAL / 4n));
    expect(byKey(1)).toBe(Number((VOTING_POWER_TOTAL * 3n) / 4n));
    const vals = await chain.query<ValidatorJson[]>("/staking/validators");
    expect(vals.map((v) => [v.consensus_address, v.power])).toEqual([
      [toHexUpper(k[1]!.address), Number((VOTING_POWER_TOTAL * 3n) / 4n)],
      [toHexUpper(k[0]!.address), Number(VOTING_POWER_TOTAL / 4n)],
    ]);
  });
});

function fiveCandidates(params: Record<string, unknown>) {
  return {
    accounts: ops.map((w, i) => [w, BigInt(10 * (i + 1)) * ANKR] as [typeof alice, bigint]),
    validators: [{ pubKey: k[0]!.pubKey, power: 100 }],
    staking: {
      params,
      stakes: ops.map((w, i) => ({ address: w.bech32, amount: (BigInt(10 * (i + 1)) * ANKR).toString() })),
      candidates: ops.map((w, i) => genesisCandidate(w, k[i]!, { service_level_ppm: 400_000 + 100_000 * i })),
    },
  };
}

describe("epoch election through the app", () => {
  it("draws from the committed block hash, identically on two nodes, and sends the diff", async () => {
    const params = { epoch_blocks: 5, max_validators: 2, block_reward: "0" };
    const a = await Chain.start(fiveCandidates(params));
    const b = await Chain.start(fiveCandidates(params));
    let last: Awaited<ReturnType<Chain["block"]>> | undefined;
    for (let h = 1; h <= 5; h++) {
      const ra = await a.block();
      const rb = await b.block();
      expect(ra.appHash).toEqual(rb.appHash);
      expect(ra.end.validatorUpdates).toEqual(rb.end.validatorUpdates);
      last = ra;
    }
    // Recompute the draw from the same public inputs.
    const seed = electionSeed(CHAIN_ID, 5, last!.hash);
    const pool = ops.map((w, i) => ({
      id: w.address,
      weight: BigInt(10 * (i + 1)) * ANKR * BigInt(400_000 + 100_000 * i),
      value: i,
    }));
    const expected = drawWeighted(pool, 2, seed).map((c) => c.value);
    const election = await a.query<ElectionJson>("/staking/election");
    expect(election).toMatchObject({ height: 5, seed: toHexUpper(seed), eligible: 5, elected: 2 });
    const set = await a.query<ValidatorJson[]>("/staking/validators");
    expect(set.map((v) => v.operator).sort()).toEqual(expected.map((i) => ops[i]!.bech32).sort());
    // The genesis validator k0 (operated by ops[0]) leaves unless drawn again.
    const removed = last!.end.validatorUpdates.filter((u) => u.power === 0).map((u) => toBase64(u.pubKey));
    expect(removed).toEqual(expected.includes(0) ? [] : [toBase64(k[0]!.pubKey)]);
    expect(attrsOf(last!.end.events, "election")[0]).toMatchObject({ elected: "2", eligible: "5" });
  });

  it("elects a newly registered, staked candidate at the next epoch boundary", async () => {
    const chain = await Chain.start({
      accounts: [
        [alice, 100n * ANKR],
        [bob, 100n * ANKR],
      ],
      validators: [{ pubKey: k[0]!.pubKey, power: 10 }],
      staking: {
        params: { epoch_blocks: 4, block_reward: "0" },
        stakes: [{ address: alice.bech32, amount: (10n * ANKR).toString() }],
        candidates: [genesisCandidate(alice, k[0]!)],
      },
    });
    await chain.block([
      chain.tx(bob, msgRegisterCandidateAny({ pubKey: k[1]!.pubKey, pop: pop(k[1]!, bob), moniker: "bob" })),
      chain.tx(bob, msgStakeAny({ amount: 30n * ANKR })),
    ]);
    expect((await chain.block()).end.validatorUpdates).toEqual([]);
    await chain.block();
    const epoch = await chain.block();
    expect(epoch.end.validatorUpdates).toEqual(
      [
        { pubKey: k[0]!.pubKey, power: Number(VOTING_POWER_TOTAL / 4n) },
        { pubKey: k[1]!.pubKey, power: Number((VOTING_POWER_TOTAL * 3n) / 4n) },
      ].sort((x, y) => Buffer.compare(x.pubKey, y.pubKey)),
    );
    const bobView = await chain.query<CandidateJson>(`/staking/candidate/${bob.bech32}`);
    expect(bobView.validator_power).toBe(Number((VOTING_POWER_TOTAL * 3n) / 4n));
  });

  it("keeps the set when nobody is eligible, and never empties it between elections", async () => {
    const chain = await Chain.start({
      accounts: [[alice, 100n * ANKR]],
      validators: [{ pubKey: k[0]!.pubKey, power: 10 }],
      staking: {
        params: { epoch_blocks: 3, min_stake: (50n * ANKR).toString(), block_reward: "0" },
        stakes: [{ address: alice.bech32, amount: (10n * ANKR).toString() }],
        candidates: [genesisCandidate(alice, k[0]!)],
      },
    });
    await chain.block();
    // The only validator's operator withdraws: removing it would empty the set, so it stays.
    const w = await chain.block([chain.tx(alice, msgWithdrawCandidateAny())]);
    expect(w.results[0]!.code).toBe(0);
    expect(w.end.validatorUpdates).toEqual([]);
    expect(attrsOf(w.end.events, "validator_removal_skipped")).toHaveLength(1);
    const epoch = await chain.block();
    expect(epoch.end.validatorUpdates).toEqual([]);
    expect(await chain.query<ElectionJson>("/staking/election")).toMatchObject({ eligible: 0, elected: 0 });
    expect(
      (await chain.query<ValidatorJson[]>("/staking/validators")).map((v) => v.consensus_address),
    ).toEqual([toHexUpper(k[0]!.address)]);
    expect((await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`)).bonded).toBe(
      (10n * ANKR).toString(),
    );
  });

  it("removes a withdrawn validator at the end of the block when others remain", async () => {
    const chain = await Chain.start(
      fiveCandidates({ epoch_blocks: 2, max_validators: 5, block_reward: "0" }),
    );
    const epoch = await chain.until(2);
    expect(epoch!.end.validatorUpdates.filter((u) => u.power > 0)).toHaveLength(5);
    const w = await chain.block([chain.tx(ops[3]!, msgWithdrawCandidateAny())]);
    expect(w.end.validatorUpdates).toEqual([{ pubKey: k[3]!.pubKey, power: 0 }]);
    expect((await chain.query<ValidatorJson[]>("/staking/validators")).length).toBe(4);
  });
});
