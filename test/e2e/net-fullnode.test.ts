/** A full node started 50 blocks late syncs to the tip, follows, serves RPC, and never signs. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryAccount, rpc, runCliJson, waitFor, waitForHeight } from "./harness.js";
import { expectSameChain, freshAddress, latestHeight, TestNet } from "./net-cluster.js";

const ANKR = 10n ** 18n;
const LATE_BY = 50;

describe("a full node that joins late", () => {
  let net: TestNet;
  beforeAll(async () => {
    net = await TestNet.create({ validators: 4, fullNodes: 1 });
    await net.start([0, 1, 2, 3]);
  }, 120_000);
  afterAll(async () => {
    await net?.destroy();
  });

  it("syncs to the tip, follows the chain, relays txs and never signs", async () => {
    const full = net.node(4);
    expect(full.role).toBe("full");
    await waitForHeight(net.node(0).rpcUrl, LATE_BY, 150_000);

    await net.start([4]);
    const tip = await latestHeight(net.node(0).rpcUrl);
    await waitForHeight(full.rpcUrl, tip, 90_000);
    await waitForHeight(full.rpcUrl, tip + 2, 60_000);
    await expectSameChain([net.node(0), net.node(1), full], 1, tip + 2);

    const status = await waitFor("the full node to leave catch-up", async () => {
      const s = await rpc<{
        sync_info: { catching_up: boolean };
        validator_info: { address: string; voting_power: string };
      }>(full.rpcUrl, "status");
      return s.sync_info.catching_up ? undefined : s;
    });
    expect(status.validator_info).toMatchObject({ address: "", voting_power: "0" });

    // A tx submitted through the full node reaches the validators and is committed everywhere.
    const to = freshAddress();
    const sent = runCliJson<{ code: number; height: number }>([
      "tx",
      "send",
      "--home",
      full.home,
      "--from",
      full.key.name,
      "--to",
      to,
      "--amount",
      "3ankr",
    ]);
    expect(sent.code).toBe(0);
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, sent.height, 60_000)));
    for (const n of net.nodes) expect((await queryAccount(n.rpcUrl, to)).balance, n.name).toBe(3n * ANKR);
  }, 300_000);
});
