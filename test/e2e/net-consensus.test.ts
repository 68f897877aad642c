/** Four validators over libp2p agree on every block, and a tx sent to one is committed on all. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkChain, queryAccount, runCliJson, waitForHeight } from "./harness.js";
import { expectSameChain, freshAddress, TestNet, waitForSignature } from "./net-cluster.js";

const ANKR = 10n ** 18n;

describe("a network of 4 validators", () => {
  let net: TestNet;
  beforeAll(async () => {
    net = await TestNet.create({ validators: 4 });
    await net.start();
  }, 120_000);
  afterAll(async () => {
    await net?.destroy();
  });

  it("commits the same blocks on every node, signed by every validator", async () => {
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, 4, 90_000)));
    await expectSameChain(net.nodes, 1, 4);
    // Every validator takes part: each one's precommit shows up in some commit.
    for (const v of net.validators) await waitForSignature(net.node(0).rpcUrl, v.validatorAddress!, 0);
  }, 120_000);

  it("commits a tx sent to one validator and shows its effect on all", async () => {
    const sender = net.node(2);
    const to = freshAddress();
    const sent = runCliJson<{ hash: string; code: number; height: number }>([
      "tx",
      "send",
      "--home",
      sender.home,
      "--from",
      sender.key.name,
      "--to",
      to,
      "--amount",
      "7ankr",
    ]);
    expect(sent.code).toBe(0);
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, sent.height, 60_000)));
    for (const n of net.nodes) {
      expect((await queryAccount(n.rpcUrl, to)).balance, n.name).toBe(7n * ANKR);
    }
    await expectSameChain(net.nodes, 1, sent.height);
    const chains = await Promise.all(net.nodes.map((n) => checkChain(n.rpcUrl, sent.height)));
    for (const c of chains) expect(c.problems).toEqual([]);
    const block = chains[0]!.blocks[sent.height - 1]!;
    expect(block.txHashes).toContain(sent.hash.toUpperCase());
    // Identical app hashes after every block, on every node.
    for (const c of chains)
      expect(c.blocks.map((b) => b.appHashAfter)).toEqual(chains[0]!.blocks.map((b) => b.appHashAfter));
  }, 120_000);
});
