/**
 * Five validators bootstrapped from genesis (10 ANKR bonded each): node4 runs with the test-only
 * double-sign switch, node3 never starts. The committed duplicate-vote evidence slashes and jails
 * node4; node3's missed precommits jail it for downtime; both leave the consensus set and the
 * remaining three keep committing the same chain.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNSAFE_DOUBLE_SIGN_ENV } from "../../src/node/node.js";
import { waitFor, waitForHeight } from "./harness.js";
import { expectSameChain, latestHeight, TestNet } from "./net-cluster.js";
import {
  appValidators,
  bootstrapOperator,
  candidateOf,
  consensusSet,
  setStakingParams,
} from "./staking-net.js";

const ANKR = 10n ** 18n;

describe("SLSBFT slashing on a local network", () => {
  let net: TestNet;
  beforeAll(async () => {
    net = await TestNet.create({ validators: 5, chainId: "dccn-slashing-e2e" });
    setStakingParams(net, {
      epoch_blocks: 100_000,
      block_reward: "0",
      slash_double_sign_ppm: 50_000,
      slash_downtime_ppm: 1_000,
      downtime_window: 10,
      downtime_max_missed: 5,
      jail_blocks_downtime: 100_000,
      jail_blocks_double_sign: 100_000,
    });
    await Promise.all([
      ...[0, 1, 2].map((i) => net.node(i).process.start()),
      net.node(4).process.start({ [UNSAFE_DOUBLE_SIGN_ENV]: "1" }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await net?.destroy();
  });

  /** Waits until the app jailed `operator`, then until consensus dropped its address. */
  async function jailedAndRemoved(validatorHex: string) {
    const url = net.node(0).rpcUrl;
    const operator = bootstrapOperator(validatorHex);
    const jailed = await waitFor(
      `${validatorHex} jailed`,
      async () => {
        const c = await candidateOf(url, operator);
        return c.jailed ? c : undefined;
      },
      120_000,
      250,
    );
    expect(jailed.eligible).toBe(false);
    expect((await appValidators(url)).map((v) => v.consensus_address)).not.toContain(validatorHex);
    const removedFrom = await waitFor(
      `${validatorHex} out of the consensus set`,
      async () => {
        const h = await latestHeight(url);
        return (await consensusSet(url, h)).has(validatorHex) ? undefined : h;
      },
      60_000,
      250,
    );
    return { jailed, removedFrom };
  }

  it("slashes and jails the double signer and removes it from the set", async () => {
    const offender = net.node(4).validatorAddress!;
    const { jailed } = await jailedAndRemoved(offender);
    // At least one 5% slash of its 10 ANKR (later evidence against it may slash again).
    expect(BigInt(jailed.bonded)).toBeLessThanOrEqual((10n * ANKR * 95n) / 100n);
  }, 180_000);

  it("jails the stopped validator for downtime with the smaller slash", async () => {
    const stopped = net.node(3).validatorAddress!;
    const { jailed } = await jailedAndRemoved(stopped);
    expect(jailed.bonded).toBe(((10n * ANKR * 999n) / 1000n).toString());
  }, 180_000);

  it("keeps committing the same chain on the remaining validators", async () => {
    const url = net.node(0).rpcUrl;
    const live = [0, 1, 2].map((i) => net.node(i));
    const h = await latestHeight(url);
    await Promise.all(live.map((n) => waitForHeight(n.rpcUrl, h + 3, 60_000)));
    await expectSameChain(live, 1, h + 2);
    const set = await consensusSet(url, h + 2);
    expect([...set.keys()].sort()).toEqual(live.map((n) => n.validatorAddress!).sort());
  }, 120_000);
});
