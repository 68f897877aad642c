/** Kademlia discovery: a node that knows one bootstrap peer ends up connected to all the others. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor, waitForHeight } from "./harness.js";
import { connectedPeers, expectSameChain, TestNet } from "./net-cluster.js";

describe("peer discovery", () => {
  let net: TestNet;
  beforeAll(async () => {
    net = await TestNet.create({ validators: 4 });
    // node0..node2 know each other only; node3 knows node0 only, and nobody knows node3.
    const core = [0, 1, 2];
    for (const i of core) {
      const others = core.filter((j) => j !== i).map((j) => net.node(j).p2pAddr);
      net.setPeers(i, { persistent: others, bootstrap: others });
    }
    net.setPeers(3, { persistent: [], bootstrap: [net.node(0).p2pAddr] });
    await net.start();
  }, 120_000);
  afterAll(async () => {
    await net?.destroy();
  });

  it("connects a node with a single bootstrap peer to every other node", async () => {
    const lone = net.node(3);
    const expected = [0, 1, 2].map((i) => net.node(i).peerId).sort();
    const peers = await waitFor(
      "node3 to be connected to node0, node1 and node2",
      async () => {
        const ids = await connectedPeers(lone.rpcUrl);
        return expected.every((id) => ids.includes(id)) ? ids : undefined;
      },
      90_000,
      250,
    );
    expect(peers).not.toContain(lone.peerId);
    // And it takes part in the chain like the others.
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, 3, 60_000)));
    await expectSameChain(net.nodes, 1, 3);
  }, 180_000);
});
