/**
 * A schedule's fixed plan, drawn from its seed: validators and powers, who is Byzantine and
 * how, clock skew, the network's delays/loss/duplication, partitions that form and heal,
 * crashes and restarts, and GST — the time after which the network is reliable again.
 * Draws happen in the same order whatever the options, so `--validators N` with the N a seed
 * drew gives back exactly that seed's schedule.
 */
import type { TimeoutConfig } from "../types.js";
import { SimError } from "./errors.js";
import { Prng } from "./prng.js";

export type ByzantineBehaviour =
  /** Two different proposals in one round, to different parts of the network. */
  | "equivocate_proposal"
  /** Conflicting prevotes and precommits, to different parts of the network. */
  | "double_vote"
  /** Sends and processes nothing. */
  | "silent"
  /** Re-sends messages of earlier rounds and heights. */
  | "replay_old"
  /** Proposes blocks that fail validation. */
  | "invalid_proposal";

export const BYZANTINE_BEHAVIOURS: readonly ByzantineBehaviour[] = [
  "equivocate_proposal",
  "double_vote",
  "silent",
  "replay_old",
  "invalid_proposal",
];

export interface ByzantineSpec {
  readonly node: number;
  readonly behaviours: readonly ByzantineBehaviour[];
}

/** Nodes in different groups cannot talk during [fromMs, toMs). */
export interface Partition {
  readonly fromMs: number;
  readonly toMs: number;
  /** Group number of each node. */
  readonly groupOf: readonly number[];
}

export interface Crash {
  readonly node: number;
  readonly atMs: number;
  readonly restartMs: number;
}

export interface NetworkSpec {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Before GST: chance (‰) that a delivery takes up to `spikeMaxMs`. */
  readonly spikePerMille: number;
  readonly spikeMaxMs: number;
  /** Before GST: chance (‰) that a delivery is lost. */
  readonly lossPerMille: number;
  /** Chance (‰) that a delivery arrives twice. */
  readonly dupPerMille: number;
  /**
   * Before GST the adversary schedules the network: when set, it holds back for half to all
   * of `holdMaxMs` every Byzantine validator's vote relayed by someone else (and block-sync
   * replies), so gossip cannot quickly undo what the coalition showed each side.
   */
  readonly holdRelays: boolean;
  readonly holdMaxMs: number;
  /** Period of the gossip that re-sends what a peer misses (CometBFT's vote/block gossip). */
  readonly gossipIntervalMs: number;
}

export interface Scenario {
  readonly seed: number;
  readonly heights: number;
  readonly powers: readonly number[];
  readonly byzantine: readonly ByzantineSpec[];
  /** Per node: its timeouts are scaled by pct/100 (a fast or slow clock). */
  readonly skewPct: readonly number[];
  readonly network: NetworkSpec;
  readonly partitions: readonly Partition[];
  readonly crashes: readonly Crash[];
  /** From here on: no loss, no partition, no crash, delays ≤ maxDelayMs. */
  readonly gstMs: number;
  /** Negative controls: safety switches broken on every honest node. */
  readonly unsafeIgnoreLock: boolean;
  readonly unsafeCountDuplicateVotes: boolean;
}

export interface ScenarioOptions {
  /** Number of validators; default drawn from the seed in [4, 7]. */
  readonly validators?: number;
  /** Heights every honest node must decide; default 10. */
  readonly heights?: number;
  /** TEST ONLY: honest nodes prevote ignoring their lock (the simulator must catch it). */
  readonly unsafeIgnoreLock?: boolean;
  /** TEST ONLY: honest nodes count identical duplicate votes again (the simulator must catch it). */
  readonly unsafeCountDuplicateVotes?: boolean;
}

export const DEFAULT_HEIGHTS = 10;
export const MAX_VALIDATORS = 64;
export const MAX_HEIGHTS = 10_000;

/** Base timeouts of the simulated nodes (virtual milliseconds), before clock skew. */
export const SIM_TIMEOUTS: TimeoutConfig = {
  proposeMs: 500,
  proposeDeltaMs: 200,
  prevoteMs: 250,
  prevoteDeltaMs: 150,
  precommitMs: 250,
  precommitDeltaMs: 150,
  commitMs: 150,
  createEmptyBlocks: true,
};

export function scaleTimeouts(t: TimeoutConfig, pct: number): TimeoutConfig {
  const s = (ms: number) => Math.floor((ms * pct) / 100);
  return {
    proposeMs: s(t.proposeMs),
    proposeDeltaMs: s(t.proposeDeltaMs),
    prevoteMs: s(t.prevoteMs),
    prevoteDeltaMs: s(t.prevoteDeltaMs),
    precommitMs: s(t.precommitMs),
    precommitDeltaMs: s(t.precommitDeltaMs),
    commitMs: s(t.commitMs),
    createEmptyBlocks: t.createEmptyBlocks,
  };
}

function checkCount(name: string, value: number | undefined, max: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new SimError("SIM_BAD_OPTIONS", `${name} must be an integer in [1, ${max}], got ${value}`, {
      [name]: value,
    });
  }
}

export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new SimError("SIM_BAD_OPTIONS", `a seed is an integer in [0, 4294967295], got ${seed}`, { seed });
  }
}

export function buildScenario(seed: number, options: ScenarioOptions = {}): Scenario {
  checkSeed(seed);
  checkCount("validators", options.validators, MAX_VALIDATORS);
  checkCount("heights", options.heights, MAX_HEIGHTS);
  const heights = options.heights ?? DEFAULT_HEIGHTS;
  const rng = new Prng(seed).fork("scenario");

  const drawn = rng.int(4, 7);
  const n = options.validators ?? drawn;
  const equal = rng.chance(200);
  const powers = Array.from({ length: n }, () => (equal ? 1 : rng.int(1, 10)));
  const total = powers.reduce((a, b) => a + b, 0);

  // Byzantine: as much power as stays strictly below a third, usually.
  // Usually one coalition playing together; sometimes each member its own way.
  const byzantine: ByzantineSpec[] = [];
  if (rng.chance(850)) {
    const shared = rng.chance(600) ? drawBehaviours(rng) : null;
    let power = 0;
    for (const node of rng.shuffle(powers.map((_, i) => i))) {
      const p = powers[node]!;
      if (3 * (power + p) >= total) continue;
      power += p;
      byzantine.push({ node, behaviours: shared ?? drawBehaviours(rng) });
    }
  }
  const byz = new Set(byzantine.map((b) => b.node));
  const honest = powers.map((_, i) => i).filter((i) => !byz.has(i));

  // Within ±25%: with linear timeouts, a wider spread lets a slow proposer fall further behind
  // every round (its lag grows faster than a fast node's propose timeout), which no
  // partially synchronous protocol survives.
  const skewPct = powers.map(() => rng.int(80, 125));
  if (rng.chance(300)) skewPct.fill(100);

  const minDelayMs = rng.int(1, 20);
  const spread = rng.int(0, 99);
  const maxDelayMs =
    minDelayMs + (spread < 60 ? rng.int(10, 150) : spread < 90 ? rng.int(150, 600) : rng.int(600, 1500));
  const network: NetworkSpec = {
    minDelayMs,
    maxDelayMs,
    spikePerMille: rng.int(0, 50),
    spikeMaxMs: rng.int(1000, 5000),
    lossPerMille: rng.chance(500) ? rng.int(1, 200) : 0,
    dupPerMille: rng.chance(500) ? rng.int(1, 200) : 0,
    gossipIntervalMs: rng.int(200, 1000),
    holdRelays: rng.chance(750),
    holdMaxMs: rng.int(3000, 15000),
  };

  // Chaos happens within the horizon; partitions are consecutive episodes.
  // Half the schedules stabilise early (liveness after GST is exercised for most heights),
  // half stay adversarial for most of the run (more room for attacks on safety).
  const horizon = rng.chance(500) ? rng.int(0, heights * 800) : rng.int(heights * 1000, heights * 3000);
  const partitions: Partition[] = [];
  const episodes = horizon === 0 ? 0 : rng.int(0, 3);
  let cursor = 0;
  for (let k = 0; k < episodes; k++) {
    const fromMs = cursor + rng.int(0, Math.floor(horizon / episodes));
    const toMs = fromMs + rng.int(200, 6000);
    const groups = rng.chance(300) ? 3 : 2;
    const groupOf = powers.map(() => rng.int(0, groups - 1));
    partitions.push({ fromMs, toMs, groupOf });
    cursor = toMs;
  }
  const crashes: Crash[] = [];
  const crashCount = horizon === 0 ? 0 : rng.int(0, 2);
  const crashable = rng.shuffle(honest);
  for (let k = 0; k < crashCount && k < crashable.length; k++) {
    const atMs = rng.int(0, horizon);
    crashes.push({ node: crashable[k]!, atMs, restartMs: atMs + rng.int(100, 5000) });
  }
  let gstMs = horizon;
  for (const p of partitions) gstMs = Math.max(gstMs, p.toMs);
  for (const c of crashes) gstMs = Math.max(gstMs, c.restartMs);

  return {
    seed,
    heights,
    powers,
    byzantine: byzantine.sort((a, b) => a.node - b.node),
    skewPct,
    network,
    partitions,
    crashes,
    gstMs,
    unsafeIgnoreLock: options.unsafeIgnoreLock === true,
    unsafeCountDuplicateVotes: options.unsafeCountDuplicateVotes === true,
  };
}

function drawBehaviours(rng: Prng): ByzantineBehaviour[] {
  if (rng.chance(100)) return ["silent"];
  const active = BYZANTINE_BEHAVIOURS.filter((b) => b !== "silent");
  const chosen = active.filter(() => rng.chance(800));
  return chosen.length > 0 ? chosen : [rng.pick(active)];
}

/** The command that replays `scenario` exactly. */
export function replayCommand(scenario: Scenario): string {
  const flags = [
    `--seed ${scenario.seed}`,
    `--validators ${scenario.powers.length}`,
    `--heights ${scenario.heights}`,
  ];
  if (scenario.unsafeIgnoreLock) flags.push("--unsafe-ignore-lock");
  if (scenario.unsafeCountDuplicateVotes) flags.push("--unsafe-count-duplicate-votes");
  return `npm run sim -- ${flags.join(" ")}`;
}

/** One line per aspect, for traces and failure reports. */
export function describeScenario(s: Scenario): string[] {
  const byz = new Map(s.byzantine.map((b) => [b.node, b.behaviours]));
  const lines = [
    `seed ${s.seed}: ${s.powers.length} validators, ${s.heights} heights, GST at ${s.gstMs} ms`,
    `powers: ${s.powers.map((p, i) => `n${i}=${p}`).join(" ")} (total ${s.powers.reduce((a, b) => a + b, 0)})`,
    `byzantine: ${
      s.byzantine.length === 0
        ? "none"
        : [...byz].map(([n, b]) => `n${n}=${s.powers[n]} [${b.join(", ")}]`).join("; ")
    }`,
    `clock skew (timeouts %): ${s.skewPct.map((p, i) => `n${i}=${p}`).join(" ")}`,
    `network: delay ${s.network.minDelayMs}-${s.network.maxDelayMs} ms, spikes ${s.network.spikePerMille}‰ up to ${s.network.spikeMaxMs} ms, loss ${s.network.lossPerMille}‰ (before GST), duplication ${s.network.dupPerMille}‰, gossip every ${s.network.gossipIntervalMs} ms, ${s.network.holdRelays ? `relayed Byzantine votes held up to ${s.network.holdMaxMs} ms before GST` : "relays not held"}`,
  ];
  for (const p of s.partitions) {
    const groups = new Map<number, number[]>();
    p.groupOf.forEach((g, i) => {
      groups.set(g, [...(groups.get(g) ?? []), i]);
    });
    const text = [...groups.values()].map((g) => g.map((i) => `n${i}`).join(",")).join(" | ");
    lines.push(`partition ${p.fromMs}-${p.toMs} ms: ${text}`);
  }
  for (const c of s.crashes) lines.push(`crash n${c.node} at ${c.atMs} ms, restart at ${c.restartMs} ms`);
  if (s.unsafeIgnoreLock) lines.push("honest nodes: unsafeIgnoreLock (negative control)");
  if (s.unsafeCountDuplicateVotes) lines.push("honest nodes: unsafeCountDuplicateVotes (negative control)");
  return lines;
}
