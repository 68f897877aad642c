/**
 * The SLSBFT election, pure: draw up to `count` candidates at random without replacement, each
 * draw picking a remaining candidate with probability weight / (sum of remaining weights), from
 * a seeded SHA-256 stream (prng.ts). Candidates are put in byte order of their id first, so the
 * result depends only on (candidate set, weights, count, seed) — never on input order.
 *
 * A Fenwick tree over the weights makes each draw O(log n): 100 of 10,000 candidates costs a few
 * thousand bigint operations, not a million.
 */
import { compareBytes, toHex, u64be, utf8 } from "../../codec/bytes.js";
import { sha256 } from "../../crypto/hash.js";
import { DccnError } from "../../errors.js";
import { Sha256Prng } from "./prng.js";

export interface WeightedCandidate<T> {
  /** Unique; fixes the order the draw sees (the operator address). */
  readonly id: Uint8Array;
  /** Stake × service level; candidates with weight ≤ 0 cannot be drawn. */
  readonly weight: bigint;
  readonly value: T;
}

/**
 * Sum of the voting powers an election hands out (each elected validator gets at least 1, so the
 * total may exceed it by at most the set size). Far below this chain's 2^50 cap (3 × total must
 * stay an exact JS integer) and CometBFT's MaxInt64/8, yet fine-grained enough that powers keep
 * the weights' proportions to 12 significant digits.
 */
export const VOTING_POWER_TOTAL = 1_000_000_000_000n;

/** The election seed: SHA-256 over a domain tag, the chain id, the height and a committed block hash. */
export function electionSeed(chainId: string, height: number, blockHash: Uint8Array): Uint8Array {
  return sha256(utf8("dccn/staking/election/v1"), Uint8Array.of(0), utf8(chainId), u64be(height), blockHash);
}

/** Prefix sums over bigint weights with point updates and "find by cumulative weight". */
class Fenwick {
  private readonly tree: bigint[];
  private readonly topBit: number;

  constructor(weights: readonly bigint[]) {
    const n = weights.length;
    this.tree = new Array<bigint>(n + 1).fill(0n);
    for (let i = 1; i <= n; i++) {
      this.tree[i]! += weights[i - 1]!;
      const j = i + (i & -i);
      if (j <= n) this.tree[j]! += this.tree[i]!;
    }
    let top = 1;
    while (top * 2 <= n) top *= 2;
    this.topBit = n === 0 ? 0 : top;
  }

  add(index: number, delta: bigint): void {
    for (let i = index + 1; i < this.tree.length; i += i & -i) this.tree[i]! += delta;
  }

  /** The smallest index whose prefix sum (inclusive) exceeds `target` (0 ≤ target < total). */
  find(target: bigint): number {
    let pos = 0;
    let rest = target;
    for (let step = this.topBit; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < this.tree.length && this.tree[next]! <= rest) {
        pos = next;
        rest -= this.tree[next]!;
      }
    }
    return pos;
  }
}

/**
 * Draws up to `count` distinct candidates, weighted, without replacement; returns them in draw
 * order. Throws on a repeated id (a caller bug: the same operator twice).
 */
export function drawWeighted<T>(
  candidates: readonly WeightedCandidate<T>[],
  count: number,
  seed: Uint8Array,
): WeightedCandidate<T>[] {
  const pool = candidates.filter((c) => c.weight > 0n).sort((a, b) => compareBytes(a.id, b.id));
  for (let i = 1; i < pool.length; i++) {
    if (compareBytes(pool[i - 1]!.id, pool[i]!.id) === 0) {
      throw new DccnError(
        "STAKING_DUPLICATE_CANDIDATE",
        `election: candidate ${toHex(pool[i]!.id)} appears twice`,
      );
    }
  }
  const weights = pool.map((c) => c.weight);
  const tree = new Fenwick(weights);
  let total = weights.reduce((s, w) => s + w, 0n);
  const prng = new Sha256Prng(seed);
  const picked: WeightedCandidate<T>[] = [];
  const draws = Math.min(Math.max(0, count), pool.length);
  for (let d = 0; d < draws; d++) {
    const i = tree.find(prng.below(total));
    const c = pool[i]!;
    picked.push(c);
    tree.add(i, -c.weight);
    total -= c.weight;
  }
  return picked;
}

/**
 * Integer voting powers proportional to `weights`: floor(w · VOTING_POWER_TOTAL / Σw), at least 1.
 */
export function votingPowers(weights: readonly bigint[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0n);
  if (total <= 0n) return weights.map(() => 0);
  return weights.map((w) => {
    const p = (w * VOTING_POWER_TOTAL) / total;
    return p < 1n ? 1 : Number(p);
  });
}

export interface SetMember {
  readonly consAddress: Uint8Array;
  readonly pubKey: Uint8Array;
  readonly power: number;
}

/**
 * The validator updates that turn `current` into `next`: power 0 for members that leave, the new
 * power for members that join or change; unchanged members are left out. Sorted by public key.
 */
export function setDiff(
  current: readonly SetMember[],
  next: readonly SetMember[],
): { pubKey: Uint8Array; power: number }[] {
  const now = new Map(current.map((m) => [toHex(m.consAddress), m]));
  const then = new Map(next.map((m) => [toHex(m.consAddress), m]));
  const out: { pubKey: Uint8Array; power: number }[] = [];
  for (const [id, m] of now) if (!then.has(id)) out.push({ pubKey: m.pubKey, power: 0 });
  for (const [id, m] of then) {
    if (now.get(id)?.power !== m.power) out.push({ pubKey: m.pubKey, power: m.power });
  }
  return out.sort((a, b) => compareBytes(a.pubKey, b.pubKey));
}
