/**
 * Crash recovery: without one of 4 validators the chain goes on; without two it stops (no +2/3,
 * and no fork); restarted, the crashed validators catch up by block sync and sign again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor, waitForHeight } from "./harness.js";
import { expectSameChain, latestHeight, roundState, TestNet, waitForSignature } from "./net-cluster.js";

describe("validators that crash", () => {
  let net: TestNet;
  beforeAll(async () => {
    net = await TestNet.create({ validators: 4 });
    await net.start();
  }, 120_000);
  afterAll(async () => {
    await net?.destroy();
  });

  it("keep the chain going while +2/3 remain, stop it without, and rejoin after a restart", async () => {
    const [n0, n1, n2, n3] = [net.node(0), net.node(1), net.node(2), net.node(3)];
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, 3, 90_000)));

    // One of four down: 30 of 40 power is still more than 2/3.
    await n3.process.stop("SIGKILL");
    const afterFirstKill = await latestHeight(n0.rpcUrl);
    const phaseStart = performance.now();
    await Promise.all([n0, n1, n2].map((n) => waitForHeight(n.rpcUrl, afterFirstKill + 3, 60_000)));
    const blockIntervalMs = (performance.now() - phaseStart) / 3;
    await expectSameChain([n0, n1, n2], 1, afterFirstKill + 3);

    // Two of four down: both survivors prevote at the next height and wait for a quorum that
    // cannot form (the Tendermint rules do not even time the round out without +2/3 prevotes).
    await n2.process.stop("SIGKILL");
    const stuck = await waitFor(
      "both survivors to prevote at a height they cannot commit",
      async () => {
        const [a, b] = await Promise.all([roundState(n0.rpcUrl), roundState(n1.rpcUrl)]);
        const waiting = a.height === b.height && a.round === b.round && a.prevotes >= 2 && b.prevotes >= 2;
        return waiting && (await latestHeight(n0.rpcUrl)) === a.height - 1 ? a : undefined;
      },
      60_000,
      100,
    );
    // Absence of progress can only be observed over a window: several block intervals of the
    // 3-validator phase above.
    const windowEnd = performance.now() + Math.max(3000, 5 * blockIntervalMs);
    while (performance.now() < windowEnd) {
      expect(await latestHeight(n0.rpcUrl)).toBe(stuck.height - 1);
      expect(await latestHeight(n1.rpcUrl)).toBe(stuck.height - 1);
      await new Promise((r) => setTimeout(r, 200));
    }
    await expectSameChain([n0, n1], 1, stuck.height - 1);

    // Both come back: the chain resumes, they catch up and sign again.
    await net.start([2, 3]);
    const target = stuck.height + 3;
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, target, 90_000)));
    await expectSameChain(net.nodes, 1, target);
    await waitForSignature(n0.rpcUrl, n2.validatorAddress!, stuck.height - 1);
    await waitForSignature(n0.rpcUrl, n3.validatorAddress!, stuck.height - 1);
  }, 240_000);
});
