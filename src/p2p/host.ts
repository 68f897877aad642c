/**
 * The libp2p host: TCP + noise + yamux, identify and ping, a Kademlia DHT under our own
 * protocol name (so we never join a public DHT), and gossipsub configured for our topics.
 *
 * It owns the peer set: it dials bootstrap and persistent peers, keeps persistent peers
 * connected (redialling with backoff, forever), dials peers the DHT discovers until it has
 * `maxPeers`, runs periodic random walks, persists the peer table, and disconnects and refuses
 * peers the `PeerScorer` bans. Protocol modules (gossip, catch-up, block sync) attach through
 * `handle` / `dialProtocol` / `pubsub` and never configure libp2p themselves.
 */

import { randomBytes } from "node:crypto";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { type GossipSub, gossipsub, TopicValidatorResult } from "@libp2p/gossipsub";
import { createTopicScoreParams } from "@libp2p/gossipsub/score";
import { type Identify, identify } from "@libp2p/identify";
import type { Connection, Libp2p, PeerId, Stream } from "@libp2p/interface";
import { type KadDHT, kadDHT, passthroughMapper, removePrivateAddressesMapper } from "@libp2p/kad-dht";
import { peerIdFromString } from "@libp2p/peer-id";
import { type Ping, ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import type { Multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import { allLoopback, type PeerAddress, parseListenAddress, parsePeerAddress } from "./addrs.js";
import { P2pError } from "./errors.js";
import {
  DEFAULT_GOSSIP_LIMITS,
  type GossipLimits,
  type GossipTopics,
  gossipTopics,
  topicScoreParams,
} from "./gossip/topics.js";
import { libp2pKeyFromSeed } from "./identity.js";
import { PeerBook } from "./peer-book.js";
import { type Misbehaviour, PeerScorer, type PeerScorerOptions } from "./peer-scorer.js";
import { settleWithin, withTimeout } from "./timeout.js";

export interface P2pHostOptions {
  readonly chainId: string;
  /** The 32-byte Ed25519 seed of the node key (`config/node_key.json`). */
  readonly nodeKeySeed: Uint8Array;
  /** Listen multiaddrs, e.g. `/ip4/127.0.0.1/tcp/26656` (port 0 picks a free port). */
  readonly listen: readonly string[];
  /** Peers dialled at start to join the network (multiaddrs ending in /p2p/<id>). */
  readonly bootstrapPeers?: readonly string[];
  /** Peers this node always keeps a connection to. */
  readonly persistentPeers?: readonly string[];
  /** Where the peer table is persisted (`<home>/data/peers.json`); null keeps it in memory. */
  readonly peerBookPath?: string | null;
  /** Connections the node aims for (persistent peers always count in). Default 40. */
  readonly maxPeers?: number;
  readonly dialTimeoutMs?: number;
  /** Bound on each teardown step in `stop()`. Default 3000. */
  readonly stopStepTimeoutMs?: number;
  /** How often persistent peers are checked, the peer count topped up and the book saved. Default 5000. */
  readonly maintenanceIntervalMs?: number;
  /** How often a DHT random walk looks for new peers. Default 30 000. */
  readonly discoveryIntervalMs?: number;
  /** Only advertise/accept public addresses in the DHT. Default false (local and private networks). */
  readonly dhtPublicAddressesOnly?: boolean;
  /** Per-topic size limits (also bound the gossipsub frame size). */
  readonly gossipLimits?: GossipLimits;
  /** Gossipsub heartbeat; scores are recomputed at this pace. Default 1000. */
  readonly gossipHeartbeatMs?: number;
  readonly scoring?: PeerScorerOptions;
  readonly agentVersion?: string;
}

export interface P2pHostModules {
  readonly logger: Logger;
}

export interface Services extends Record<string, unknown> {
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
  pubsub: GossipSub;
}

export interface PeerListener {
  onConnect?(peer: string): void;
  onDisconnect?(peer: string): void;
}

export interface PeerSummary {
  readonly id: string;
  readonly persistent: boolean;
  /** Gossipsub's score of the peer (includes our penalty through P5). */
  readonly gossipScore: number;
  readonly penalty: number;
  /** The remote address of the first open connection ("" if it just closed). */
  readonly remoteAddr: string;
  readonly outbound: boolean;
  /** When that connection opened (wall clock, ms). */
  readonly openedAtMs: number;
}

/** Handles one inbound stream; `peer` is the remote peer id. Thrown errors abort the stream. */
export type ProtocolHandler = (stream: Stream, peer: string) => Promise<void>;

interface DialState {
  failures: number;
  nextAttemptAt: number;
}

const PERSISTENT_TAG = "dccn-persistent";
/** Multicodec of the /p2p component (stripped before addresses go into the peer store). */
const P2P_CODE = 0x01a5;
const MAX_BACKOFF_MS = 60_000;

/** Below this many peers, every maintenance tick also walks the DHT. */
const FEW_PEERS = 8;

export class P2pHost {
  readonly peerId: string;
  readonly topics: GossipTopics;
  readonly gossipLimits: GossipLimits;
  readonly scorer: PeerScorer;
  private readonly persistent: PeerAddress[];
  private readonly bootstrap: PeerAddress[];
  private readonly persistentIds: Set<string>;
  private readonly dialState = new Map<string, DialState>();
  private readonly dialing = new Set<string>();
  private readonly listeners = new Set<PeerListener>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly book: PeerBook;
  private walk: AbortController | null = null;
  private started = false;
  private stopping = false;
  private readonly maxPeers: number;
  private readonly dialTimeoutMs: number;
  private readonly stopStepMs: number;

  private constructor(
    private readonly opts: P2pHostOptions,
    private readonly libp2p: Libp2p<Services>,
    scorer: PeerScorer,
    book: PeerBook,
    private readonly logger: Logger,
  ) {
    this.peerId = libp2p.peerId.toString();
    this.topics = gossipTopics(opts.chainId);
    this.gossipLimits = opts.gossipLimits ?? DEFAULT_GOSSIP_LIMITS;
    this.scorer = scorer;
    this.book = book;
    this.persistent = (opts.persistentPeers ?? [])
      .map(parsePeerAddress)
      .filter((p) => p.peerId !== this.peerId);
    this.bootstrap = (opts.bootstrapPeers ?? [])
      .map(parsePeerAddress)
      .filter((p) => p.peerId !== this.peerId);
    this.persistentIds = new Set(this.persistent.map((p) => p.peerId));
    this.maxPeers = opts.maxPeers ?? 40;
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 5000;
    this.stopStepMs = opts.stopStepTimeoutMs ?? 3000;
  }

  /** Builds the host (nothing listens or dials until `start()`). Bad addresses are P2P_BAD_MULTIADDR. */
  static async create(opts: P2pHostOptions, modules: P2pHostModules): Promise<P2pHost> {
    const logger = modules.logger;
    const listen = opts.listen.map(parseListenAddress);
    // Validate peer lists up front so a typo fails at start-up, not at the first redial.
    for (const a of [...(opts.bootstrapPeers ?? []), ...(opts.persistentPeers ?? [])]) parsePeerAddress(a);
    const privateKey = libp2pKeyFromSeed(opts.nodeKeySeed);
    const scorer = new PeerScorer(opts.scoring);
    const topics = gossipTopics(opts.chainId);
    const limits = opts.gossipLimits ?? DEFAULT_GOSSIP_LIMITS;
    const loopback = allLoopback(listen);
    const maxPeers = opts.maxPeers ?? 40;
    const maxFrame = Math.max(limits.maxTxBytes, limits.maxProposalBytes, limits.maxVoteBytes) + 64 * 1024;
    const topicParams = createTopicScoreParams(topicScoreParams());
    let libp2p: Libp2p<Services>;
    try {
      libp2p = await createLibp2p<Services>({
        start: false,
        privateKey,
        nodeInfo: { name: "dccn-node", userAgent: opts.agentVersion ?? "dccn-node" },
        addresses: { listen: listen.map((m) => m.toString()) },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        connectionManager: {
          maxConnections: maxPeers + 16,
          dialTimeout: opts.dialTimeoutMs ?? 5000,
        },
        connectionGater: {
          denyDialPeer: (peer: PeerId) => scorer.isBanned(peer.toString()),
          denyInboundEncryptedConnection: (peer: PeerId) => scorer.isBanned(peer.toString()),
        },
        services: {
          identify: identify(),
          ping: ping(),
          dht: kadDHT({
            protocol: `/dccn/${opts.chainId}/kad/1.0.0`,
            clientMode: false,
            peerInfoMapper: opts.dhtPublicAddressesOnly ? removePrivateAddressesMapper : passthroughMapper,
            initialQuerySelfInterval: 500,
            allowQueryWithZeroPeers: false,
          }),
          pubsub: gossipsub({
            globalSignaturePolicy: "StrictNoSign",
            allowPublishToZeroTopicPeers: true,
            ignoreDuplicatePublishError: true,
            emitSelf: false,
            floodPublish: true,
            heartbeatInterval: opts.gossipHeartbeatMs ?? 1000,
            allowedTopics: [topics.tx, topics.proposal, topics.vote, topics.evidence],
            maxInboundDataLength: maxFrame,
            // Relaying waits for `reportMessageValidationResult` (ConsensusGossip defers it, so
            // the copies and IDONTWANTs that arrive meanwhile spare the peers that have it).
            asyncValidation: true,
            // A tx batch of one small tx is worth an IDONTWANT too.
            idontwantMinDataSize: 256,
            // One message at a time per peer stream: a flooding peer is slowed by its own queue.
            awaitRpcHandler: true,
            awaitRpcMessageHandler: true,
            decodeRpcLimits: {
              maxSubscriptions: 32,
              maxMessages: 1024,
              maxIhaveMessageIDs: 5000,
              maxIwantMessageIDs: 5000,
              maxIdontwantMessageIDs: 512,
              maxControlMessages: 1024,
              maxPeerInfos: 16,
            },
            scoreParams: {
              topics: {
                [topics.tx]: topicParams,
                [topics.proposal]: topicParams,
                [topics.vote]: topicParams,
                [topics.evidence]: topicParams,
              },
              topicScoreCap: 50,
              appSpecificScore: (peer: string) => scorer.appScore(peer),
              appSpecificWeight: 1,
              // Every node of a local network shares one IP.
              IPColocationFactorWeight: loopback ? 0 : -5,
              IPColocationFactorThreshold: 10,
            },
            scoreThresholds: {
              gossipThreshold: -10,
              publishThreshold: -50,
              graylistThreshold: -80,
              acceptPXThreshold: 10,
              opportunisticGraftThreshold: 5,
            },
          }),
        },
      });
    } catch (err) {
      throw new P2pError(
        "P2P_START_FAILED",
        `cannot create the libp2p host: ${errorMessage(err)}`,
        {},
        { cause: err },
      );
    }
    const book = PeerBook.load(opts.peerBookPath ?? null, {}, { logger });
    const host = new P2pHost(opts, libp2p, scorer, book, logger);
    host.wireEvents();
    return host;
  }

  private wireEvents(): void {
    const { libp2p } = this;
    this.scorer.onBan((peer, reason) => {
      this.logger.warn("banning a misbehaving peer", {
        peer,
        reason,
        penalty: Math.round(this.scorer.penalty(peer)),
      });
      void this.hangUp(peer);
    });
    libp2p.addEventListener("peer:connect", (evt) => {
      const peer = evt.detail.toString();
      this.dialState.delete(peer);
      this.logger.debug("peer connected", { peer, peers: libp2p.getPeers().length });
      for (const l of this.listeners) l.onConnect?.(peer);
    });
    libp2p.addEventListener("peer:disconnect", (evt) => {
      const peer = evt.detail.toString();
      this.logger.debug("peer disconnected", { peer, peers: libp2p.getPeers().length });
      for (const l of this.listeners) l.onDisconnect?.(peer);
      if (this.persistentIds.has(peer) && !this.stopping) this.scheduleRedial(peer);
    });
    libp2p.addEventListener("peer:identify", (evt) => {
      const { peerId, listenAddrs } = evt.detail;
      const id = peerId.toString();
      if (this.scorer.isBanned(id)) return;
      this.book.upsert(
        id,
        listenAddrs.map((a) => a.toString()),
        Date.now(),
      );
    });
    libp2p.addEventListener("peer:discovery", (evt) => {
      const id = evt.detail.id.toString();
      if (id === this.peerId || this.isConnected(id) || this.scorer.isBanned(id)) return;
      if (libp2p.getPeers().length >= this.maxPeers) return;
      void this.dialPeer(id, evt.detail.multiaddrs);
    });
  }

  /** Starts listening, dials bootstrap, persistent and remembered peers, and starts discovery. */
  async start(): Promise<void> {
    if (this.started) return;
    this.stopping = false;
    try {
      await withTimeout(Promise.resolve(this.libp2p.start()), 10_000, "starting libp2p");
    } catch (err) {
      throw new P2pError(
        "P2P_START_FAILED",
        `cannot start the libp2p host: ${errorMessage(err)}`,
        {},
        { cause: err },
      );
    }
    this.started = true;
    for (const p of this.persistent) {
      await this.libp2p.peerStore
        .merge(peerIdFromString(p.peerId), {
          multiaddrs: [p.multiaddr.decapsulateCode(P2P_CODE)],
          tags: { [PERSISTENT_TAG]: { value: 100 } },
        })
        .catch(() => {});
    }
    this.logger.info("p2p host listening", { peerId: this.peerId, addrs: this.multiaddrs() });
    const initial = new Map<string, Multiaddr[]>();
    for (const p of [...this.persistent, ...this.bootstrap]) {
      initial.set(p.peerId, [...(initial.get(p.peerId) ?? []), p.multiaddr.decapsulateCode(P2P_CODE)]);
    }
    // Remembered peers fill the rest, most recently seen first.
    for (const e of this.book.list()) {
      if (initial.size >= this.maxPeers) break;
      if (e.id === this.peerId || initial.has(e.id)) continue;
      const addrs = e.addrs.flatMap((a) => {
        try {
          return [parseListenAddress(a)];
        } catch {
          return [];
        }
      });
      if (addrs.length > 0) initial.set(e.id, addrs);
    }
    const dials = [...initial].map(([id, addrs]) => this.dialPeer(id, addrs));
    void Promise.allSettled(dials).then(() => {
      if (!this.stopping) void this.discover();
    });
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.maintenanceIntervalMs ?? 5000, () => this.maintain());
    every(this.opts.discoveryIntervalMs ?? 30_000, () => void this.discover());
  }

  /** Ordered teardown, each step bounded: timers, discovery, peer book, libp2p. */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.walk?.abort();
    await settleWithin(this.recordConnectedPeers(), this.stopStepMs);
    this.book.save();
    const result = await settleWithin(Promise.resolve(this.libp2p.stop()), this.stopStepMs);
    if (result !== "done") this.logger.warn("libp2p did not stop cleanly", { result });
    this.started = false;
    this.logger.info("p2p host stopped");
  }

  get isStarted(): boolean {
    return this.started && !this.stopping;
  }

  /** Our dialable addresses, each ending in /p2p/<our peer id>. */
  multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((m) => m.toString());
  }

  /** Protocol ids this node answers (diagnostics). */
  protocols(): string[] {
    return this.libp2p.getProtocols();
  }

  connectedPeers(): string[] {
    return this.libp2p.getPeers().map((p) => p.toString());
  }

  /** Open connections (a peer may have more than one, e.g. after simultaneous dials). */
  connectionCount(): number {
    return this.libp2p.getConnections().length;
  }

  isConnected(peer: string): boolean {
    try {
      return this.libp2p.getConnections(peerIdFromString(peer)).length > 0;
    } catch {
      return false;
    }
  }

  peers(): PeerSummary[] {
    return this.connectedPeers().map((id) => {
      const conn = this.libp2p.getConnections(peerIdFromString(id))[0];
      return {
        id,
        persistent: this.persistentIds.has(id),
        gossipScore: this.gossipScore(id),
        penalty: this.scorer.penalty(id),
        remoteAddr: conn?.remoteAddr.toString() ?? "",
        outbound: conn?.direction === "outbound",
        openedAtMs: conn?.timeline.open ?? 0,
      };
    });
  }

  /** Peers remembered in the peer table (persisted to `peerBookPath`). */
  knownPeers(): { id: string; addrs: readonly string[] }[] {
    return this.book.list().map((e) => ({ id: e.id, addrs: e.addrs }));
  }

  gossipScore(peer: string): number {
    // The router implements getScore; its public interface type does not declare it.
    const router = this.libp2p.services.pubsub as GossipSub & { getScore?: (id: string) => number };
    return router.getScore?.(peer) ?? 0;
  }

  /** Reports misbehaviour; a peer pushed over the ban threshold is disconnected. */
  penalize(peer: string, reason: Misbehaviour, points?: number): void {
    if (peer === this.peerId) return;
    this.scorer.penalize(peer, reason, points);
  }

  /** Peers in our gossipsub mesh for `topic` (the router exposes this beyond its interface). */
  meshPeers(topic: string): string[] {
    const router = this.libp2p.services.pubsub as GossipSub & { getMeshPeers?: (t: string) => string[] };
    return router.getMeshPeers?.(topic) ?? [];
  }

  /**
   * Relays an accepted message held back by `asyncValidation` to the mesh peers that have not
   * sent it to us or told us they have it (nothing once the router has dropped it).
   */
  relayAccepted(msgId: string, from: string): void {
    const router = this.libp2p.services.pubsub as GossipSub & {
      reportMessageValidationResult(id: string, source: string, result: TopicValidatorResult): void;
    };
    router.reportMessageValidationResult(msgId, from, TopicValidatorResult.Accept);
  }

  /** The gossipsub router (for the gossip module). */
  get pubsub(): GossipSub {
    return this.libp2p.services.pubsub;
  }

  /** `/dccn/<chain id>/<name>`: protocol ids are per chain, so different chains never talk. */
  protocolId(name: string): string {
    return `/dccn/${this.opts.chainId}/${name}`;
  }

  addPeerListener(listener: PeerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once at least `n` peers are connected, or rejects with P2P_TIMEOUT. */
  async waitForPeers(n: number, timeoutMs: number): Promise<void> {
    if (this.libp2p.getPeers().length >= n) return;
    let remove: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      remove = this.addPeerListener({
        onConnect: () => {
          if (this.libp2p.getPeers().length >= n) resolve();
        },
      });
    });
    try {
      await withTimeout(reached, timeoutMs, `waiting for ${n} peers`);
    } finally {
      remove();
    }
  }

  async handle(
    protocol: string,
    handler: ProtocolHandler,
    opts: { maxInboundStreams?: number } = {},
  ): Promise<void> {
    await this.libp2p.handle(
      protocol,
      (stream: Stream, connection: Connection) => {
        const peer = connection.remotePeer.toString();
        handler(stream, peer).catch((err: unknown) => {
          this.logger.debug("inbound stream failed", { protocol, peer, err: errorMessage(err) });
          stream.abort(err instanceof Error ? err : new Error(String(err)));
        });
      },
      { maxInboundStreams: opts.maxInboundStreams ?? 32, maxOutboundStreams: 64 },
    );
  }

  async unhandle(protocol: string): Promise<void> {
    await settleWithin(this.libp2p.unhandle(protocol), this.stopStepMs);
  }

  /** Opens a stream to a connected (or dialable) peer. */
  async dialProtocol(peer: string, protocol: string, signal?: AbortSignal): Promise<Stream> {
    return this.libp2p.dialProtocol(peerIdFromString(peer), protocol, signal === undefined ? {} : { signal });
  }

  async hangUp(peer: string): Promise<void> {
    try {
      await settleWithin(this.libp2p.hangUp(peerIdFromString(peer)), this.stopStepMs);
    } catch {
      // An invalid id cannot be connected.
    }
  }

  /** One DHT random walk: looks up a random key; peers met on the way are dialled as discovered. */
  async discover(timeoutMs = 10_000): Promise<void> {
    if (!this.isStarted || this.walk !== null || this.libp2p.getPeers().length === 0) return;
    const walk = new AbortController();
    this.walk = walk;
    const timer = setTimeout(() => walk.abort(), timeoutMs);
    try {
      for await (const _ of this.libp2p.services.dht.getClosestPeers(randomBytes(32), {
        signal: walk.signal,
      })) {
        // Events are consumed only to drive the query; discoveries arrive as peer:discovery.
      }
    } catch (err) {
      if (!walk.signal.aborted) this.logger.debug("DHT random walk failed", { err: errorMessage(err) });
    } finally {
      clearTimeout(timer);
      this.walk = null;
    }
  }

  /**
   * Dials `addr` (a multiaddr ending in /p2p/<id>) now; a persistent peer is also redialled
   * whenever it drops (RPC `dial_peers`). Throws P2pError for a malformed address.
   */
  async dialAddress(addr: string, persistent: boolean): Promise<boolean> {
    const peer = parsePeerAddress(addr);
    if (persistent && !this.persistentIds.has(peer.peerId)) {
      this.persistent.push(peer);
      this.persistentIds.add(peer.peerId);
    }
    return this.dialPeer(peer.peerId, [peer.multiaddr]);
  }

  private async dialPeer(id: string, addrs: readonly Multiaddr[]): Promise<boolean> {
    if (this.dialing.has(id) || this.scorer.isBanned(id) || !this.isStarted) return false;
    this.dialing.add(id);
    try {
      const peerId = peerIdFromString(id);
      if (addrs.length > 0) await this.libp2p.peerStore.merge(peerId, { multiaddrs: [...addrs] });
      await this.libp2p.dial(peerId, { signal: AbortSignal.timeout(this.dialTimeoutMs) });
      return true;
    } catch (err) {
      const s = this.dialState.get(id) ?? { failures: 0, nextAttemptAt: 0 };
      s.failures++;
      s.nextAttemptAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (s.failures - 1));
      this.dialState.set(id, s);
      this.logger.debug("dial failed", { peer: id, failures: s.failures, err: errorMessage(err) });
      if (this.persistentIds.has(id)) this.scheduleRedial(id);
      return false;
    } finally {
      this.dialing.delete(id);
    }
  }

  private scheduleRedial(id: string): void {
    const s = this.dialState.get(id);
    const delay = Math.max(250, (s?.nextAttemptAt ?? 0) - Date.now());
    const t = setTimeout(() => {
      const i = this.timers.indexOf(t);
      if (i >= 0) this.timers.splice(i, 1);
      if (!this.isStarted || this.isConnected(id)) return;
      const p = this.persistent.find((x) => x.peerId === id);
      if (p !== undefined) void this.dialPeer(id, [p.multiaddr.decapsulateCode(P2P_CODE)]);
    }, delay);
    t.unref();
    this.timers.push(t);
  }

  private maintain(): void {
    if (!this.isStarted) return;
    const now = Date.now();
    for (const p of this.persistent) {
      const s = this.dialState.get(p.peerId);
      if (!this.isConnected(p.peerId) && (s === undefined || s.nextAttemptAt <= now)) {
        void this.dialPeer(p.peerId, [p.multiaddr.decapsulateCode(P2P_CODE)]);
      }
    }
    const connected = this.libp2p.getPeers().length;
    if (connected < this.maxPeers) {
      let budget = Math.min(4, this.maxPeers - connected);
      for (const e of this.book.list()) {
        if (budget === 0) break;
        if (e.id === this.peerId || this.isConnected(e.id) || this.scorer.isBanned(e.id)) continue;
        const s = this.dialState.get(e.id);
        if (s !== undefined && s.nextAttemptAt > now) continue;
        budget--;
        const addrs = e.addrs.flatMap((a) => {
          try {
            return [parseListenAddress(a)];
          } catch {
            return [];
          }
        });
        void this.dialPeer(e.id, addrs);
      }
    }
    // Short of peers (a new node that knows one bootstrap peer, or one that lost its peers):
    // dial what the DHT already told us of (a discovery event fires only once per peer, and that
    // dial may have failed), and walk the DHT now rather than waiting for the periodic walk.
    if (connected < Math.min(this.maxPeers, FEW_PEERS)) {
      void this.dialKnownPeers(Math.min(4, this.maxPeers - connected));
      void this.discover();
    }
    void this.recordConnectedPeers().then(() => this.book.save());
  }

  /** Dials up to `budget` peers the peer store has addresses for and we are not connected to. */
  private async dialKnownPeers(budget: number): Promise<void> {
    const now = Date.now();
    let left = budget;
    for (const peer of await this.libp2p.peerStore.all()) {
      if (left === 0) return;
      const id = peer.id.toString();
      if (id === this.peerId || this.isConnected(id) || this.scorer.isBanned(id)) continue;
      if (peer.addresses.length === 0) continue;
      const s = this.dialState.get(id);
      if (s !== undefined && s.nextAttemptAt > now) continue;
      left--;
      void this.dialPeer(
        id,
        peer.addresses.map((a) => a.multiaddr),
      );
    }
  }

  /** Refreshes the peer table from the peer store (identify's listen addresses) for every connected peer. */
  private async recordConnectedPeers(): Promise<void> {
    const now = Date.now();
    for (const peerId of this.libp2p.getPeers()) {
      const id = peerId.toString();
      if (this.scorer.isBanned(id)) continue;
      try {
        const peer = await this.libp2p.peerStore.get(peerId);
        const addrs = peer.addresses.map((a) => a.multiaddr.toString());
        if (addrs.length > 0) this.book.upsert(id, addrs, now);
      } catch {
        // Not in the peer store (yet): nothing to remember.
      }
    }
  }
}
