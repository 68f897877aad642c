import { afterEach, describe, expect, it } from "vitest";
import { ResultCode } from "../../../src/dccn-app/index.js";
import {
  msgStakeAny,
  msgUnstakeAny,
  STAKING_POOL,
  type StakeJson,
} from "../../../src/dccn-app/staking/index.js";
import { isDccnError } from "../../../src/errors.js";
import { ANKR, attrsOf, Chain, removeTempDirs, wallet } from "./helpers.js";

afterEach(removeTempDirs);

const alice = wallet(1);
const bob = wallet(2);
const PARAMS = { epoch_blocks: 1000, unbonding_blocks: 5, block_reward: "0" };

describe("stake and unstake", () => {
  it("bonds from the free balance, unbonds for a period, then releases — every unit accounted", async () => {
    const chain = await Chain.start({
      accounts: [
        [alice, 100n * ANKR],
        [bob, 50n * ANKR],
      ],
      staking: { params: PARAMS },
    });
    const supply = await chain.supply([alice, bob]);
    expect(supply).toBe(150n * ANKR);

    const b1 = await chain.block([chain.tx(alice, msgStakeAny({ amount: 40n * ANKR }))]);
    expect(b1.results[0]!.code, b1.results[0]!.log).toBe(0);
    expect(attrsOf(b1.results[0]!.events, "stake")[0]).toMatchObject({ amount: (40n * ANKR).toString() });
    let s = await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`);
    expect(s).toMatchObject({
      free: (60n * ANKR).toString(),
      bonded: (40n * ANKR).toString(),
      unbonding: "0",
    });
    expect(await chain.balance(STAKING_POOL)).toBe(40n * ANKR);

    // Unstake at height 2 → released at the end of block 2 + 5 = 7.
    const b2 = await chain.block([chain.tx(alice, msgUnstakeAny({ amount: 15n * ANKR }))]);
    expect(b2.results[0]!.code, b2.results[0]!.log).toBe(0);
    s = await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`);
    expect(s.bonded).toBe((25n * ANKR).toString());
    expect(s.unbonding).toBe((15n * ANKR).toString());
    expect(s.unbonding_entries).toEqual([
      { amount: (15n * ANKR).toString(), creation_height: 2, completion_height: 7 },
    ]);
    expect(s.free).toBe((60n * ANKR).toString());

    await chain.until(6);
    expect((await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`)).unbonding).toBe(
      (15n * ANKR).toString(),
    );
    const b7 = await chain.block();
    expect(attrsOf(b7.end.events, "unbonding_complete")).toEqual([
      { staker: alice.bech32, amount: (15n * ANKR).toString() },
    ]);
    s = await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`);
    expect(s).toMatchObject({
      free: (75n * ANKR).toString(),
      bonded: (25n * ANKR).toString(),
      unbonding: "0",
    });
    expect(s.unbonding_entries).toEqual([]);
    expect(await chain.balance(STAKING_POOL)).toBe(25n * ANKR);
    expect(await chain.supply([alice, bob])).toBe(supply);
  });

  it("merges two unstakes of one block into one entry", async () => {
    const chain = await Chain.start({ accounts: [[alice, 10n * ANKR]], staking: { params: PARAMS } });
    await chain.block([chain.tx(alice, msgStakeAny({ amount: 10n * ANKR }))]);
    const b = await chain.block([
      chain.tx(alice, msgUnstakeAny({ amount: 3n * ANKR })),
      chain.tx(alice, msgUnstakeAny({ amount: 4n * ANKR })),
    ]);
    expect(b.results.map((r) => r.code)).toEqual([0, 0]);
    const s = await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`);
    expect(s.unbonding_entries).toEqual([
      { amount: (7n * ANKR).toString(), creation_height: 2, completion_height: 7 },
    ]);
    expect(s.bonded).toBe((3n * ANKR).toString());
  });

  it("refuses staking more than the balance and unstaking more than bonded, changing nothing", async () => {
    const chain = await Chain.start({ accounts: [[alice, 10n * ANKR]], staking: { params: PARAMS } });
    await chain.block([chain.tx(alice, msgStakeAny({ amount: 4n * ANKR }))]);
    const before = await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`);

    // CheckTx refuses it outright (the balance cannot cover the amount).
    const check = await chain.app.checkTx(
      chain.tx(alice, msgStakeAny({ amount: 7n * ANKR }), 0n, { peek: true }),
      "new",
    );
    expect(check.code).toBe(ResultCode.INSUFFICIENT_FUNDS);

    const b = await chain.block([
      chain.tx(alice, msgStakeAny({ amount: 7n * ANKR })),
      chain.tx(alice, msgUnstakeAny({ amount: 5n * ANKR })),
    ]);
    expect(b.results[0]!.code).toBe(ResultCode.INSUFFICIENT_FUNDS);
    expect(b.results[0]!.log).toMatch(/holds 6000000000000000000 base units, needs 7000000000000000000/);
    expect(b.results[1]!.code).toBe(ResultCode.INSUFFICIENT_FUNDS);
    expect(b.results[1]!.log).toMatch(
      /cannot unstake 5000000000000000000 base units: .* has 4000000000000000000 bonded/,
    );
    expect(await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`)).toEqual(before);
    expect(await chain.balance(STAKING_POOL)).toBe(4n * ANKR);
  });

  it("bonds genesis stakes out of genesis balances and refuses a stake the balance cannot cover", async () => {
    const chain = await Chain.start({
      accounts: [[alice, 10n * ANKR]],
      staking: { params: PARAMS, stakes: [{ address: alice.bech32, amount: (6n * ANKR).toString() }] },
    });
    expect(await chain.query<StakeJson>(`/staking/stake/${alice.bech32}`)).toMatchObject({
      free: (4n * ANKR).toString(),
      bonded: (6n * ANKR).toString(),
    });
    expect(await chain.supply([alice])).toBe(10n * ANKR);

    const err = await Chain.start({
      accounts: [[alice, 1n * ANKR]],
      staking: { stakes: [{ address: alice.bech32, amount: (2n * ANKR).toString() }] },
    }).catch((e: unknown) => e);
    expect(isDccnError(err, "APP_GENESIS_INVALID")).toBe(true);
    expect(String(err)).toMatch(/stakes\[0\]\.amount bonds/);

    const badParam = await Chain.start({
      accounts: [],
      staking: { params: { downtime_window: 10, downtime_max_missed: 10 } },
    }).catch((e: unknown) => e);
    expect(isDccnError(badParam, "APP_GENESIS_INVALID")).toBe(true);
  });
});
