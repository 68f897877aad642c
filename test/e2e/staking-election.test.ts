/**
 * Four validators bootstrapped from genesis, plus a fifth node running as a validator that is in
 * no set and starts a few blocks late: it stakes and registers its consensus key as a candidate
 * with the CLI, is elected at the next epoch boundary, enters the consensus set two blocks later
 * and signs; the chain keeps committing the same blocks on every node across the set changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ElectionJson } from "../../src/dccn-app/staking/index.js";
import { NodeProcess, runCliJson, waitFor, waitForHeight } from "./harness.js";
import { expectSameChain, latestHeight, TestNet, waitForSignature } from "./net-cluster.js";
import {
  candidateOf,
  consensusAddressOf,
  consensusSet,
  setStakingParams,
  stakingQuery,
} from "./staking-net.js";

const EPOCH = 6;

describe("SLSBFT election on a local network", () => {
  let net: TestNet;
  let newcomer: NodeProcess;
  beforeAll(async () => {
    net = await TestNet.create({ validators: 4, fullNodes: 1, chainId: "dccn-staking-e2e" });
    setStakingParams(net, { epoch_blocks: EPOCH, block_reward: "0" });
    const n4 = net.node(4);
    // The fifth node signs once it is in the set.
    newcomer = new NodeProcess(n4.home, Number(new URL(n4.rpcUrl).port), ["--role", "validator"]);
    await Promise.all([0, 1, 2, 3].map((i) => net.node(i).process.start()));
    // It joins late, as a real candidate does: block sync first, then consensus a step behind
    // the others, which it must make up to get its votes into commits once elected.
    await waitForHeight(net.node(0).rpcUrl, 3, 90_000);
    await newcomer.start();
  }, 120_000);
  afterAll(async () => {
    await newcomer?.stop("SIGKILL");
    await net?.destroy();
  });

  it("elects a newly staked candidate at an epoch boundary, which then signs; the chain never stalls", async () => {
    net.printLogsOnFailure();
    const url = net.node(0).rpcUrl;
    const n4 = net.node(4);
    const operator = n4.key.address;
    const consAddress = consensusAddressOf(n4.home);
    await waitForHeight(url, 2, 90_000);

    const common = ["--home", n4.home, "--from", n4.key.name, "--node", url];
    const staked = runCliJson<{ code: number }>(["tx", "stake", "5ankr", ...common]);
    expect(staked.code).toBe(0);
    const registered = runCliJson<{ code: number; height: number }>([
      "tx",
      "candidate",
      "register",
      "--moniker",
      "newcomer",
      ...common,
    ]);
    expect(registered.code).toBe(0);
    const c = await candidateOf(url, operator);
    expect(c).toMatchObject({
      consensus_address: consAddress,
      eligible: true,
      bonded: (5n * 10n ** 18n).toString(),
    });

    // Elected at the first epoch end at or after the registration.
    const electedAt = await waitFor(
      "the newcomer's election",
      async () => {
        const e = await stakingQuery<ElectionJson | null>(url, "/staking/election");
        if (e === null || e.height < registered.height) return undefined;
        return (await candidateOf(url, operator)).validator_power > 0 ? e : undefined;
      },
      90_000,
      250,
    );
    expect(electedAt.height % EPOCH).toBe(0);
    expect(electedAt.elected).toBe(5);

    // In the consensus set from height E+2 (not before), then signing commits.
    await waitForHeight(url, electedAt.height + 2, 60_000);
    expect((await consensusSet(url, electedAt.height + 1)).has(consAddress)).toBe(false);
    const set = await consensusSet(url, electedAt.height + 2);
    expect(set.get(consAddress)).toBe((await candidateOf(url, operator)).validator_power);
    await waitForSignature(url, consAddress, electedAt.height + 2, 90_000);

    // Every node keeps committing the same chain.
    const h = await latestHeight(url);
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, h + 2, 60_000)));
    await expectSameChain(net.nodes, 1, h + 1);
  }, 240_000);
});
