/**
 * A hostile peer (a real libp2p host in this process) joins a 4-validator network and gossips
 * malformed votes, votes with forged signatures and oversize messages: the node it talks to
 * bans it and hangs up, and the validators keep committing blocks.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromHex } from "../../src/codec/bytes.js";
import { silentLogger } from "../../src/log.js";
import { P2pHost } from "../../src/p2p/index.js";
import { encodeVote, VoteType } from "../../src/types/vote.js";
import { rpc, waitFor, waitForHeight } from "./harness.js";
import { connectedPeers, latestHeight, TestNet } from "./net-cluster.js";

const CHAIN_ID = "dccn-hostile-e2e";

describe("a hostile gossip peer", () => {
  let net: TestNet;
  let hostile: P2pHost;
  beforeAll(async () => {
    net = await TestNet.create({ validators: 4, chainId: CHAIN_ID });
    await net.start();
    hostile = await P2pHost.create(
      {
        chainId: CHAIN_ID,
        nodeKeySeed: randomBytes(32),
        listen: ["/ip4/127.0.0.1/tcp/0"],
        persistentPeers: [net.node(0).p2pAddr],
        gossipHeartbeatMs: 200,
        stopStepTimeoutMs: 2000,
      },
      { logger: silentLogger },
    );
    await hostile.start();
  }, 120_000);
  afterAll(async () => {
    await hostile?.stop();
    await net?.destroy();
  });

  it("is banned by the node it floods, and the network keeps committing", async () => {
    const target = net.node(0);
    const { pubsub, topics } = hostile;
    pubsub.subscribe(topics.vote);
    // The target must know of us and we of its subscription before anything can be sent.
    await waitFor("the hostile peer to see the target's vote subscription", async () =>
      pubsub.getSubscribers(topics.vote).length > 0 ? true : undefined,
    );
    const peerId = hostile.peerId;
    expect(await connectedPeers(target.rpcUrl)).toContain(peerId);
    const before = await latestHeight(target.rpcUrl);

    const validator = fromHex(target.validatorAddress!.toLowerCase());
    const forgedVote = () =>
      encodeVote({
        type: VoteType.Prevote,
        height: before + 1,
        round: 0,
        blockHash: randomBytes(32),
        validatorAddress: validator,
        validatorIndex: 0,
        signature: randomBytes(64), // not the validator's signature
      });
    const publish = async (data: Uint8Array) => {
      try {
        await pubsub.publish(topics.vote, data);
      } catch {
        // Once banned, there is nobody left to publish to.
      }
    };
    // Each message differs, so gossipsub's duplicate filter cannot swallow them.
    for (let i = 0; i < 5; i++) await publish(Uint8Array.of(0xff, 0xfe, i, ...randomBytes(8)));
    for (let i = 0; i < 5; i++) await publish(forgedVote());
    await publish(randomBytes(64 * 1024)); // far over the vote topic's limit

    await waitFor(
      "the target to ban the hostile peer",
      async () =>
        readFileSync(target.process.logPath, "utf8").includes("banning a misbehaving peer")
          ? true
          : undefined,
      30_000,
    );
    await waitFor("the target to hang up", async () =>
      (await connectedPeers(target.rpcUrl)).includes(peerId) ? undefined : true,
    );
    const log = readFileSync(target.process.logPath, "utf8");
    expect(log).toMatch(new RegExp(`banning a misbehaving peer peer=${peerId}`));

    // The validators are unaffected: every node keeps committing the same chain.
    await Promise.all(net.nodes.map((n) => waitForHeight(n.rpcUrl, before + 3, 60_000)));
    const status = await rpc<{ sync_info: { catching_up: boolean } }>(target.rpcUrl, "status");
    expect(status.sync_info.catching_up).toBe(false);
  }, 120_000);
});
