/**
 * Byzantine validators. Each runs the real driver (so it follows the protocol's timing) but
 * signs with its raw key, bypassing the last-sign guard, and routes what it sends itself:
 * different proposals and conflicting votes to different parts of the network, blocks that
 * fail validation, silence, and replays of old messages. Byzantine nodes act as one
 * coalition: for each (height, round) they share one split of the other nodes into sides
 * X1, X2 and Y, show X (= X1 ∪ X2) one value and Y another, prevote X's value to X, and
 * precommit it to X1 only. X1 may then decide while X2 is locked without deciding, and Y
 * is unlocked: exactly the situation in which the lock is all that keeps the next round
 * from deciding something else.
 */
import { toHex, utf8 } from "../../codec/bytes.js";
import type { PrivateKey } from "../../crypto/ed25519.js";
import { type Block, blockHash, dataHash } from "../../types/block.js";
import { type Proposal, type Vote, VoteType } from "../../types/vote.js";
import type { Outbound, TestNetwork } from "../testkit/network.js";
import type { NetMessage } from "../testkit/node.js";
import { type Gossip, messageHeight, messageRound } from "./gossip.js";
import type { Prng } from "./prng.js";
import { RawSigner } from "./raw-signer.js";
import type { ByzantineBehaviour, Scenario } from "./scenario.js";
import type { Trace } from "./trace.js";

const X1 = 0;
const X2 = 1;
const Y = 2;

/**
 * How the coalition plays one (height, round):
 *  - "split": X (= X1 ∪ X2) is shown one value, Y another; prevotes for X's value go to X,
 *    precommits for it to X1 only. With one small honest "victim" in X1 and enough honest
 *    power in X2 for a polka, the victim decides while X2 is locked without deciding.
 *  - "fresh": everyone is shown a fresh value (no proof-of-lock) and the coalition votes for
 *    the round's fresh proposal: harmless to nodes that respect their lock, fatal to a lock
 *    that is ignored after a victim round.
 */
interface Split {
  readonly mode: "split" | "fresh";
  /** Side of each node: X1, X2 or Y (all Y in "fresh" mode). */
  readonly side: readonly number[];
  /** Values the coalition's proposer showed each side this round (when it equivocated). */
  shownX: Uint8Array | null | undefined;
  shownY: Uint8Array | null | undefined;
}

export interface AdversaryStats {
  equivocatedProposals: number;
  doubleVotes: number;
  invalidProposals: number;
  replayed: number;
}

export class Adversary {
  readonly stats: AdversaryStats = {
    equivocatedProposals: 0,
    doubleVotes: 0,
    invalidProposals: 0,
    replayed: 0,
  };
  private readonly behaviours = new Map<number, ReadonlySet<ByzantineBehaviour>>();
  private readonly signers = new Map<number, RawSigner>();
  private readonly splits = new Map<string, Split>();
  private byAddress: Map<string, number> | null = null;
  /** First round of each height that used a victim split. */
  private readonly victimRounds = new Map<number, number>();

  constructor(
    scenario: Scenario,
    private readonly rng: Prng,
    private readonly gossip: Gossip,
    private readonly trace: Trace,
    private readonly chainId: string,
  ) {
    for (const b of scenario.byzantine) this.behaviours.set(b.node, new Set(b.behaviours));
  }

  isByzantine(node: number): boolean {
    return this.behaviours.has(node);
  }

  has(node: number, behaviour: ByzantineBehaviour): boolean {
    return this.behaviours.get(node)?.has(behaviour) === true;
  }

  signer(node: number, key: PrivateKey): RawSigner {
    let signer = this.signers.get(node);
    if (signer === undefined) {
      signer = new RawSigner(key, this.chainId);
      this.signers.set(node, signer);
    }
    return signer;
  }

  /** The broadcast replacement of Byzantine node `node`. */
  outbound(node: number): Outbound {
    return (message, net) => {
      this.gossip.learn(node, message);
      if (message.kind === "proposal") this.propose(node, message.proposal, net);
      else this.vote(node, message.vote, net);
    };
  }

  /** Arms the periodic replays of a `replay_old` node. */
  armReplays(node: number, net: TestNetwork): void {
    if (!this.has(node, "replay_old")) return;
    const again = () => {
      this.replayOld(node, net);
      net.at(this.rng.int(200, 1500), again);
    };
    net.at(this.rng.int(200, 1500), again);
  }

  /** The coalition's plan for (height, round), drawn when a member first acts in it. */
  private split(net: TestNetwork, from: number, height: number, round: number): Split {
    const key = `${height}/${round}`;
    let split = this.splits.get(key);
    if (split !== undefined) return split;
    const afterVictim = (this.victimRounds.get(height) ?? Number.POSITIVE_INFINITY) < round;
    const strategy = this.rng.int(0, 9);
    if ((afterVictim && strategy < 8) || (!afterVictim && strategy < 2)) {
      split = { mode: "fresh", side: net.nodes.map(() => Y), shownX: undefined, shownY: undefined };
    } else if (strategy < 7) {
      const side = this.victimSides(net, from, round);
      if (side !== null && !this.victimRounds.has(height)) this.victimRounds.set(height, round);
      split = {
        mode: "split",
        side: side ?? net.nodes.map(() => this.rng.int(X1, Y)),
        shownX: undefined,
        shownY: undefined,
      };
    } else {
      split = {
        mode: "split",
        side: net.nodes.map(() => this.rng.int(X1, Y)),
        shownX: undefined,
        shownY: undefined,
      };
    }
    this.splits.set(key, split);
    return split;
  }

  /**
   * Sides for a victim round. X = a set S of honest nodes whose power is not enough for a
   * polka or commit on its own but is with the coalition's (2/3 − byz < S ≤ 2/3); the victim,
   * alone in X1, is a member of S with less than a third of the power (so the others and the
   * coalition can still decide without it), the rest of S is X2, everyone else Y. The next
   * round's proposer is kept out of X1 (a decided victim proposes nothing) and preferably in
   * Y (without a polka it proposes a fresh value). Null when no such split exists (or the set
   * is too large to search).
   */
  private victimSides(net: TestNetwork, from: number, round: number): number[] | null {
    const total = net.validators.totalVotingPower;
    const power = (i: number) => net.validators.getByAddress(net.nodes[i]!.address!)?.votingPower ?? 0;
    const honest = net.nodes.filter((n) => !this.isByzantine(n.index)).map((n) => n.index);
    if (honest.length > 12) return null;
    let byz = 0;
    for (const n of net.nodes) if (this.isByzantine(n.index)) byz += power(n.index);
    const next = net.nodes[from]!.driver.proposerFor(round + 1);
    const nextProposer = next === null ? -1 : this.nodeOf(net, next.address);
    const candidates: { members: number[]; victim: number; score: number }[] = [];
    for (let mask = 1; mask < 1 << honest.length; mask++) {
      const members = honest.filter((_, k) => (mask >> k) & 1);
      const x = members.reduce((sum, i) => sum + power(i), 0);
      if (members.length < 2 || 3 * x > 2 * total || 3 * (x + byz) <= 2 * total) continue;
      for (const victim of members) {
        if (victim === nextProposer || 3 * power(victim) >= total) continue;
        candidates.push({ members, victim, score: members.includes(nextProposer) ? 0 : 1 });
      }
    }
    if (candidates.length === 0) return null;
    const best = Math.max(...candidates.map((c) => c.score));
    const pick = this.rng.pick(candidates.filter((c) => c.score === best));
    return net.nodes.map((n) => (n.index === pick.victim ? X1 : pick.members.includes(n.index) ? X2 : Y));
  }

  /** Sends `toX` to the nodes whose side is in `xSides`, `toY` to the others. */
  private sendSides(
    from: number,
    net: TestNetwork,
    split: Split,
    xSides: readonly number[],
    toX: NetMessage,
    toY: NetMessage,
  ): void {
    for (const peer of net.nodes) {
      if (peer.index === from) continue;
      const message = xSides.includes(split.side[peer.index]!) ? toX : toY;
      this.gossip.learn(from, message);
      net.send(from, peer.index, message);
    }
  }

  private propose(node: number, proposal: Proposal, net: TestNetwork): void {
    const signer = this.signers.get(node)!;
    if (this.has(node, "invalid_proposal") && this.rng.chance(500)) {
      const bad = signer.proposal({ ...proposal, block: this.corrupt(proposal.block) });
      this.stats.invalidProposals++;
      this.trace.add(
        node,
        () =>
          `proposes an INVALID block ${short(blockHash(bad.block))} h${proposal.height} r${proposal.round}`,
      );
      net.broadcast(node, { kind: "proposal", proposal: bad });
      return;
    }
    if (!this.has(node, "equivocate_proposal")) {
      net.broadcast(node, { kind: "proposal", proposal });
      return;
    }
    // A fresh value with no proof-of-lock: what tempts a node that ignores its lock.
    const txs = [...proposal.block.txs, utf8(`equivocation n${node} r${proposal.round}`)];
    const alt: Block = {
      ...proposal.block,
      txs,
      header: { ...proposal.block.header, dataHash: dataHash(txs) },
    };
    const other = signer.proposal({
      height: proposal.height,
      round: proposal.round,
      polRound: -1,
      block: alt,
    });
    const split = this.split(net, node, proposal.height, proposal.round);
    split.shownX = blockHash(proposal.block);
    split.shownY = blockHash(alt);
    this.stats.equivocatedProposals++;
    const h = proposal.height;
    const r = proposal.round;
    if (split.mode === "fresh") {
      this.trace.add(node, () => `proposes a FRESH ${short(split.shownY ?? null)} to all at h${h} r${r}`);
      net.broadcast(node, { kind: "proposal", proposal: other });
      return;
    }
    this.trace.add(
      node,
      () =>
        `EQUIVOCATES h${h} r${r}: ${short(split.shownX ?? null)} to X, ${short(split.shownY ?? null)} to Y (${sides(split)})`,
    );
    this.sendSides(
      node,
      net,
      split,
      [X1, X2],
      { kind: "proposal", proposal },
      { kind: "proposal", proposal: other },
    );
  }

  private vote(node: number, vote: Vote, net: TestNetwork): void {
    if (!this.has(node, "double_vote")) {
      net.broadcast(node, { kind: "vote", vote });
      return;
    }
    const split = this.split(net, node, vote.height, vote.round);
    const signer = this.signers.get(node)!;
    const fields = {
      type: vote.type,
      height: vote.height,
      round: vote.round,
      validatorIndex: vote.validatorIndex,
    };
    const sign = (blockHash: Uint8Array | null): Vote =>
      sameValue(blockHash, vote.blockHash) ? vote : signer.vote({ ...fields, blockHash });
    const proposed = split.shownY ?? this.proposedValue(node, vote.height, vote.round);
    if (split.mode === "fresh") {
      // Everyone gets a vote for the round's fresh value (when known).
      const target = proposed ?? vote.blockHash;
      if (!sameValue(target, vote.blockHash)) this.stats.doubleVotes++;
      this.trace.add(
        node,
        () => `votes the fresh ${short(target)} to all (${voteName(vote)} h${vote.height} r${vote.round})`,
      );
      net.broadcast(node, { kind: "vote", vote: sign(target) });
      return;
    }
    const x = split.shownX !== undefined ? split.shownX : vote.blockHash;
    const y =
      split.shownY !== undefined ? split.shownY : !sameValue(proposed ?? null, x) ? (proposed ?? null) : null;
    if (sameValue(x, y)) {
      net.broadcast(node, { kind: "vote", vote });
      return;
    }
    const prevote = vote.type === VoteType.Prevote;
    this.stats.doubleVotes++;
    this.trace.add(
      node,
      () =>
        `DOUBLE-${voteName(vote).toUpperCase()}S h${vote.height} r${vote.round}: ${short(x)} to ${prevote ? "X" : "X1"}, ${short(y)} to the rest (${sides(split)})`,
    );
    this.sendSides(
      node,
      net,
      split,
      prevote ? [X1, X2] : [X1],
      { kind: "vote", vote: sign(x) },
      { kind: "vote", vote: sign(y) },
    );
  }

  private nodeOf(net: TestNetwork, address: Uint8Array): number {
    if (this.byAddress === null) {
      this.byAddress = new Map(net.nodes.map((n) => [toHex(n.address ?? new Uint8Array(0)), n.index]));
    }
    return this.byAddress.get(toHex(address)) ?? -1;
  }

  /** The block hash of a proposal `node` has seen for (height, round), if any. */
  private proposedValue(node: number, height: number, round: number): Uint8Array | undefined {
    for (const m of this.gossip.knownAt(node, height)) {
      if (m.kind === "proposal" && m.proposal.round === round) return blockHash(m.proposal.block);
    }
    return undefined;
  }

  private corrupt(block: Block): Block {
    const header = block.header;
    switch (this.rng.int(0, 2)) {
      case 0:
        return { ...block, header: { ...header, chainId: `${header.chainId}-forged` } };
      case 1:
        return { ...block, header: { ...header, lastBlockHash: utf8("not the previous block hash!!!!!") } };
      default:
        return { ...block, header: { ...header, height: header.height + 1 } };
    }
  }

  /**
   * Re-sends up to 8 honest messages of the node's height (any round up to its own) or of
   * the height before. Never the coalition's own votes: those would undo its splits.
   */
  private replayOld(node: number, net: TestNetwork): void {
    const self = net.nodes[node]!;
    if (self.silent) return;
    const height = self.driver.height;
    const round = self.driver.round;
    const honestMessage = (m: NetMessage): boolean => {
      if (m.kind === "vote") return !this.isByzantine(this.nodeOf(net, m.vote.validatorAddress));
      const proposer = m.proposal.height === height ? self.driver.proposerFor(m.proposal.round) : null;
      return proposer !== null && !this.isByzantine(this.nodeOf(net, proposer.address));
    };
    const pool = (
      this.rng.chance(800)
        ? this.gossip.knownAt(node, height).filter((m) => messageRound(m) <= round)
        : this.gossip.knownAt(node, Math.max(1, height - 1))
    ).filter(honestMessage);
    if (pool.length === 0) return;
    const count = this.rng.int(1, 8);
    for (let k = 0; k < count; k++) {
      const message = this.rng.pick(pool);
      let to = this.rng.int(0, net.nodes.length - 1);
      if (to === node) to = (to + 1) % net.nodes.length;
      net.send(node, to, message);
      this.stats.replayed++;
      if (k === 0) {
        this.trace.add(
          node,
          () =>
            `replays old ${message.kind} h${messageHeight(message)} r${messageRound(message)} to n${to} (+${count - 1} more)`,
        );
      }
    }
  }
}

const SIDE_NAMES = ["X1", "X2", "Y"];
const sides = (split: Split): string => split.side.map((s, i) => `n${i}:${SIDE_NAMES[s]}`).join(" ");

const voteName = (v: Vote): string => (v.type === VoteType.Prevote ? "prevote" : "precommit");

const sameValue = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === null || b === null ? a === b : toHex(a) === toHex(b);

/** First 8 hex digits of a block hash, or "nil". */
export const short = (hash: Uint8Array | null): string => (hash === null ? "nil" : toHex(hash).slice(0, 8));
