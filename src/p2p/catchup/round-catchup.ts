/**
 * Consensus catch-up, so consensus never depends on gossip delivering every message: when this
 * node's (height, round) has not moved for `stallMs`, it asks a few peers for the proposal and
 * votes of that height/round (and, if a peer already decided the height, the block and its
 * commit). Answers go through the same handlers as gossip, so they are verified the same way
 * and a peer answering with invalid messages is penalised.
 *
 * Serving: the node's `getRoundMessages(height, round)` answers, rate-limited per peer.
 */
import type { Stream } from "@libp2p/interface";
import { errorMessage } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { Block, Commit } from "../../types/block.js";
import type { Proposal, Vote } from "../../types/vote.js";
import { P2pError } from "../errors.js";
import { Exchange } from "../exchange.js";
import type { GossipVerdict } from "../gossip/gossip.js";
import type { P2pHost } from "../host.js";
import { PeerRateLimiter } from "../rate-limit.js";
import { settleWithin } from "../timeout.js";
import {
  decodeRoundMessages,
  decodeRoundRequest,
  EMPTY_ROUND_MESSAGES,
  encodeRoundMessages,
  encodeRoundRequest,
  type RoundMessages,
  type RoundRequest,
} from "./messages.js";

export const CATCHUP_PROTOCOL = "consensus/catchup/1.0.0";

export interface CurrentRound {
  readonly height: number;
  readonly round: number;
  /** Whether this node already holds the round's proposal (then peers leave it out). */
  readonly hasProposal: boolean;
}

export interface CatchupHandlers {
  /** Where consensus is now; null while not running consensus (e.g. block syncing). */
  currentRound(): CurrentRound | null;
  /** Serving side: what this node has for `height` that helps a peer stuck at `round`. */
  getRoundMessages(height: number, round: number): RoundMessages | Promise<RoundMessages>;
  /** Receiving side: the same checks and delivery as gossip. */
  onProposal(proposal: Proposal, from: string): GossipVerdict | Promise<GossipVerdict>;
  onVote(vote: Vote, from: string): GossipVerdict | Promise<GossipVerdict>;
  /** A height the peer already decided (verify the commit before using it). Default: ignored. */
  onDecided?(block: Block, commit: Commit, from: string): GossipVerdict | Promise<GossipVerdict>;
}

export interface RoundCatchupOptions {
  /** Ask peers when (height, round) has not changed for this long. Default 2000. */
  readonly stallMs?: number;
  /** Peers asked per attempt. Default 2. */
  readonly peersPerAttempt?: number;
  readonly requestTimeoutMs?: number;
  /** Largest response accepted (a proposal carries a block). Default: twice the proposal gossip limit. */
  readonly maxResponseBytes?: number;
  readonly maxVotes?: number;
  /** Requests served per peer per second. Default 4. */
  readonly servePerSecond?: number;
}

export interface RoundCatchupModules {
  readonly host: P2pHost;
  readonly handlers: CatchupHandlers;
  readonly logger: Logger;
}

export interface CatchupResult {
  readonly accepted: number;
  readonly rejected: number;
}

export class RoundCatchup {
  private readonly protocol: string;
  private readonly stallMs: number;
  private readonly peersPerAttempt: number;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxVotes: number;
  private readonly serveLimiter: PeerRateLimiter;
  private timer: NodeJS.Timeout | null = null;
  private last: { height: number; round: number; since: number } | null = null;
  private attempt: Promise<unknown> | null = null;

  constructor(
    opts: RoundCatchupOptions,
    private readonly m: RoundCatchupModules,
  ) {
    this.protocol = m.host.protocolId(CATCHUP_PROTOCOL);
    this.stallMs = opts.stallMs ?? 2000;
    this.peersPerAttempt = opts.peersPerAttempt ?? 2;
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    this.maxResponseBytes = opts.maxResponseBytes ?? m.host.gossipLimits.maxProposalBytes * 2 + 256 * 1024;
    this.maxVotes = opts.maxVotes ?? 10_000;
    const perSecond = opts.servePerSecond ?? 4;
    this.serveLimiter = new PeerRateLimiter({ perSecond, burst: perSecond * 2 });
  }

  async start(): Promise<void> {
    await this.m.host.handle(this.protocol, (stream, peer) => this.serve(stream, peer), {
      maxInboundStreams: 8,
    });
    const tick = Math.max(50, Math.floor(this.stallMs / 2));
    this.timer = setInterval(() => this.check(), tick);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.m.host.unhandle(this.protocol);
    if (this.attempt !== null) await settleWithin(this.attempt, this.timeoutMs);
  }

  private check(): void {
    const cur = this.m.handlers.currentRound();
    const now = Date.now();
    if (cur === null) {
      this.last = null;
      return;
    }
    if (this.last === null || this.last.height !== cur.height || this.last.round !== cur.round) {
      this.last = { height: cur.height, round: cur.round, since: now };
      return;
    }
    if (now - this.last.since < this.stallMs || this.attempt !== null) return;
    this.last.since = now; // next attempt after another stall period
    this.attempt = this.catchUp().finally(() => {
      this.attempt = null;
    });
  }

  /** Asks up to `peersPerAttempt` random peers for the current round's messages now. */
  async catchUp(): Promise<CatchupResult> {
    const cur = this.m.handlers.currentRound();
    const peers = shuffle(this.m.host.connectedPeers()).slice(0, this.peersPerAttempt);
    let accepted = 0;
    let rejected = 0;
    if (cur === null) return { accepted, rejected };
    await Promise.all(
      peers.map(async (peer) => {
        try {
          const r = await this.requestFrom(peer, cur.height, cur.round, cur.hasProposal);
          accepted += r.accepted;
          rejected += r.rejected;
        } catch (err) {
          this.m.logger.debug("catch-up request failed", { peer, err: errorMessage(err) });
        }
      }),
    );
    if (accepted > 0) {
      this.m.logger.info("caught up on missed consensus messages", {
        height: cur.height,
        round: cur.round,
        accepted,
      });
    }
    return { accepted, rejected };
  }

  /** One request to `peer`, its answers delivered through the handlers. */
  async requestFrom(
    peer: string,
    height: number,
    round: number,
    hasProposal = false,
  ): Promise<CatchupResult> {
    const { host } = this.m;
    const ex = await Exchange.open(host, peer, this.protocol, {
      timeoutMs: this.timeoutMs,
      maxMessageBytes: this.maxResponseBytes,
    });
    let msgs: RoundMessages;
    try {
      await ex.write(encodeRoundRequest({ height, round, hasProposal }));
      const bytes = await ex.read();
      try {
        msgs = decodeRoundMessages(bytes, this.maxVotes);
      } catch (err) {
        host.penalize(peer, "malformed_message");
        throw new P2pError(
          "P2P_BAD_MESSAGE",
          `catch-up answer from ${peer} does not decode: ${errorMessage(err)}`,
          {
            peer,
          },
        );
      }
    } catch (err) {
      ex.abort(err instanceof Error ? err : new Error(String(err)));
      if (err instanceof P2pError && err.code === "P2P_TIMEOUT") host.penalize(peer, "timeout");
      if (err instanceof P2pError && err.code === "P2P_MESSAGE_TOO_LARGE")
        host.penalize(peer, "oversize_message");
      throw err;
    }
    await ex.close();
    return this.deliver(peer, msgs);
  }

  private async deliver(peer: string, msgs: RoundMessages): Promise<CatchupResult> {
    const { handlers } = this.m;
    let accepted = 0;
    let rejected = 0;
    const count = (v: GossipVerdict) => {
      if (v === "accept") accepted++;
      if (v === "reject") rejected++;
    };
    try {
      if (msgs.decided !== null && handlers.onDecided !== undefined) {
        count(await handlers.onDecided(msgs.decided.block, msgs.decided.commit, peer));
      }
      if (msgs.proposal !== null) count(await handlers.onProposal(msgs.proposal, peer));
      for (const v of msgs.votes) count(await handlers.onVote(v, peer));
    } catch (err) {
      this.m.logger.warn("catch-up handler failed", { peer, err: errorMessage(err) });
    }
    if (rejected > 0) this.m.host.penalize(peer, "invalid_gossip", 20 * Math.min(rejected, 5));
    return { accepted, rejected };
  }

  private serve(stream: Stream, peer: string): Promise<void> {
    const limits = { timeoutMs: this.timeoutMs, maxMessageBytes: 64 };
    return Exchange.serve(stream, peer, limits, async (ex) => {
      if (!this.serveLimiter.take(peer)) {
        this.m.host.penalize(peer, "flood");
        throw new P2pError("P2P_BAD_MESSAGE", `catch-up: ${peer} exceeds its request rate`, { peer });
      }
      let req: RoundRequest;
      try {
        req = decodeRoundRequest(await ex.read());
      } catch (err) {
        if (!(err instanceof P2pError)) this.m.host.penalize(peer, "malformed_message");
        throw err;
      }
      let msgs: RoundMessages;
      try {
        msgs = await this.m.handlers.getRoundMessages(req.height, req.round);
      } catch (err) {
        this.m.logger.warn("getRoundMessages failed", {
          height: req.height,
          round: req.round,
          err: errorMessage(err),
        });
        msgs = EMPTY_ROUND_MESSAGES;
      }
      if (req.hasProposal && msgs.proposal !== null) msgs = { ...msgs, proposal: null };
      if (msgs.votes.length > this.maxVotes) msgs = { ...msgs, votes: msgs.votes.slice(0, this.maxVotes) };
      let bytes = encodeRoundMessages(msgs);
      if (bytes.length > this.maxResponseBytes) {
        // Votes first: they are what a stalled round needs most, and they are small.
        bytes = encodeRoundMessages({ proposal: null, votes: msgs.votes, decided: null });
      }
      await ex.write(bytes);
    });
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
