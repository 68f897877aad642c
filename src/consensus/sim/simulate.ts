/**
 * One schedule: the real drivers, vote keepers and privval signers of the consensus testkit
 * on virtual time, under the faults and Byzantine behaviour the seed's scenario prescribes,
 * with every safety property checked as it happens and liveness checked after GST.
 */
import { toHex } from "../../codec/bytes.js";
import { verifySignature } from "../../crypto/ed25519.js";
import { Signer } from "../../privval/signer.js";
import { MemoryLastSignStore } from "../../privval/state-store.js";
import { blockHash } from "../../types/block.js";
import { VoteType } from "../../types/vote.js";
import type { Delivery, Envelope } from "../testkit/network.js";
import { TestNetwork } from "../testkit/network.js";
import type { NetMessage, TestNode } from "../testkit/node.js";
import { Adversary, type AdversaryStats, short } from "./adversary.js";
import { Gossip } from "./gossip.js";
import { livenessBoundMs, Monitor, type Violation, validBlock } from "./monitor.js";
import { Prng } from "./prng.js";
import {
  buildScenario,
  replayCommand,
  type Scenario,
  type ScenarioOptions,
  SIM_TIMEOUTS,
  scaleTimeouts,
} from "./scenario.js";
import { Trace } from "./trace.js";

export const SIM_CHAIN_ID = "dccn-sim";
const MAX_CACHED_CHECKS = 50_000;

export interface SimOptions extends ScenarioOptions {
  /** Record the trace (slower; failing seeds are re-run with it). */
  readonly trace?: boolean;
  /** Give up after this many events (a schedule that never ends is a liveness failure). */
  readonly maxEvents?: number;
}

export interface SimStats {
  readonly events: number;
  readonly virtualMs: number;
  /** Highest round in which an honest node decided. */
  readonly maxDecisionRound: number;
  /** Equivocations the honest drivers reported (evidence they would submit). */
  readonly equivocationsReported: number;
  readonly restarts: number;
  readonly replayedInputs: number;
  readonly gossipResent: number;
  /** Heights honest nodes committed by block-sync catch-up rather than by their driver. */
  readonly caughtUp: number;
  readonly adversary: AdversaryStats;
}

export interface SimResult {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly violation: Violation | null;
  readonly stats: SimStats;
  /** Hex hash of the block decided at each height 1..heights (empty where none was). */
  readonly decided: readonly string[];
  readonly trace: readonly string[];
  /** The command that replays this schedule exactly. */
  readonly replay: string;
}

const latin1 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

export async function simulate(seed: number, options: SimOptions = {}): Promise<SimResult> {
  const scenario = buildScenario(seed, options);
  const spec = scenario.network;
  const root = new Prng(seed);
  const netRng = root.fork("network");
  const trace = new Trace(options.trace === true);
  const byzantine = new Set(scenario.byzantine.map((b) => b.node));
  const isHonest = (i: number) => !byzantine.has(i);
  const nodeIds = scenario.powers.map((_, i) => i);
  const gossip = new Gossip(nodeIds.length, nodeIds.filter(isHonest));
  const adversary = new Adversary(scenario, root.fork("adversary"), gossip, trace, SIM_CHAIN_ID);
  const stores = nodeIds.map(() => new MemoryLastSignStore());
  // Signature checks are pure: every receiver of one message shares the answer (bounded).
  const verified = new Map<string, boolean>();
  // Created once the network exists; nothing is sent before `net.start()`.
  let monitor: Monitor | null = null;

  const net = await TestNetwork.create({
    powers: scenario.powers,
    chainId: SIM_CHAIN_ID,
    keyTag: "dccn-sim",
    timeoutsFor: (i) => scaleTimeouts(SIM_TIMEOUTS, scenario.skewPct[i] ?? 100),
    driverOptions: (i) =>
      isHonest(i)
        ? {
            unsafeIgnoreLock: scenario.unsafeIgnoreLock,
            unsafeCountDuplicateVotes: scenario.unsafeCountDuplicateVotes,
          }
        : {},
    signer: async (i, key, chainId) =>
      isHonest(i) ? Signer.withStore(stores[i]!, key, chainId) : adversary.signer(i, key),
    outbound: (i) =>
      isHonest(i)
        ? (message, network) => {
            gossip.learn(i, message);
            monitor?.recordHonestSend(i, message);
            trace.add(i, () => describeSend(message));
            network.broadcast(i, message);
          }
        : adversary.outbound(i),
    verifySignature: (publicKey, message, signature) => {
      const key = latin1(publicKey) + latin1(signature) + latin1(message);
      let ok = verified.get(key);
      if (ok === undefined) {
        ok = verifySignature(publicKey, message, signature);
        if (verified.size >= MAX_CACHED_CHECKS) verified.clear();
        verified.set(key, ok);
      }
      return ok;
    },
    validateBlock: (block, node) => {
      const height = node.driver.height;
      const prev = height === 1 ? new Uint8Array(0) : node.decisions.get(height - 1)?.commit.blockHash;
      return prev !== undefined && validBlock(block, SIM_CHAIN_ID, height, prev, net.validators);
    },
  });
  trace.useClock(() => net.now);
  const bound = livenessBoundMs(scenario, SIM_TIMEOUTS);
  const mon = new Monitor(scenario, net, isHonest, bound, trace);
  monitor = mon;

  const recorded = new WeakSet<NetMessage>();
  net.policy = (e: Envelope): Delivery => {
    if (e.message.kind === "proposal" && !recorded.has(e.message)) {
      recorded.add(e.message);
      mon.recordProposal(e.message);
    }
    const now = net.now;
    if (partitioned(scenario, e.from, e.to, now)) return "drop";
    const beforeGst = now < scenario.gstMs;
    if (beforeGst && spec.lossPerMille > 0 && netRng.chance(spec.lossPerMille)) return "drop";
    const delay = () =>
      beforeGst && spec.spikePerMille > 0 && netRng.chance(spec.spikePerMille)
        ? netRng.int(spec.maxDelayMs, spec.spikeMaxMs)
        : netRng.int(spec.minDelayMs, spec.maxDelayMs);
    let first = delay();
    if (beforeGst && holdsRelay(e)) first += netRng.int(spec.holdMaxMs >> 1, spec.holdMaxMs);
    if (spec.dupPerMille > 0 && netRng.chance(spec.dupPerMille)) {
      gossip.sent(e, 2);
      return { copiesDelayMs: [first, delay()] };
    }
    gossip.sent(e, 1);
    return { delayMs: first };
  };
  net.onDeliver = (e) => gossip.delivered(e, !net.nodes[e.to]!.silent);
  const byzantineAddresses = new Set(
    scenario.byzantine.map((b) => toHex(net.nodes[b.node]!.address ?? new Uint8Array(0))),
  );
  /** The adversarial pre-GST network holds back a relayed coalition vote (see NetworkSpec). */
  function holdsRelay(e: Envelope): boolean {
    if (!spec.holdRelays || e.message.kind !== "vote") return false;
    const signer = toHex(e.message.vote.validatorAddress);
    if (!byzantineAddresses.has(signer) || net.nodes[e.from]!.address === null) return false;
    return toHex(net.nodes[e.from]!.address!) !== signer;
  }

  const stats = { restarts: 0, replayedInputs: 0, gossipResent: 0, caughtUp: 0 };
  scheduleFaults(scenario, net, gossip, trace, stats);
  // Block sync: a node still at a height some honest peer decided a while ago gets that
  // block with its commit (see TestNode.catchUp), over the same faulty network.
  const catchUpAfterMs = 2 * scenario.network.gossipIntervalMs + scenario.network.maxDelayMs;
  const syncing = new Set<number>();
  const catchUp = () => {
    const now = net.now;
    for (const peer of net.nodes) {
      const height = peer.driver.height;
      if (peer.silent || syncing.has(peer.index) || height === 0 || peer.decisions.has(height)) continue;
      for (const relay of net.nodes) {
        if (!isHonest(relay.index) || relay.silent || relay === peer) continue;
        const d = relay.decisions.get(height);
        if (d === undefined || now - d.decidedAt < catchUpAfterMs) continue;
        if (partitioned(scenario, relay.index, peer.index, now)) continue;
        if (now < scenario.gstMs && spec.lossPerMille > 0 && netRng.chance(spec.lossPerMille)) break;
        syncing.add(peer.index);
        let delayMs = netRng.int(spec.minDelayMs, spec.maxDelayMs);
        if (now < scenario.gstMs && spec.holdRelays)
          delayMs += netRng.int(spec.holdMaxMs >> 1, spec.holdMaxMs);
        net.at(delayMs, () => {
          syncing.delete(peer.index);
          if (peer.catchUp(d.block, d.commit)) {
            stats.caughtUp++;
            trace.add(
              peer.index,
              `CATCHES UP: h${height} ${short(d.commit.blockHash)} from n${relay.index} (block sync)`,
            );
          }
        });
        break;
      }
    }
  };
  const tick = () => {
    stats.gossipResent += gossip.tick(net);
    catchUp();
    net.at(scenario.network.gossipIntervalMs, tick);
  };
  net.at(scenario.network.gossipIntervalMs, tick);
  for (const b of scenario.byzantine) {
    if (b.behaviours.includes("silent")) net.nodes[b.node]!.silent = true;
    adversary.armReplays(b.node, net);
  }
  if (trace.enabled) for (const line of describeNodes(net)) trace.add(null, line);

  const cursors = net.nodes.map(() => 0);
  const names = new Map(net.nodes.map((n) => [toHex(n.address ?? new Uint8Array(0)), n.index]));
  const maxEvents = options.maxEvents ?? 500_000 + scenario.heights * 100_000;
  net.start();
  try {
    for (;;) {
      if (mon.poll() !== null || mon.done()) break;
      if (net.events >= maxEvents) {
        mon.crashed(`event budget of ${maxEvents} exhausted at ${net.now} ms`);
        break;
      }
      if (!(await net.step())) {
        mon.stalled();
        break;
      }
      if (trace.enabled) traceEffects(net.nodes, cursors, names, trace);
    }
  } catch (err) {
    mon.crashed(err);
  }

  const honestNodes = net.nodes.filter((n) => isHonest(n.index));
  let maxDecisionRound = 0;
  let equivocationsReported = 0;
  for (const node of honestNodes) {
    for (const d of node.decisions.values()) maxDecisionRound = Math.max(maxDecisionRound, d.round);
    equivocationsReported += node.equivocations.length;
  }
  const decided: string[] = [];
  for (let h = 1; h <= scenario.heights; h++) {
    decided.push(honestNodes.map((n) => n.decidedHash(h)).find((x) => x !== undefined) ?? "");
  }
  return {
    seed,
    scenario,
    violation: mon.result,
    stats: {
      events: net.events,
      virtualMs: net.now,
      maxDecisionRound,
      equivocationsReported,
      ...stats,
      adversary: { ...adversary.stats },
    },
    decided,
    trace: trace.lines,
    replay: replayCommand(scenario),
  };
}

function partitioned(scenario: Scenario, from: number, to: number, now: number): boolean {
  for (const p of scenario.partitions) {
    if (now >= p.fromMs && now < p.toMs) return p.groupOf[from] !== p.groupOf[to];
  }
  return false;
}

function scheduleFaults(
  scenario: Scenario,
  net: TestNetwork,
  gossip: Gossip,
  trace: Trace,
  stats: { restarts: number; replayedInputs: number; gossipResent: number; caughtUp: number },
): void {
  for (const p of scenario.partitions) {
    net.at(p.fromMs, () => trace.add(null, `PARTITION forms: groups ${p.groupOf.join(",")} (by node)`));
    net.at(p.toMs, () => {
      trace.add(null, "PARTITION heals");
      stats.gossipResent += gossip.tick(net);
    });
  }
  for (const c of scenario.crashes) {
    net.at(c.atMs, () => {
      net.crash(c.node);
      gossip.forget(c.node);
      trace.add(c.node, "CRASHES");
    });
    net.at(c.restartMs, async () => {
      const replayed = await net.restart(c.node);
      const node = net.nodes[c.node]!;
      gossip.recall(c.node, node.walInputs);
      stats.restarts++;
      stats.replayedInputs += replayed;
      trace.add(
        c.node,
        `RESTARTS: WAL replay of ${replayed} inputs, back at h${node.driver.height} r${node.driver.round}`,
      );
      stats.gossipResent += gossip.tick(net);
    });
  }
  net.at(scenario.gstMs, () => trace.add(null, "GST: no more loss, partitions or crashes"));
}

function describeSend(message: NetMessage): string {
  if (message.kind === "proposal") {
    const p = message.proposal;
    return `proposes h${p.height} r${p.round} ${short(blockHash(p.block))} pol ${p.polRound}`;
  }
  const v = message.vote;
  return `${v.type === VoteType.Prevote ? "prevotes" : "precommits"} h${v.height} r${v.round} ${short(v.blockHash)}`;
}

function describeNodes(net: TestNetwork): string[] {
  return net.nodes.map((n) => {
    const v = net.validators.getByAddress(n.address ?? new Uint8Array(0));
    return `n${n.index}: validator ${toHex(n.address ?? new Uint8Array(0)).slice(0, 8)} power ${v?.votingPower ?? 0}`;
  });
}

function traceEffects(
  nodes: readonly TestNode[],
  cursors: number[],
  names: ReadonlyMap<string, number>,
  trace: Trace,
): void {
  for (const node of nodes) {
    const effects = node.effects;
    for (let k = cursors[node.index]!; k < effects.length; k++) {
      const e = effects[k]!;
      if (e.kind === "new_round") {
        trace.add(
          node.index,
          `enters h${e.height} r${e.round} (proposer n${names.get(toHex(e.proposer)) ?? "?"})`,
        );
      } else if (e.kind === "equivocation") {
        const who = names.get(toHex(e.first.validatorAddress)) ?? "?";
        trace.add(
          node.index,
          `sees n${who} equivocate h${e.first.height} r${e.first.round}: ${short(e.first.blockHash)} / ${short(e.second.blockHash)}`,
        );
      }
    }
    cursors[node.index] = effects.length;
  }
}
