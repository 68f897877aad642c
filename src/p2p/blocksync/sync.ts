/**
 * Block sync, the requesting side: a node behind the network learns its peers' heights (status
 * exchange on connect and periodically), fetches the blocks it lacks with their commits in
 * chunks from several peers in parallel (a bounded window ahead of the apply point), verifies
 * each block's commit against the validator set that must have signed it, and applies them in
 * order through the node's `applyBlock`. When no peer is ahead any more it calls `onCaughtUp`
 * (the node switches to consensus) and stops.
 *
 * Peers that send invalid blocks or commits are banned (through the peer scorer) and their
 * unapplied blocks discarded; peers that time out or break the protocol are penalised; their
 * chunks go to other peers.
 */
import { errorMessage } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { Block, Commit } from "../../types/block.js";
import type { ValidatorSet } from "../../types/validator.js";
import { P2pError } from "../errors.js";
import type { P2pHost } from "../host.js";
import { settleWithin } from "../timeout.js";
import { BlockSyncError } from "./errors.js";
import {
  type BlockSyncLimits,
  type PeerStatus,
  requestBlocks,
  requestStatus,
  type SyncedBlock,
} from "./protocol.js";
import { verifySyncedBlock } from "./verify.js";

export interface BlockSyncHandlers {
  /** Height of the last block applied to the state (0 before the first). */
  lastBlockHeight(): number;
  /** The validator set that signs block `lastBlockHeight() + 1`. */
  currentValidators(): ValidatorSet;
  /** Saves and applies a verified block with its commit. A throw stops sync (see onFatal). */
  applyBlock(block: Block, commit: Commit): Promise<void>;
  /** No peer is ahead: start consensus at `height + 1`. */
  onCaughtUp(height: number): void;
  /** Applying a verified block failed; the node cannot continue safely. */
  onFatal?(err: BlockSyncError): void;
}

export interface BlockSyncOptions {
  readonly chainId: string;
  /** Heights fetched ahead of the apply point at most. Default 64. */
  readonly windowBlocks?: number;
  /** Blocks per request. Default 8. */
  readonly chunkBlocks?: number;
  /** Requests in flight per peer. Default 2. */
  readonly maxInflightPerPeer?: number;
  readonly requestTimeoutMs?: number;
  readonly statusTimeoutMs?: number;
  /** How often peers are asked for their height. Default 2000. */
  readonly statusIntervalMs?: number;
  /** With no peer at all for this long after start, assume we are at the tip. Default 5000. */
  readonly noPeersGraceMs?: number;
  readonly progressLogMs?: number;
  /** Largest block response (block + commit). Default: proposal gossip limit + 1 MiB. */
  readonly maxMessageBytes?: number;
}

export interface BlockSyncModules {
  readonly host: P2pHost;
  readonly handlers: BlockSyncHandlers;
  readonly logger: Logger;
}

export interface SyncProgress {
  readonly syncing: boolean;
  /** Last applied height. */
  readonly height: number;
  /** Highest height a peer reported. */
  readonly target: number;
  /** Blocks applied per second over the last 10 s. */
  readonly blocksPerSecond: number;
  readonly peers: number;
  readonly applied: number;
}

interface PeerState {
  base: number;
  height: number;
  inflight: number;
}

interface Received extends SyncedBlock {
  readonly peer: string;
}

const RATE_WINDOW_MS = 10_000;

export class BlockSync {
  private readonly peers = new Map<string, PeerState>();
  private readonly requested = new Map<number, string>();
  private readonly received = new Map<number, Received>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly appliedAt: number[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly window: number;
  private readonly chunk: number;
  private readonly maxInflight: number;
  private readonly limits: BlockSyncLimits;
  private readonly statusLimits: BlockSyncLimits;
  private running = false;
  private applying = false;
  private statusRoundDone = false;
  private startedAt = 0;
  private applied = 0;
  private removeListener: (() => void) | null = null;
  private caughtUp = deferred<number>();

  constructor(
    private readonly opts: BlockSyncOptions,
    private readonly m: BlockSyncModules,
  ) {
    this.window = opts.windowBlocks ?? 64;
    this.chunk = opts.chunkBlocks ?? 8;
    this.maxInflight = opts.maxInflightPerPeer ?? 2;
    this.limits = {
      timeoutMs: opts.requestTimeoutMs ?? 20_000,
      maxMessageBytes: opts.maxMessageBytes ?? m.host.gossipLimits.maxProposalBytes + 1024 * 1024,
    };
    this.statusLimits = { timeoutMs: opts.statusTimeoutMs ?? 3000, maxMessageBytes: 64 };
    // Avoid an unhandled rejection when nobody awaits whenCaughtUp().
    this.caughtUp.promise.catch(() => {});
  }

  /** Starts syncing (again, after a previous catch-up, if the node fell behind). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.statusRoundDone = false;
    this.startedAt = Date.now();
    this.caughtUp = deferred<number>();
    this.caughtUp.promise.catch(() => {});
    this.removeListener = this.m.host.addPeerListener({
      onConnect: (peer) => void this.refreshStatus(peer).then(() => this.pump()),
      onDisconnect: (peer) => this.dropPeer(peer),
    });
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.statusIntervalMs ?? 2000, () => void this.statusRound());
    every(this.opts.progressLogMs ?? 5000, () => this.logProgress());
    const grace = setTimeout(() => this.pump(), (this.opts.noPeersGraceMs ?? 5000) + 10);
    grace.unref();
    this.timers.push(grace);
    this.m.logger.info("block sync started", { height: this.m.handlers.lastBlockHeight() });
    void this.statusRound();
  }

  /** Stops fetching; in-flight requests are awaited (bounded) and their results discarded. */
  async stop(): Promise<void> {
    const was = this.running;
    this.halt();
    if (was) this.caughtUp.reject(new BlockSyncError("BLOCKSYNC_STOPPED", "block sync was stopped"));
    await settleWithin(Promise.allSettled([...this.inflight]), 5000);
  }

  /** Resolves with the height at which sync handed over to consensus. */
  whenCaughtUp(): Promise<number> {
    return this.caughtUp.promise;
  }

  get isSyncing(): boolean {
    return this.running;
  }

  progress(): SyncProgress {
    const now = Date.now();
    while (this.appliedAt.length > 0 && this.appliedAt[0]! < now - RATE_WINDOW_MS) this.appliedAt.shift();
    const span = Math.min(RATE_WINDOW_MS, Math.max(1, now - this.startedAt)) / 1000;
    return {
      syncing: this.running,
      height: this.m.handlers.lastBlockHeight(),
      target: this.maxPeerHeight(),
      blocksPerSecond: Math.round((this.appliedAt.length / span) * 10) / 10,
      peers: this.peers.size,
      applied: this.applied,
    };
  }

  /** Highest height any peer reported (0 when none). */
  maxPeerHeight(): number {
    let max = 0;
    for (const p of this.peers.values()) max = Math.max(max, p.height);
    return max;
  }

  private halt(): void {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    this.removeListener?.();
    this.removeListener = null;
  }

  private logProgress(): void {
    const p = this.progress();
    this.m.logger.info("block sync progress", {
      height: p.height,
      target: p.target,
      blocks_per_s: p.blocksPerSecond,
      peers: p.peers,
    });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work)).catch(() => {});
    return work;
  }

  private async statusRound(): Promise<void> {
    if (!this.running) return;
    await Promise.all(this.m.host.connectedPeers().map((p) => this.refreshStatus(p)));
    this.statusRoundDone = true;
    this.pump();
  }

  private async refreshStatus(peer: string): Promise<void> {
    if (!this.running) return;
    try {
      const s = await this.track(requestStatus(this.m.host, peer, this.statusLimits));
      this.updatePeer(peer, s);
    } catch (err) {
      // Peers that do not speak block sync (or left) are simply not sync sources.
      if (err instanceof P2pError && err.code === "P2P_BAD_MESSAGE")
        this.m.host.penalize(peer, "bad_response");
      if (err instanceof P2pError && err.code === "P2P_TIMEOUT") this.m.host.penalize(peer, "timeout", 5);
      this.m.logger.debug("status request failed", { peer, err: errorMessage(err) });
    }
  }

  private updatePeer(peer: string, s: PeerStatus): void {
    if (!this.m.host.isConnected(peer)) return;
    const prev = this.peers.get(peer);
    this.peers.set(peer, { base: s.base, height: s.height, inflight: prev?.inflight ?? 0 });
  }

  private dropPeer(peer: string): void {
    this.peers.delete(peer);
    for (const [h, p] of this.requested) if (p === peer) this.requested.delete(h);
    this.pump();
  }

  /** Drives everything: apply what is ready, detect the tip, hand out requests. */
  private pump(): void {
    if (!this.running) return;
    const last = this.m.handlers.lastBlockHeight();
    for (const h of this.received.keys()) if (h <= last) this.received.delete(h);
    for (const h of this.requested.keys()) if (h <= last) this.requested.delete(h);
    if (!this.applying && this.received.has(last + 1)) {
      void this.applyReady();
      return;
    }
    const target = this.maxPeerHeight();
    if (this.statusRoundDone && !this.applying && this.requested.size === 0 && this.received.size === 0) {
      const noPeersFor = this.peers.size === 0 ? Date.now() - this.startedAt : 0;
      if ((this.peers.size > 0 && last >= target) || noPeersFor >= (this.opts.noPeersGraceMs ?? 5000)) {
        this.finish(last);
        return;
      }
    }
    this.schedule(last + 1, target);
  }

  private schedule(next: number, target: number): void {
    const end = Math.min(target, next + this.window - 1);
    let h = next;
    while (h <= end) {
      if (this.received.has(h) || this.requested.has(h)) {
        h++;
        continue;
      }
      const peer = this.pickPeer(h);
      if (peer === null) {
        h++;
        continue;
      }
      const state = this.peers.get(peer)!;
      let count = 0;
      while (
        count < this.chunk &&
        h + count <= Math.min(end, state.height) &&
        !this.received.has(h + count) &&
        !this.requested.has(h + count)
      ) {
        this.requested.set(h + count, peer);
        count++;
      }
      void this.fetch(peer, h, count);
      h += count;
    }
  }

  /** The peer with the fewest requests in flight that has height `h`. */
  private pickPeer(h: number): string | null {
    let best: string | null = null;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const [id, p] of this.peers) {
      if (p.height < h || (p.base > h && p.base !== 0) || p.inflight >= this.maxInflight) continue;
      if (this.m.host.scorer.isBanned(id)) continue;
      if (p.inflight < bestLoad) {
        best = id;
        bestLoad = p.inflight;
      }
    }
    return best;
  }

  private async fetch(peer: string, from: number, count: number): Promise<void> {
    const state = this.peers.get(peer);
    if (state !== undefined) state.inflight++;
    try {
      const r = await this.track(requestBlocks(this.m.host, peer, from, count, this.limits));
      if (!this.running) return;
      const last = this.m.handlers.lastBlockHeight();
      r.blocks.forEach((b, i) => {
        const h = from + i;
        if (h > last && this.requested.get(h) === peer) this.received.set(h, { ...b, peer });
      });
      if (r.missingFrom !== null) {
        const s = this.peers.get(peer);
        // It claimed a height it cannot serve: a liar would otherwise hold us back from the tip.
        if (s !== undefined && r.missingFrom <= s.height) this.m.host.penalize(peer, "bad_response", 25);
        if (s !== undefined) s.height = Math.min(s.height, r.missingFrom - 1);
      }
    } catch (err) {
      if (err instanceof P2pError && err.code === "P2P_TIMEOUT") this.m.host.penalize(peer, "timeout");
      else if (err instanceof P2pError && err.code === "P2P_BAD_MESSAGE")
        this.m.host.penalize(peer, "bad_response");
      else if (err instanceof P2pError && err.code === "P2P_MESSAGE_TOO_LARGE") {
        this.m.host.penalize(peer, "oversize_message");
      }
      this.m.logger.debug("block request failed", { peer, from, count, err: errorMessage(err) });
    } finally {
      const s = this.peers.get(peer);
      if (s !== undefined) s.inflight = Math.max(0, s.inflight - 1);
      for (let h = from; h < from + count; h++) {
        if (this.requested.get(h) === peer && !this.received.has(h)) this.requested.delete(h);
      }
      this.pump();
    }
  }

  private async applyReady(): Promise<void> {
    this.applying = true;
    try {
      while (this.running) {
        const h = this.m.handlers.lastBlockHeight() + 1;
        const item = this.received.get(h);
        if (item === undefined) break;
        // Stays "requested" while it is applied, so nothing asks for it again meanwhile.
        this.received.delete(h);
        try {
          verifySyncedBlock(
            this.opts.chainId,
            this.m.handlers.currentValidators(),
            h,
            item.block,
            item.commit,
          );
        } catch (err) {
          this.requested.delete(h);
          this.rejectPeer(item.peer, h, err);
          continue;
        }
        try {
          await this.m.handlers.applyBlock(item.block, item.commit);
        } catch (err) {
          this.fail(h, err);
          return;
        }
        this.requested.delete(h);
        this.applied++;
        this.appliedAt.push(Date.now());
        if (this.appliedAt.length > 100_000) this.appliedAt.shift();
      }
    } finally {
      this.applying = false;
    }
    this.pump();
  }

  private rejectPeer(peer: string, height: number, err: unknown): void {
    const code = err instanceof BlockSyncError ? err.code : "BLOCKSYNC_INVALID_BLOCK";
    this.m.logger.warn("peer sent an invalid block; banning it", { peer, height, err: errorMessage(err) });
    this.m.host.penalize(peer, code === "BLOCKSYNC_INVALID_COMMIT" ? "invalid_commit" : "invalid_block");
    // Nothing else from this peer is trusted either.
    for (const [h, r] of this.received) if (r.peer === peer) this.received.delete(h);
    for (const [h, p] of this.requested) if (p === peer) this.requested.delete(h);
    this.peers.delete(peer);
  }

  private fail(height: number, err: unknown): void {
    const e = new BlockSyncError(
      "BLOCKSYNC_APPLY_FAILED",
      `applying synced block ${height} failed: ${errorMessage(err)}`,
      { height },
      { cause: err },
    );
    this.m.logger.error("block sync stopped", { height, err: e.message });
    this.halt();
    this.caughtUp.reject(e);
    this.m.handlers.onFatal?.(e);
  }

  private finish(height: number): void {
    this.halt();
    this.received.clear();
    this.requested.clear();
    this.m.logger.info("block sync caught up; switching to consensus", {
      height,
      applied: this.applied,
      peers: this.peers.size,
    });
    this.caughtUp.resolve(height);
    this.m.handlers.onCaughtUp(height);
  }
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
