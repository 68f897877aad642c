/**
 * The properties checked in every schedule:
 *  - agreement: no two honest nodes decide different blocks at one height;
 *  - validity: every decided block was proposed and is valid;
 *  - no honest double-sign: an honest node never signs two different payloads for one
 *    (height, round, step), and its guard never has to refuse (the driver never asks);
 *  - liveness: after GST every honest node decides its next height within a bound.
 */
import { equalBytes, toHex } from "../../codec/bytes.js";
import { errorMessage } from "../../errors.js";
import { type Block, blockHash } from "../../types/block.js";
import type { ValidatorSet } from "../../types/validator.js";
import type { TestNetwork } from "../testkit/network.js";
import type { NetMessage, TestNode } from "../testkit/node.js";
import { timeoutDuration } from "../timeouts.js";
import type { TimeoutConfig } from "../types.js";
import type { Scenario } from "./scenario.js";
import type { Trace } from "./trace.js";

export type ViolationKind =
  | "agreement"
  | "validity"
  | "double_sign"
  | "sign_refused"
  | "conflicting_decision"
  | "liveness"
  | "crash";

export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
  readonly atMs: number;
}

/** Rounds a height may need after GST before liveness counts as broken (Byzantine proposers). */
export const LIVENESS_ROUNDS = 30;

/**
 * The longest an honest node may go without deciding after GST: LIVENESS_ROUNDS full rounds
 * at the slowest clock, the commit wait, and a few network delays and gossip periods.
 */
export function livenessBoundMs(scenario: Scenario, timeouts: TimeoutConfig): number {
  let rounds = 0;
  for (let r = 0; r < LIVENESS_ROUNDS; r++) {
    rounds +=
      timeoutDuration(timeouts, "propose", r) +
      timeoutDuration(timeouts, "prevote", r) +
      timeoutDuration(timeouts, "precommit", r);
  }
  const slowest = Math.max(...scenario.skewPct);
  const net = scenario.network;
  return (
    Math.ceil(((rounds + timeouts.commitMs) * slowest) / 100) + 8 * (net.maxDelayMs + net.gossipIntervalMs)
  );
}

/** The validity predicate every honest node applies (the paper's valid(v)). */
export function validBlock(
  block: Block,
  chainId: string,
  height: number,
  prevBlockHash: Uint8Array,
  validators: ValidatorSet,
): boolean {
  const h = block.header;
  return (
    h.chainId === chainId &&
    h.height === height &&
    equalBytes(h.lastBlockHash, prevBlockHash) &&
    validators.indexOf(h.proposerAddress) >= 0
  );
}

export class Monitor {
  /** Every proposed block, by hash. */
  private readonly proposed = new Map<string, Block>();
  private readonly signed = new Map<string, string>();
  private readonly decidedAt = new Map<number, { hash: string; node: number }>();
  private readonly seenDecisions: number[];
  private readonly lastProgress: number[];
  private readonly honest: readonly TestNode[];
  private violation: Violation | null = null;

  constructor(
    private readonly scenario: Scenario,
    private readonly net: TestNetwork,
    isHonest: (node: number) => boolean,
    private readonly boundMs: number,
    private readonly trace: Trace,
  ) {
    this.honest = net.nodes.filter((n) => isHonest(n.index));
    this.seenDecisions = net.nodes.map(() => 0);
    this.lastProgress = net.nodes.map(() => 0);
  }

  get result(): Violation | null {
    return this.violation;
  }

  /** Every honest node decided every height of the scenario. */
  done(): boolean {
    return this.honest.every((n) => n.decisions.has(this.scenario.heights));
  }

  /** Any proposal anyone sent (validity: a decided block must be one of these). */
  recordProposal(message: NetMessage): void {
    if (message.kind !== "proposal") return;
    const block = message.proposal.block;
    this.proposed.set(toHex(blockHash(block)), block);
  }

  /** A message an honest node signed and sent. */
  recordHonestSend(node: number, message: NetMessage): void {
    const [key, value] =
      message.kind === "vote"
        ? [
            `${node}/${message.vote.height}/${message.vote.round}/${message.vote.type === 1 ? "prevote" : "precommit"}`,
            message.vote.blockHash === null ? "nil" : toHex(message.vote.blockHash),
          ]
        : [
            `${node}/${message.proposal.height}/${message.proposal.round}/proposal`,
            `${toHex(blockHash(message.proposal.block))}/${message.proposal.polRound}`,
          ];
    const earlier = this.signed.get(key);
    if (earlier === undefined) this.signed.set(key, value);
    else if (earlier !== value) {
      this.fail("double_sign", `honest n${node} signed two payloads at ${key}: ${earlier} and ${value}`);
    }
  }

  crashed(err: unknown): void {
    this.fail("crash", `the run threw: ${errorMessage(err)}`);
  }

  /** Checks what changed since the last call; returns the first violation found. */
  poll(): Violation | null {
    if (this.violation !== null) return this.violation;
    const now = this.net.now;
    for (const node of this.honest) {
      const i = node.index;
      if (node.signErrors.length > 0) {
        this.fail(
          "sign_refused",
          `honest n${i}'s last-sign guard refused: ${errorMessage(node.signErrors[0])}`,
        );
        return this.violation;
      }
      if (node.conflictingDecisions.length > 0) {
        const d = node.conflictingDecisions[0]!;
        this.fail(
          "conflicting_decision",
          `n${i} decided height ${d.height} again with another block after a restart`,
        );
        return this.violation;
      }
      const seen = this.seenDecisions[i]!;
      if (node.decisions.size !== seen) {
        // Decisions are only ever added, in height order: check the new ones.
        let k = 0;
        for (const d of node.decisions.values()) {
          if (k++ < seen) continue;
          this.checkDecision(i, d.height, d.block, d.commit.blockHash);
          if (this.violation !== null) return this.violation;
          this.lastProgress[i] = Math.max(this.lastProgress[i]!, d.decidedAt);
        }
        this.seenDecisions[i] = node.decisions.size;
      }
    }
    const gst = this.scenario.gstMs;
    if (now > gst + this.boundMs) {
      for (const node of this.honest) {
        if (node.decisions.has(this.scenario.heights)) continue;
        const since = Math.max(gst, this.lastProgress[node.index]!);
        if (now - since > this.boundMs) {
          this.fail(
            "liveness",
            `honest n${node.index} decided nothing for ${now - since} ms after GST (${gst} ms); bound ${this.boundMs} ms; it is at height ${node.driver.height} round ${node.driver.round}`,
          );
          return this.violation;
        }
      }
    }
    return null;
  }

  /** Nothing left to run before every honest node decided: a stall. */
  stalled(): void {
    this.fail("liveness", "nothing left to run, and not every honest node has decided every height");
  }

  private checkDecision(node: number, height: number, block: Block, hash: Uint8Array): void {
    const hex = toHex(hash);
    this.trace.add(node, `DECIDES h${height} ${hex.slice(0, 8)}`);
    const first = this.decidedAt.get(height);
    if (first === undefined) this.decidedAt.set(height, { hash: hex, node });
    else if (first.hash !== hex) {
      this.fail(
        "agreement",
        `height ${height}: honest n${first.node} decided ${first.hash.slice(0, 16)}…, honest n${node} decided ${hex.slice(0, 16)}…`,
      );
      return;
    }
    if (!this.proposed.has(hex)) {
      this.fail(
        "validity",
        `n${node} decided ${hex.slice(0, 16)}… at height ${height}, which nobody proposed`,
      );
      return;
    }
    const prev = height === 1 ? new Uint8Array(0) : this.prevHash(node, height);
    if (prev === null || !validBlock(block, this.net.chainId, height, prev, this.net.validators)) {
      this.fail("validity", `n${node} decided an invalid block ${hex.slice(0, 16)}… at height ${height}`);
    }
  }

  private prevHash(node: number, height: number): Uint8Array | null {
    return this.net.nodes[node]!.decisions.get(height - 1)?.commit.blockHash ?? null;
  }

  private fail(kind: ViolationKind, message: string): void {
    if (this.violation !== null) return;
    this.violation = { kind, message, atMs: this.net.now };
    this.trace.add(null, `VIOLATION (${kind}): ${message}`);
  }
}
