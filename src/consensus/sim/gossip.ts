/**
 * Who knows which message, and the gossip that repairs what the network lost.
 *
 * The paper's liveness needs gossip: a message one correct node has reaches every correct
 * node within Δ after GST. CometBFT gets there by re-sending votes and proposals a peer's
 * state shows it lacks. Here each honest node, every `gossipIntervalMs`, sends a peer the
 * messages of the peer's height and later that the peer neither has nor has in flight
 * (what CometBFT's per-peer "has vote" bit arrays achieve). Before GST these re-sends go
 * through the same lossy, partitioned network as everything else.
 */
import { toHex } from "../../codec/bytes.js";
import type { Envelope, TestNetwork } from "../testkit/network.js";
import type { NetMessage } from "../testkit/node.js";
import type { ConsensusInput } from "../types.js";

export const messageHeight = (m: NetMessage): number =>
  m.kind === "vote" ? m.vote.height : m.proposal.height;
export const messageRound = (m: NetMessage): number => (m.kind === "vote" ? m.vote.round : m.proposal.round);

export class Gossip {
  /** Every message sent at a height some node may still need, by id (its signature). */
  private readonly registry = new Map<string, NetMessage>();
  /** Registry ids by height, for pruning. */
  private readonly registered = new Map<number, string[]>();
  private readonly ids = new WeakMap<NetMessage, string>();
  private readonly known: Set<string>[];
  /** Per node: height -> ids known at that height, in learning order. */
  private readonly byHeight: Map<number, string[]>[];
  /** Per node: id -> copies on their way to it. */
  private readonly inFlight: Map<string, number>[];
  /** The lowest height of any node at the last prune. */
  private floor = 0;

  constructor(
    nodes: number,
    /** Nodes that relay (honest ones). */
    private readonly relays: readonly number[],
  ) {
    this.known = Array.from({ length: nodes }, () => new Set());
    this.byHeight = Array.from({ length: nodes }, () => new Map());
    this.inFlight = Array.from({ length: nodes }, () => new Map());
  }

  id(message: NetMessage): string {
    let id = this.ids.get(message);
    if (id === undefined) {
      id = toHex(message.kind === "vote" ? message.vote.signature : message.proposal.signature);
      this.ids.set(message, id);
    }
    return id;
  }

  /** `node` now has `message` (it sent or received it). */
  learn(node: number, message: NetMessage): void {
    const height = messageHeight(message);
    if (height < this.floor - 1) return; // pruned: nobody needs it any more
    const id = this.id(message);
    const known = this.known[node]!;
    if (known.has(id)) return;
    known.add(id);
    if (!this.registry.has(id)) {
      this.registry.set(id, message);
      const ids = this.registered.get(height);
      if (ids === undefined) this.registered.set(height, [id]);
      else ids.push(id);
    }
    const list = this.byHeight[node]!.get(height);
    if (list === undefined) this.byHeight[node]!.set(height, [id]);
    else list.push(id);
  }

  /** The delivery policy let `copies` copies of `envelope` go. */
  sent(envelope: Envelope, copies: number): void {
    const id = this.id(envelope.message);
    const flight = this.inFlight[envelope.to]!;
    flight.set(id, (flight.get(id) ?? 0) + copies);
  }

  /** A copy arrived; a live node learns the message. */
  delivered(envelope: Envelope, live: boolean): void {
    const id = this.id(envelope.message);
    const flight = this.inFlight[envelope.to]!;
    const left = (flight.get(id) ?? 1) - 1;
    if (left <= 0) flight.delete(id);
    else flight.set(id, left);
    if (live) this.learn(envelope.to, envelope.message);
  }

  /** A crash loses everything the node held in memory. */
  forget(node: number): void {
    this.known[node]!.clear();
    this.byHeight[node]!.clear();
  }

  /** After a restart the node holds what its WAL replayed. */
  recall(node: number, inputs: readonly ConsensusInput[]): void {
    for (const input of inputs) {
      const sig =
        input.kind === "vote"
          ? input.vote.signature
          : input.kind === "proposal"
            ? input.proposal.signature
            : null;
      if (sig === null) continue;
      const message = this.registry.get(toHex(sig));
      if (message !== undefined) this.learn(node, message);
    }
  }

  /** Messages `node` knows at `height`. */
  knownAt(node: number, height: number): NetMessage[] {
    return (this.byHeight[node]!.get(height) ?? []).map((id) => this.registry.get(id)!);
  }

  /**
   * One gossip round: each relay sends each live peer what the peer lacks at its height and
   * later. Returns the number of messages sent.
   */
  tick(net: TestNetwork): number {
    this.prune(net);
    let sent = 0;
    for (const peer of net.nodes) {
      if (peer.silent) continue;
      const to = peer.index;
      const height = peer.driver.height;
      const known = this.known[to]!;
      const flight = this.inFlight[to]!;
      for (const from of this.relays) {
        if (from === to || net.nodes[from]!.silent) continue;
        for (const [h, ids] of this.byHeight[from]!) {
          if (h < height) continue;
          for (const id of ids) {
            if (known.has(id) || flight.has(id)) continue;
            net.send(from, to, this.registry.get(id)!);
            sent++;
          }
        }
      }
    }
    return sent;
  }

  /**
   * Forgets heights below every node's current height minus one: no node gossips or needs
   * them any more (a node further behind catches up by block sync). Keeps long runs small.
   */
  private prune(net: TestNetwork): void {
    let floor = Number.POSITIVE_INFINITY;
    for (const node of net.nodes) floor = Math.min(floor, node.driver.height);
    this.floor = floor;
    for (const [height, ids] of this.registered) {
      if (height >= floor - 1) continue;
      for (const id of ids) this.registry.delete(id);
      this.registered.delete(height);
    }
    for (let node = 0; node < this.known.length; node++) {
      const byHeight = this.byHeight[node]!;
      for (const [height, ids] of byHeight) {
        if (height >= floor - 1) continue;
        for (const id of ids) this.known[node]!.delete(id);
        byHeight.delete(height);
      }
    }
  }
}
