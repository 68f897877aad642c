/**
 * Application-level peer reputation. Every subsystem reports misbehaviour here (invalid or
 * oversize gossip, floods, bad blocks or commits, timeouts); penalties decay over time, and a
 * peer whose penalty reaches the ban threshold is disconnected and refused for a while.
 * The penalty also feeds gossipsub's application-specific score (P5), so a penalised peer
 * drops out of meshes before it is banned.
 */
export type Misbehaviour =
  | "invalid_gossip"
  | "oversize_message"
  | "flood"
  | "malformed_message"
  | "invalid_block"
  | "invalid_commit"
  | "bad_response"
  | "timeout";

/** Default penalty points per misbehaviour (the default ban threshold is 100). */
export const PENALTY: Readonly<Record<Misbehaviour, number>> = {
  invalid_gossip: 20,
  oversize_message: 40,
  flood: 1,
  malformed_message: 40,
  invalid_block: 100,
  invalid_commit: 100,
  bad_response: 50,
  timeout: 15,
};

export interface PeerScorerOptions {
  /** Penalty at which a peer is banned. Default 100. */
  readonly banThreshold?: number;
  /** Time for a penalty to halve. Default 10 minutes. */
  readonly halfLifeMs?: number;
  /** How long a ban lasts. Default 10 minutes. */
  readonly banMs?: number;
  /** Most peers tracked; the smallest penalties are forgotten first. Default 10 000. */
  readonly maxPeers?: number;
  readonly now?: () => number;
}

interface Record_ {
  penalty: number;
  at: number;
  bannedUntil: number;
}

export class PeerScorer {
  private readonly peers = new Map<string, Record_>();
  private readonly banThreshold: number;
  private readonly halfLifeMs: number;
  private readonly banMs: number;
  private readonly maxPeers: number;
  private readonly now: () => number;
  private readonly banListeners = new Set<(peer: string, reason: Misbehaviour) => void>();

  constructor(opts: PeerScorerOptions = {}) {
    this.banThreshold = opts.banThreshold ?? 100;
    this.halfLifeMs = opts.halfLifeMs ?? 10 * 60_000;
    this.banMs = opts.banMs ?? 10 * 60_000;
    this.maxPeers = opts.maxPeers ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Called when a peer gets banned (the host disconnects it). */
  onBan(listener: (peer: string, reason: Misbehaviour) => void): () => void {
    this.banListeners.add(listener);
    return () => this.banListeners.delete(listener);
  }

  private decayed(r: Record_, now: number): number {
    const dt = now - r.at;
    return dt <= 0 ? r.penalty : r.penalty * 0.5 ** (dt / this.halfLifeMs);
  }

  /** Adds a penalty; returns true when this pushed the peer into a ban. */
  penalize(peer: string, reason: Misbehaviour, points: number = PENALTY[reason]): boolean {
    const now = this.now();
    const r = this.peers.get(peer) ?? { penalty: 0, at: now, bannedUntil: 0 };
    r.penalty = this.decayed(r, now) + points;
    r.at = now;
    this.peers.set(peer, r);
    this.evict();
    if (r.penalty >= this.banThreshold && r.bannedUntil <= now) {
      r.bannedUntil = now + this.banMs;
      for (const l of this.banListeners) l(peer, reason);
      return true;
    }
    return false;
  }

  /** The current (decayed) penalty, 0 for unknown peers. */
  penalty(peer: string): number {
    const r = this.peers.get(peer);
    return r === undefined ? 0 : this.decayed(r, this.now());
  }

  isBanned(peer: string): boolean {
    const r = this.peers.get(peer);
    return r !== undefined && r.bannedUntil > this.now();
  }

  /** Gossipsub P5: non-positive, the negated penalty. */
  appScore(peer: string): number {
    return -this.penalty(peer);
  }

  private evict(): void {
    if (this.peers.size <= this.maxPeers) return;
    const now = this.now();
    let victim: string | undefined;
    let least = Number.POSITIVE_INFINITY;
    for (const [id, r] of this.peers) {
      if (r.bannedUntil > now) continue;
      const p = this.decayed(r, now);
      if (p < least) {
        least = p;
        victim = id;
      }
    }
    if (victim !== undefined) this.peers.delete(victim);
  }
}
