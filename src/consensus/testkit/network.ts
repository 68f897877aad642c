/**
 * A deterministic in-process network of TestNodes on virtual time.
 *
 * One FIFO queue holds everything ready to happen now (delivered messages, local inputs);
 * timers (timeouts, delayed deliveries, next heights) wait in time order. `step()` runs the
 * queue head, or, when the queue is empty, advances the clock to the earliest timer. With the
 * default policy every message reaches every node in send order; `policy` can drop or delay
 * any envelope, and `TestNode.silent` mutes a node. Same options, same run, every time.
 *
 * For the Byzantine simulator it also offers: duplicated deliveries, per-node timeouts (clock
 * skew), an `outbound` hook that replaces a node's broadcast, direct `send`, scheduled actions
 * (`at`), crash/restart of a node with WAL replay, and a delivery observer (`onDeliver`).
 */
import { join } from "node:path";
import { toHex } from "../../codec/bytes.js";
import type { PrivateKey } from "../../crypto/ed25519.js";
import { DccnError } from "../../errors.js";
import { Signer } from "../../privval/signer.js";
import { MemoryLastSignStore } from "../../privval/state-store.js";
import type { Block } from "../../types/block.js";
import type { ValidatorSet } from "../../types/validator.js";
import { Driver, type DriverOptions } from "../driver.js";
import { type ConsensusInput, DEFAULT_TIMEOUTS, type TimeoutConfig } from "../types.js";
import { makeTestBlock, testKeys, testValidatorSet } from "./fixtures.js";
import {
  type BuildRequest,
  type ConsensusSigner,
  type NetMessage,
  type NodeEnvironment,
  TestNode,
} from "./node.js";

export interface Envelope {
  readonly from: number;
  readonly to: number;
  readonly message: NetMessage;
  readonly sentAt: number;
}

/** The fate of one envelope: now, never, later, or several copies (one per delay: duplication). */
export type Delivery =
  | "deliver"
  | "drop"
  | { readonly delayMs: number }
  | { readonly copiesDelayMs: readonly number[] };

/** Replaces a node's broadcast: receives each message the node sends and routes it itself. */
export type Outbound = (message: NetMessage, network: TestNetwork) => void;

export type SignatureCheck = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export interface TestNetworkOptions {
  /** One validator node per entry, with that voting power. */
  readonly powers: readonly number[];
  /** Extra non-validator nodes that follow and decide without signing. */
  readonly followers?: number;
  readonly chainId?: string;
  readonly timeouts?: TimeoutConfig;
  /** Per-node timeouts (e.g. scaled for clock skew); default `timeouts` for every node. */
  readonly timeoutsFor?: (index: number) => TimeoutConfig;
  /** Seed tag for the deterministic keys. */
  readonly keyTag?: string;
  /** Per-node driver settings (e.g. the unsafe switches for a Byzantine node). */
  readonly driverOptions?: (index: number) => Omit<DriverOptions, "address" | "timeouts">;
  /** Per-node signer; default: the privval Signer (in memory, or files under `privvalDir`). */
  readonly signer?: (index: number, key: PrivateKey, chainId: string) => Promise<ConsensusSigner>;
  /** When set, default signers persist their last-sign state to `<privvalDir>/node<i>.json`. */
  readonly privvalDir?: string;
  readonly buildBlock?: (req: BuildRequest) => Block;
  readonly validateBlock?: (block: Block, node: TestNode) => boolean;
  /** Per-node broadcast replacement (Byzantine behaviour, observation); undefined = broadcast. */
  readonly outbound?: (index: number) => Outbound | undefined;
  /** Signature check used by every node (default Ed25519). */
  readonly verifySignature?: SignatureCheck;
}

export type TestkitErrorCode = "TESTKIT_STALLED" | "TESTKIT_EVENT_LIMIT" | "TESTKIT_BAD_NODE";

type QueueItem =
  /** `incarnation`: the node's at queueing time; a crash in between voids the item. */
  | {
      readonly kind: "input";
      readonly node: number;
      readonly input: ConsensusInput;
      readonly incarnation: number;
    }
  | { readonly kind: "message"; readonly envelope: Envelope }
  | { readonly kind: "action"; readonly run: () => void | Promise<void> };

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly item: QueueItem;
}

/** Default block: one marker tx naming height, round and proposer, so values differ per round. */
export function defaultBuildBlock(chainId: string): (req: BuildRequest) => Block {
  return (req) =>
    makeTestBlock({
      chainId,
      height: req.height,
      proposer: req.node.address ?? new Uint8Array(20),
      prevBlockHash: req.prevBlockHash,
      validators: req.validators,
      timeMs: req.height * 1000 + req.round,
      txs: [new TextEncoder().encode(`h=${req.height} r=${req.round} node=${req.node.index}`)],
    });
}

export class TestNetwork {
  readonly nodes: readonly TestNode[];
  readonly validators: ValidatorSet;
  readonly keys: readonly PrivateKey[];
  readonly chainId: string;
  /** Decides the fate of every envelope between two distinct nodes. */
  policy: (envelope: Envelope) => Delivery = () => "deliver";
  /** Observes every envelope as it arrives (before the node, silent or not, receives it). */
  onDeliver: ((envelope: Envelope) => void) | null = null;
  /** Number of queue items and timers processed so far. */
  events = 0;
  private clock = 0;
  private queue: QueueItem[] = [];
  private head = 0;
  private timers: Timer[] = [];
  private seq = 0;
  private readonly outbounds: (Outbound | undefined)[] = [];
  /** Rebuild a node's driver and signer for `restart` (the signer reopens its persisted state). */
  private readonly rebuild: (() => Promise<{ driver: Driver; signer: ConsensusSigner | null }>)[] = [];

  private constructor(
    chainId: string,
    validators: ValidatorSet,
    keys: readonly PrivateKey[],
    nodes: TestNode[],
  ) {
    this.chainId = chainId;
    this.validators = validators;
    this.keys = keys;
    this.nodes = nodes;
  }

  static async create(options: TestNetworkOptions): Promise<TestNetwork> {
    const chainId = options.chainId ?? "dccn-testkit";
    const keys = testKeys(options.powers.length, options.keyTag);
    const validators = testValidatorSet(keys, options.powers);
    const nodes: TestNode[] = [];
    const network = new TestNetwork(chainId, validators, keys, nodes);
    const buildBlock = options.buildBlock ?? defaultBuildBlock(chainId);
    const validateBlock =
      options.validateBlock ??
      ((block: Block, node: TestNode) =>
        block.header.chainId === chainId && block.header.height === node.driver.height);
    const total = options.powers.length + (options.followers ?? 0);
    for (let i = 0; i < total; i++) {
      const key = keys[i];
      const timeouts = options.timeoutsFor?.(i) ?? options.timeouts ?? DEFAULT_TIMEOUTS;
      const env: NodeEnvironment = {
        chainId,
        timeouts,
        now: () => network.clock,
        broadcast: (from, message) => network.route(from, message),
        enqueueLocal: (node, input) => network.push(network.localInput(node, input)),
        schedule: (node, delayMs, input) => network.addTimer(delayMs, network.localInput(node, input)),
      };
      // In-memory last-sign state outlives a simulated crash, as the file would.
      const store = new MemoryLastSignStore();
      const openSigner = async (): Promise<ConsensusSigner | null> => {
        if (key === undefined) return null;
        if (options.signer !== undefined) return options.signer(i, key, chainId);
        if (options.privvalDir !== undefined)
          return Signer.open(join(options.privvalDir, `node${i}.json`), key, chainId);
        return Signer.withStore(store, key, chainId);
      };
      const rebuild = async () => {
        const signer = await openSigner();
        const driver = new Driver({
          ...(options.driverOptions?.(i) ?? {}),
          address: signer?.address ?? null,
          timeouts,
        });
        return { driver, signer };
      };
      const { driver, signer } = await rebuild();
      network.rebuild.push(rebuild);
      network.outbounds.push(options.outbound?.(i));
      nodes.push(
        new TestNode({
          index: i,
          driver,
          signer,
          env,
          buildBlock,
          validateBlock,
          validators,
          ...(options.verifySignature !== undefined ? { verifySignature: options.verifySignature } : {}),
        }),
      );
    }
    return network;
  }

  /** Virtual time in milliseconds. */
  get now(): number {
    return this.clock;
  }

  /** Queues start_height(height) for every node (prevBlockHash empty: the first height). */
  start(height = 1, prevBlockHash: Uint8Array = new Uint8Array(0)): void {
    for (const node of this.nodes)
      this.push(this.localInput(node.index, node.startHeight(height, prevBlockHash)));
  }

  /** Runs one event; false when nothing is left to do. */
  async step(): Promise<boolean> {
    let item: QueueItem | undefined;
    if (this.head < this.queue.length) {
      item = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    } else {
      const timer = this.timers.shift();
      if (timer === undefined) return false;
      this.clock = timer.at;
      item = timer.item;
    }
    if (item === undefined) return false;
    this.events++;
    switch (item.kind) {
      case "input": {
        const node = this.nodes[item.node];
        if (node !== undefined && node.incarnation === item.incarnation) await node.apply(item.input);
        break;
      }
      case "message":
        this.onDeliver?.(item.envelope);
        await this.nodes[item.envelope.to]?.receive(item.envelope.message);
        break;
      case "action":
        await item.run();
        break;
    }
    return true;
  }

  /** Runs `action` at virtual time now + delayMs (after everything already due then). */
  at(delayMs: number, action: () => void | Promise<void>): void {
    this.addTimer(delayMs, { kind: "action", run: action });
  }

  /** Sends `message` from one node to another, subject to the delivery policy. */
  send(from: number, to: number, message: NetMessage): void {
    if (from === to) return;
    const envelope: Envelope = { from, to, message, sentAt: this.clock };
    const fate = this.policy(envelope);
    if (fate === "deliver") this.push({ kind: "message", envelope });
    else if (fate === "drop") return;
    else if ("delayMs" in fate) this.addTimer(fate.delayMs, { kind: "message", envelope });
    else for (const delayMs of fate.copiesDelayMs) this.addTimer(delayMs, { kind: "message", envelope });
  }

  /** Sends `message` from `from` to every other node (what an honest node does). */
  broadcast(from: number, message: NetMessage): void {
    for (const node of this.nodes) this.send(from, node.index, message);
  }

  /** Crashes node `index`: silent, and its pending timeouts and local inputs are void. */
  crash(index: number): void {
    this.node(index).crash();
  }

  /**
   * Restarts a crashed node: a new driver and a signer reopened on the persisted last-sign
   * state replay the logged inputs of its height. Returns the number of inputs replayed.
   */
  async restart(index: number): Promise<number> {
    const node = this.node(index);
    const rebuild = this.rebuild[index]!;
    const { driver, signer } = await rebuild();
    return node.restart(driver, signer);
  }

  private node(index: number): TestNode {
    const node = this.nodes[index];
    if (node === undefined) {
      throw new DccnError<TestkitErrorCode>("TESTKIT_BAD_NODE", `no node ${index} in this network`, {
        index,
      });
    }
    return node;
  }

  /** Runs until `done()` holds; throws a typed error if the network stalls or runs too long. */
  async runUntil(done: () => boolean, maxEvents = 200_000): Promise<void> {
    const limit = this.events + maxEvents;
    while (!done()) {
      if (this.events >= limit) {
        throw new DccnError<TestkitErrorCode>("TESTKIT_EVENT_LIMIT", `no outcome after ${maxEvents} events`, {
          now: this.clock,
        });
      }
      if (!(await this.step())) {
        throw new DccnError<TestkitErrorCode>("TESTKIT_STALLED", "nothing left to run before the outcome", {
          now: this.clock,
        });
      }
    }
  }

  /** Runs until every non-silent node has decided `height`. */
  async runUntilHeight(height: number, maxEvents?: number): Promise<void> {
    await this.runUntil(() => this.nodes.every((n) => n.silent || n.decisions.has(height)), maxEvents);
  }

  /** The block hash (hex) each node decided at `height`; undefined where it did not. */
  decidedHashes(height: number): (string | undefined)[] {
    return this.nodes.map((n) => n.decidedHash(height));
  }

  /** True when no two nodes decided different blocks at any height. */
  agreement(): boolean {
    const byHeight = new Map<number, string>();
    for (const node of this.nodes) {
      for (const [height, d] of node.decisions) {
        const hash = toHex(d.commit.blockHash);
        const seen = byHeight.get(height);
        if (seen !== undefined && seen !== hash) return false;
        byHeight.set(height, hash);
      }
    }
    return true;
  }

  private push(item: QueueItem): void {
    this.queue.push(item);
  }

  private localInput(node: number, input: ConsensusInput): QueueItem {
    return { kind: "input", node, input, incarnation: this.nodes[node]?.incarnation ?? 0 };
  }

  /** A node's broadcast: through its outbound hook when it has one. */
  private route(from: number, message: NetMessage): void {
    const outbound = this.outbounds[from];
    if (outbound === undefined) this.broadcast(from, message);
    else outbound(message, this);
  }

  /** Inserts in (time, seq) order; equal times keep scheduling order. */
  private addTimer(delayMs: number, item: QueueItem): void {
    const timer: Timer = { at: this.clock + Math.max(0, delayMs), seq: this.seq++, item };
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = this.timers[mid]!;
      if (t.at < timer.at || (t.at === timer.at && t.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
  }
}
