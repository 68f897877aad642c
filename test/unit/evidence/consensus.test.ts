/**
 * From consensus to the evidence pool: a validator that signs with its raw key (no last-sign
 * guard) sends conflicting prevotes; an honest driver reports the equivocation, the pool turns
 * it into evidence when the height commits, and that evidence verifies for the next block.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { toHex, utf8 } from "../../../src/codec/bytes.js";
import { RawSigner } from "../../../src/consensus/sim/index.js";
import { TestNetwork } from "../../../src/consensus/testkit/network.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { decodeEvidence, EvidencePool } from "../../../src/evidence/index.js";
import { Signer } from "../../../src/privval/signer.js";
import { MemoryLastSignStore } from "../../../src/privval/state-store.js";
import type { ChainState } from "../../../src/state/types.js";
import { Database } from "../../../src/store/db.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../../../src/types/params.js";
import { VoteType } from "../../../src/types/vote.js";

let dir = "";
afterEach(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
  dir = "";
});

describe("equivocation from consensus to committed evidence", () => {
  it("an unguarded double-signer's conflicting prevotes become valid evidence", async () => {
    let raw: RawSigner | null = null;
    const net = await TestNetwork.create({
      powers: [1, 2, 3, 4],
      signer: async (i, key, chainId) => {
        if (i !== 0) return Signer.withStore(new MemoryLastSignStore(), key, chainId);
        raw = new RawSigner(key, chainId);
        return raw;
      },
      // Node 0 prevotes what its driver wants to node 1, the opposite to node 2, both to node 3.
      outbound: (i) =>
        i !== 0
          ? undefined
          : (message, network) => {
              if (message.kind !== "vote" || message.vote.type !== VoteType.Prevote) {
                network.broadcast(0, message);
                return;
              }
              const v = message.vote;
              const other = raw!.vote({
                type: v.type,
                height: v.height,
                round: v.round,
                validatorIndex: v.validatorIndex,
                blockHash: v.blockHash === null ? sha256(utf8("elsewhere")) : null,
              });
              network.send(0, 1, message);
              network.send(0, 2, { kind: "vote", vote: other });
              network.send(0, 3, message);
              network.send(0, 3, { kind: "vote", vote: other });
            },
    });
    net.start();
    await net.runUntilHeight(3);
    expect(net.agreement()).toBe(true);
    const witness = net.nodes[3]!;
    expect(witness.equivocations.length).toBeGreaterThan(0);
    const offender = net.nodes[0]!.address!;
    expect(witness.equivocations.every((e) => toHex(e.first.validatorAddress) === toHex(offender))).toBe(
      true,
    );

    dir = mkdtempSync(join(tmpdir(), "dccn-evidence-"));
    const db = await Database.open(join(dir, "evidence.db"));
    try {
      const decided = (h: number) => witness.decisions.get(h)!;
      const pool = await EvidencePool.open(db, {
        chainId: net.chainId,
        loadValidators: async () => net.validators,
        loadBlockTime: async (h) => witness.decisions.get(h)?.block.header.timeMs ?? null,
      });
      const stateAfter = (h: number): ChainState => ({
        chainId: net.chainId,
        initialHeight: 1,
        lastBlockHeight: h,
        lastBlockHash: decided(h).commit.blockHash,
        lastBlockTimeMs: decided(h).block.header.timeMs,
        lastValidators: net.validators,
        validators: net.validators,
        nextValidators: net.validators,
        lastHeightValidatorsChanged: 1,
        consensusParams: DEFAULT_CONSENSUS_PARAMS,
        lastHeightConsensusParamsChanged: 1,
        lastResultsHash: new Uint8Array(32),
        appHash: new Uint8Array(32),
      });
      // The host's wiring: equivocation effects to the pool, each decided block marked committed.
      for (const e of witness.equivocations) pool.reportConflictingVotes(e.first, e.second);
      for (let h = 1; h <= 2; h++) await pool.markCommitted(decided(h).block, stateAfter(h));

      const state = stateAfter(2);
      const pending = pool.pending(state);
      const heights = new Set(
        witness.equivocations.filter((e) => e.first.height <= 2).map((e) => e.first.height),
      );
      expect(pending).toHaveLength(heights.size);
      const misbehavior = await pool.verify(state, pending);
      expect(misbehavior.map((m) => toHex(m.validatorAddress))).toEqual(pending.map(() => toHex(offender)));
      expect(misbehavior.every((m) => m.power === 1 && m.totalVotingPower === 10)).toBe(true);
      expect(decodeEvidence(pending[0]!).timeMs).toBe(
        decided(decodeEvidence(pending[0]!).voteA.height).block.header.timeMs,
      );
    } finally {
      await db.close();
    }
  });
});
