import { afterEach, describe, expect, it } from "vitest";
import { equalBytes, utf8 } from "../../../src/codec/bytes.js";
import { makeTestBlock, testKeys, testValidatorSet } from "../../../src/consensus/testkit/index.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { type PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { silentLogger } from "../../../src/log.js";
import {
  ConsensusGossip,
  type GossipHandlers,
  type GossipRateLimits,
  type GossipVerdict,
  type P2pHost,
  txBatchEntrySize,
  verdictFromConsensus,
} from "../../../src/p2p/index.js";
import { headerHash } from "../../../src/types/block.js";
import {
  type Proposal,
  proposalSignBytes,
  type Vote,
  VoteType,
  voteSignBytes,
} from "../../../src/types/vote.js";
import { CHAIN, HostPool, onHeartbeatUntil } from "./helpers.js";

const keys = testKeys(4, "gossip-test");
const valset = testValidatorSet(keys, [1, 1, 1, 1]);
const LIMITS = { maxTxBytes: 1024, maxProposalBytes: 64 * 1024, maxVoteBytes: 512 };

function signedVote(key: PrivateKey, round: number, signer: PrivateKey = key): Vote {
  const address = addressFromPublicKey(key.publicKey);
  const index = valset.indexOf(address);
  const base = {
    type: VoteType.Prevote,
    height: 7,
    round,
    blockHash: new Uint8Array(32).fill(round),
  } as const;
  return {
    ...base,
    validatorAddress: address,
    validatorIndex: index,
    signature: signer.sign(voteSignBytes(CHAIN, base)),
  };
}

function signedProposal(key: PrivateKey): Proposal {
  const block = makeTestBlock({
    chainId: CHAIN,
    height: 7,
    proposer: addressFromPublicKey(key.publicKey),
    prevBlockHash: new Uint8Array(32),
    validators: valset,
    txs: [utf8("tx-in-block")],
  });
  const unsigned = { height: 7, round: 0, polRound: -1, block };
  return {
    ...unsigned,
    signature: key.sign(proposalSignBytes(CHAIN, { ...unsigned, blockHash: headerHash(block.header) })),
  };
}

/** A node's checks as the consensus host would do them: membership and signature. */
class RecordingNode implements GossipHandlers {
  readonly votes: Vote[] = [];
  readonly proposals: Proposal[] = [];
  readonly txs: string[] = [];
  /** Accepted tx batches as received. */
  readonly batches: string[][] = [];
  readonly verdicts: GossipVerdict[] = [];
  private waiters: (() => void)[] = [];

  private record(v: GossipVerdict): GossipVerdict {
    this.verdicts.push(v);
    for (const w of this.waiters.splice(0)) w();
    return v;
  }

  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => {
      const retry = () => (check() ? resolve() : this.waiters.push(retry));
      this.waiters.push(retry);
    });
  }

  onVote(v: Vote): GossipVerdict {
    const val = valset.validators[v.validatorIndex];
    if (val === undefined || !equalBytes(val.address, v.validatorAddress)) {
      return this.record(verdictFromConsensus({ status: "rejected", reason: "unknown_validator" }));
    }
    if (!verifySignature(val.pubKey, voteSignBytes(CHAIN, v), v.signature)) {
      return this.record(verdictFromConsensus("invalid_signature"));
    }
    this.votes.push(v);
    return this.record(verdictFromConsensus({ status: "accepted" }));
  }

  onProposal(p: Proposal): GossipVerdict {
    this.proposals.push(p);
    return this.record("accept");
  }

  /** A tx named "forged…" stands for one with a bad signature: the whole batch is rejected. */
  onTxBatch(txs: readonly Uint8Array[]): GossipVerdict {
    const batch = txs.map((t) => new TextDecoder().decode(t));
    if (batch.some((t) => t.startsWith("forged"))) return this.record("reject");
    this.batches.push(batch);
    this.txs.push(...batch);
    return this.record("accept");
  }
}

const pool = new HostPool();
const gossips: ConsensusGossip[] = [];
afterEach(async () => {
  for (const g of gossips.splice(0)) g.stop();
  await pool.stopAll();
});

async function network(
  n: number,
  rateLimits?: GossipRateLimits,
): Promise<{ hosts: P2pHost[]; nodes: RecordingNode[]; gossip: ConsensusGossip[] }> {
  const boot = await pool.start("g0", { gossipLimits: LIMITS });
  const hosts = [boot];
  for (let i = 1; i < n; i++) {
    hosts.push(await pool.start(`g${i}`, { gossipLimits: LIMITS, bootstrapPeers: [boot.multiaddrs()[0]!] }));
  }
  await Promise.all(hosts.map((h) => h.waitForPeers(n - 1, 20_000)));
  const nodes = hosts.map(() => new RecordingNode());
  const gossip = hosts.map(
    (host, i) =>
      new ConsensusGossip(rateLimits === undefined ? {} : { rateLimits }, {
        host,
        handlers: nodes[i]!,
        logger: silentLogger,
      }),
  );
  gossips.push(...gossip);
  for (const g of gossip) g.start();
  for (const h of hosts) {
    for (const topic of [h.topics.vote, h.topics.tx, h.topics.proposal]) {
      await onHeartbeatUntil(h, () => h.pubsub.getSubscribers(topic).length === n - 1, "subscriptions");
    }
  }
  return { hosts, nodes, gossip };
}

describe("ConsensusGossip", () => {
  it("delivers votes, proposals and txs to every node; rejects invalid and oversize gossip and penalises the sender", async () => {
    const { hosts, nodes, gossip } = await network(4);
    const [h0, , h2, h3] = hosts as [P2pHost, P2pHost, P2pHost, P2pHost];

    gossip[1]!.broadcastVote(signedVote(keys[1]!, 0));
    gossip[0]!.broadcastProposal(signedProposal(keys[0]!));
    // Batched: published by the batcher's timer.
    gossip[3]!.broadcastTx(utf8("ok-tx"));
    for (const [i, node] of nodes.entries()) {
      await node.until(
        () =>
          node.votes.length === (i === 1 ? 0 : 1) &&
          node.proposals.length === (i === 0 ? 0 : 1) &&
          node.txs.length === (i === 3 ? 0 : 1),
      );
    }
    expect(nodes[0]!.votes[0]!.validatorIndex).toBe(valset.indexOf(addressFromPublicKey(keys[1]!.publicKey)));
    expect(nodes[2]!.proposals[0]!.block.txs.map((t) => new TextDecoder().decode(t))).toEqual([
      "tx-in-block",
    ]);

    // h2 gossips a vote signed by the wrong key: every receiver rejects it.
    gossip[2]!.broadcastVote(signedVote(keys[2]!, 1, keys[3]!));
    // The stats count a rejection in the same step that penalises its sender.
    for (const i of [0, 1, 3]) {
      await onHeartbeatUntil(
        hosts[i]!,
        () => gossip[i]!.stats().vote.rejected === 1,
        "the forged vote to arrive",
      );
    }
    expect(nodes.every((n) => n.votes.length <= 1)).toBe(true);
    expect(h0.scorer.penalty(h2.peerId)).toBeGreaterThan(0);
    await onHeartbeatUntil(h0, () => h0.gossipScore(h2.peerId) < 0, "h2's gossipsub score to drop");

    // h3 bypasses its own size check: receivers reject before decoding or calling the handler.
    await h3.pubsub.publish(h3.topics.tx, new Uint8Array(txBatchEntrySize(LIMITS.maxTxBytes) + 1).fill(1));
    await onHeartbeatUntil(h0, () => gossip[0]!.stats().tx.oversize === 1, "the oversize tx to arrive");
    expect(nodes[0]!.txs).toEqual(["ok-tx"]);
    expect(h0.scorer.penalty(h3.peerId)).toBeGreaterThan(0);
    await onHeartbeatUntil(h0, () => h0.gossipScore(h3.peerId) < 0, "h3's gossipsub score to drop");
    // Bytes that are no Vote: rejected at decoding, the handler never sees them.
    const verdictsBefore = nodes[0]!.verdicts.length;
    await h3.pubsub.publish(h3.topics.vote, utf8("definitely not a vote"));
    await onHeartbeatUntil(h0, () => gossip[0]!.stats().vote.rejected === 2, "the malformed vote to arrive");
    expect(nodes[0]!.verdicts.length).toBe(verdictsBefore);

    // Honest peers keep a non-negative score.
    expect(h0.gossipScore(hosts[1]!.peerId)).toBeGreaterThanOrEqual(0);
  });

  it("gossips txs in ordered batches; a batch with one forged tx is rejected and its sender penalised", async () => {
    const { hosts, nodes, gossip } = await network(3);
    const [h0, h1, h2] = hosts as [P2pHost, P2pHost, P2pHost];

    // Queued txs leave as one batch, in order, and are counted as txs.
    const sent = ["t0", "t1", "t2", "t3", "t4"];
    for (const t of sent) gossip[2]!.broadcastTx(utf8(t));
    await gossip[2]!.flushTxs();
    for (const i of [0, 1]) await nodes[i]!.until(() => nodes[i]!.txs.length === sent.length);
    expect(nodes[0]!.batches).toEqual([sent]);
    expect(nodes[1]!.batches).toEqual([sent]);
    expect(gossip[2]!.stats().tx.published).toBe(5);
    expect(gossip[0]!.stats().tx.accepted).toBe(5);

    // h1 relays a batch holding one forged tx among valid ones: all of it is refused.
    await gossip[1]!.broadcastTxBatch([utf8("fine-1"), utf8("forged-sig"), utf8("fine-2")]);
    for (const i of [0, 2]) {
      await onHeartbeatUntil(
        hosts[i]!,
        () => gossip[i]!.stats().tx.rejected === 3,
        "the forged batch to arrive",
      );
    }
    expect(nodes[0]!.txs).toEqual(sent);
    expect(gossip[0]!.stats().tx.rejected).toBe(3);
    expect(h0.scorer.penalty(h1.peerId)).toBeGreaterThan(0);
    expect(h2.scorer.penalty(h1.peerId)).toBeGreaterThan(0);
    await onHeartbeatUntil(h0, () => h0.gossipScore(h1.peerId) < 0, "h1's gossipsub score to drop");

    // A raw tx (the old one-tx-per-message format) is no TxBatch: rejected at decoding.
    const verdictsBefore = nodes[2]!.verdicts.length;
    await h0.pubsub.publish(h0.topics.tx, utf8("a raw tx"));
    await onHeartbeatUntil(h2, () => gossip[2]!.stats().tx.rejected === 4, "the raw tx to arrive");
    expect(nodes[2]!.verdicts.length).toBe(verdictsBefore);
    expect(h2.scorer.penalty(h0.peerId)).toBeGreaterThan(0);
  });

  it("relays what it accepted, after the topic's delay, to a peer that cannot hear the publisher; never what it refused", async () => {
    // A line a – b – c: a and c keep to one peer each, so everything c gets from a went through b.
    const b = await pool.start("line-b", { gossipLimits: LIMITS });
    const edge = (name: string) =>
      pool.start(name, { gossipLimits: LIMITS, maxPeers: 1, bootstrapPeers: [b.multiaddrs()[0]!] });
    const a = await edge("line-a");
    const c = await edge("line-c");
    const hosts = [a, b, c];
    await b.waitForPeers(2, 20_000);
    const nodes = hosts.map(() => new RecordingNode());
    // b holds txs back for a long while: c's tx can only come from b's deferred relay.
    const relayDelayMs = { tx: 300, proposal: 100 };
    const gossip = hosts.map(
      (host, i) => new ConsensusGossip({ relayDelayMs }, { host, handlers: nodes[i]!, logger: silentLogger }),
    );
    gossips.push(...gossip);
    for (const g of gossip) g.start();
    for (const [h, n] of [
      [a, 1],
      [b, 2],
      [c, 1],
    ] as const) {
      for (const topic of [h.topics.vote, h.topics.tx, h.topics.proposal]) {
        await onHeartbeatUntil(h, () => h.pubsub.getSubscribers(topic).length === n, "subscriptions");
      }
    }
    expect(a.isConnected(c.peerId)).toBe(false);

    // A batch with a forged tx first: b refuses it, so c must never see it.
    await gossip[0]!.broadcastTxBatch([utf8("forged-at-a")]);
    await onHeartbeatUntil(b, () => gossip[1]!.stats().tx.rejected === 1, "b to refuse the forged batch");
    gossip[0]!.broadcastVote(signedVote(keys[0]!, 0));
    gossip[0]!.broadcastProposal(signedProposal(keys[0]!));
    await gossip[0]!.broadcastTxBatch([utf8("relayed-1"), utf8("relayed-2")]);
    await nodes[2]!.until(
      () => nodes[2]!.votes.length === 1 && nodes[2]!.proposals.length === 1 && nodes[2]!.txs.length === 2,
    );
    expect(nodes[2]!.batches).toEqual([["relayed-1", "relayed-2"]]);
    await onHeartbeatUntil(c, () => gossip[2]!.stats().tx.accepted === 2, "c's stats");
    expect(gossip[2]!.stats().tx.rejected).toBe(0);
    expect(nodes[1]!.txs).toEqual(["relayed-1", "relayed-2"]);
    // c got each message once (b is its only peer) and relays nothing back to b, which has them.
    expect(nodes[2]!.verdicts).toEqual(["accept", "accept", "accept"]);
  });

  it("bounds a flood from one peer with per-peer rate limits", async () => {
    const { hosts, nodes, gossip } = await network(2, {
      txPerSecond: 5,
      proposalPerSecond: 5,
      votePerSecond: 5,
    });
    // 8 batches of 5 txs: within a burst of 10 messages, but 40 txs against a burst of 10 txs.
    for (let b = 0; b < 8; b++) {
      await gossip[1]!.broadcastTxBatch(Array.from({ length: 5 }, (_, i) => utf8(`flood-${b}-${i}`)));
    }
    const stats = () => gossip[0]!.stats().tx;
    await onHeartbeatUntil(
      hosts[0]!,
      () => stats().accepted + stats().rateLimited === 40,
      "the flood to be processed",
    );
    expect(stats().rateLimited).toBeGreaterThan(0);
    expect(nodes[0]!.txs.length).toBe(stats().accepted);
    expect(nodes[0]!.txs.length).toBeLessThan(40);
    expect(hosts[0]!.scorer.penalty(hosts[1]!.peerId)).toBeGreaterThan(0);
  });
});
