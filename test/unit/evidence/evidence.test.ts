/**
 * Duplicate-vote evidence end to end on a real chain: LevelDB stores, the kvstore app, the
 * block executor with the evidence pool as its verifier, real Ed25519 keys.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlockValidationError } from "../../../src/abci/executor.js";
import type { Application, BeginBlockRequest, Misbehavior } from "../../../src/abci/types.js";
import { utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import type { PrivateKey } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { isDccnError } from "../../../src/errors.js";
import {
  type DuplicateVoteEvidence,
  decodeEvidence,
  EvidenceError,
  EvidencePool,
  encodeEvidence,
  newDuplicateVoteEvidence,
} from "../../../src/evidence/index.js";
import type { ChainState } from "../../../src/state/types.js";
import { Database } from "../../../src/store/db.js";
import { dataPaths } from "../../../src/store/paths.js";
import { type Block, evidenceHash, headerHash } from "../../../src/types/block.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../../../src/types/params.js";
import { type Vote, VoteType, voteSignBytes } from "../../../src/types/vote.js";
import {
  CHAIN_ID,
  makeGenesis,
  makeKey,
  override,
  removeHome,
  signCommit,
  TestNode,
  tempHome,
} from "../abci/fixture.js";

const KEYS = [makeKey(1), makeKey(2), makeKey(3), makeKey(4)];
const POWERS = [10, 20, 30, 40];

interface Chain {
  node: TestNode;
  pool: EvidencePool;
  db: Database;
  begun: BeginBlockRequest[];
}

/** A vote of `key` signed for real (validatorIndex from the node's validator set). */
function signedVote(
  node: TestNode,
  key: PrivateKey,
  height: number,
  blockHash: Uint8Array | null,
  type: VoteType = VoteType.Precommit,
  round = 0,
): Vote {
  const address = addressFromPublicKey(key.publicKey);
  const fields = { type, height, round, blockHash };
  return {
    ...fields,
    validatorAddress: address,
    validatorIndex: node.state.validators.indexOf(address),
    signature: key.sign(voteSignBytes(CHAIN_ID, fields)),
  };
}

const hashOf = (tag: string) => sha256(utf8(tag));

async function openChain(home: string, maxAgeBlocks = 100): Promise<Chain> {
  const begun: BeginBlockRequest[] = [];
  const db = await Database.open(`${dataPaths(home).stateStore}-evidence`);
  let node: TestNode | undefined;
  const pool = await EvidencePool.open(db, {
    chainId: CHAIN_ID,
    loadValidators: (h) => node!.parts.stateStore.loadValidators(h),
    loadBlockTime: async (h) => (await node!.parts.blockStore.loadBlockMeta(h))?.header.timeMs ?? null,
  });
  const genesis = makeGenesis(KEYS, POWERS, {
    consensusParams: {
      ...DEFAULT_CONSENSUS_PARAMS,
      evidence: { ...DEFAULT_CONSENSUS_PARAMS.evidence, maxAgeBlocks },
    },
  });
  node = await TestNode.open(home, genesis, KEYS, {
    executor: { evidenceVerifier: pool },
    wrapApp: (app: Application) =>
      override(app, {
        beginBlock: async (req: BeginBlockRequest) => {
          begun.push(req);
          return app.beginBlock(req);
        },
      }),
  });
  return { node, pool, db, begun };
}

/** Builds, validates, saves, applies and marks committed the next block, with `evidence`. */
async function commitWith(chain: Chain, evidence: readonly Uint8Array[]): Promise<Block> {
  const { node, pool } = chain;
  const height = node.state.lastBlockHeight + 1;
  const block = node.parts.executor.createProposalBlock(node.state, {
    height,
    txs: [utf8(`k${height}=v`)],
    lastCommit: await node.lastCommit(),
    proposerAddress: node.state.validators.validators[0]!.address,
    timeMs: node.state.lastBlockTimeMs + 1000,
    evidence,
  });
  const hash = headerHash(block.header);
  const commit = signCommit(CHAIN_ID, node.state.validators, KEYS, height, hash);
  await node.parts.blockStore.saveBlock(block, commit);
  node.state = (await node.parts.executor.applyBlock(node.state, block, hash)).state;
  await pool.markCommitted(block, node.state);
  return block;
}

/** A block after the current state carrying `evidence` (hashes consistent), not applied. */
async function proposeWith(chain: Chain, evidence: readonly Uint8Array[]): Promise<Block> {
  const { node } = chain;
  return node.parts.executor.createProposalBlock(node.state, {
    height: node.state.lastBlockHeight + 1,
    txs: [],
    lastCommit: await node.lastCommit(),
    proposerAddress: node.state.validators.validators[0]!.address,
    timeMs: node.state.lastBlockTimeMs + 1000,
    evidence,
  });
}

/** Real evidence against KEYS[1] (power 20) at `height`: two precommits for different blocks. */
async function evidenceAt(chain: Chain, height: number, key = KEYS[1]!): Promise<DuplicateVoteEvidence> {
  const meta = await chain.node.parts.blockStore.loadBlockMeta(height);
  const a = signedVote(chain.node, key, height, hashOf(`A${height}`));
  const b = signedVote(chain.node, key, height, hashOf(`B${height}`));
  const validator = chain.node.state.validators.getByAddress(a.validatorAddress)!;
  return newDuplicateVoteEvidence(b, a, {
    totalVotingPower: chain.node.state.validators.totalVotingPower,
    validatorPower: validator.votingPower,
    // A height not committed yet has no block time: use the last one (the test expects a rejection).
    timeMs: meta?.header.timeMs ?? chain.node.state.lastBlockTimeMs,
  });
}

async function expectEvidenceRejected(chain: Chain, block: Block, code: string): Promise<void> {
  const err = await chain.node.parts.executor.validateBlock(chain.node.state, block).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BlockValidationError);
  expect((err as BlockValidationError).code).toBe("BLOCK_INVALID_EVIDENCE");
  expect(isDccnError((err as BlockValidationError).cause, code)).toBe(true);
}

let home = "";
let chain: Chain | null = null;

beforeEach(() => {
  home = tempHome();
});

afterEach(async () => {
  if (chain !== null) {
    await chain.node.close();
    await chain.db.close();
    chain = null;
  }
  removeHome(home);
});

describe("duplicate-vote evidence codec", () => {
  it("has one encoding per conflicting pair, whatever the order the votes came in", async () => {
    chain = await openChain(home);
    await commitWith(chain, []);
    const a = signedVote(chain.node, KEYS[2]!, 1, hashOf("x"));
    const b = signedVote(chain.node, KEYS[2]!, 1, null);
    const ctx = { totalVotingPower: 100, validatorPower: 30, timeMs: 5 };
    const ab = encodeEvidence(newDuplicateVoteEvidence(a, b, ctx));
    const ba = encodeEvidence(newDuplicateVoteEvidence(b, a, ctx));
    expect(ab).toEqual(ba);
    const decoded = decodeEvidence(ab);
    expect(decoded.voteA.blockHash).toBeNull(); // nil sorts first
    expect(decoded.voteB.blockHash).toEqual(hashOf("x"));
    expect(decoded.validatorPower).toBe(30);

    // The other order, hand-built, is not canonical: rejected on encode and on decode.
    const swapped = { ...decoded, voteA: decoded.voteB, voteB: decoded.voteA };
    expect(() => encodeEvidence(swapped)).toThrow(EvidenceError);
    const tampered = ab.slice();
    tampered[tampered.length - 1]! ^= 1; // time_ms changes: still canonical, still decodes
    expect(decodeEvidence(tampered).timeMs).not.toBe(5);
    expect(() => decodeEvidence(Uint8Array.of(...ab, 0x30, 0x00))).toThrowError(
      expect.objectContaining({ code: "EVIDENCE_MALFORMED" }),
    );
    expect(() => decodeEvidence(utf8("garbage"))).toThrowError(
      expect.objectContaining({ code: "EVIDENCE_MALFORMED" }),
    );
  });

  it("rejects pairs that are not an offence", async () => {
    chain = await openChain(home);
    await commitWith(chain, []);
    const ctx = { totalVotingPower: 100, validatorPower: 20, timeMs: 5 };
    const v = (
      key: PrivateKey,
      h: number,
      tag: string | null,
      type: VoteType = VoteType.Precommit,
      round = 0,
    ) => signedVote(chain!.node, key, h, tag === null ? null : hashOf(tag), type, round);
    const cases: [Vote, Vote][] = [
      [v(KEYS[1]!, 1, "a"), v(KEYS[1]!, 1, "a")], // same block
      [v(KEYS[1]!, 1, "a"), v(KEYS[2]!, 1, "b")], // two validators
      [v(KEYS[1]!, 1, "a"), v(KEYS[1]!, 1, "b", VoteType.Prevote)], // two types
      [v(KEYS[1]!, 1, "a"), v(KEYS[1]!, 1, "b", VoteType.Precommit, 1)], // two rounds
    ];
    for (const [a, b] of cases) {
      expect(() => encodeEvidence(newDuplicateVoteEvidence(a, b, ctx))).toThrowError(
        expect.objectContaining({ code: "EVIDENCE_MALFORMED" }),
      );
    }
  });
});

describe("evidence in blocks", () => {
  it("commits valid evidence once: the app gets the offender's address and power, a repeat is invalid", async () => {
    chain = await openChain(home);
    await commitWith(chain, []);
    await commitWith(chain, []);
    const ev = await evidenceAt(chain, 1);
    expect(await chain.pool.add(encodeEvidence(ev), chain.node.state)).toBe("added");
    expect(await chain.pool.add(ev, chain.node.state)).toBe("duplicate");

    const pending = chain.pool.pending(chain.node.state);
    expect(pending).toEqual([encodeEvidence(ev)]);
    const block3 = await commitWith(chain, pending);
    expect(block3.header.evidenceHash).toEqual(evidenceHash(pending));
    const begin3 = chain.begun.find((b) => b.header.height === 3)!;
    const expected: Misbehavior = {
      type: "duplicate_vote",
      validatorAddress: addressFromPublicKey(KEYS[1]!.publicKey),
      power: 20,
      height: 1,
      timeMs: ev.timeMs,
      totalVotingPower: 100,
    };
    expect(begin3.byzantineValidators).toEqual([expected]);

    // Committed: gone from pending, never proposed again, and a block repeating it is invalid.
    expect(chain.pool.pendingCount).toBe(0);
    expect(chain.pool.pending(chain.node.state)).toEqual([]);
    expect(await chain.pool.add(ev, chain.node.state)).toBe("committed");
    await expectEvidenceRejected(chain, await proposeWith(chain, [encodeEvidence(ev)]), "EVIDENCE_COMMITTED");
    await commitWith(chain, []);
    expect(chain.begun.filter((b) => b.byzantineValidators.length > 0)).toHaveLength(1);
  });

  it("rejects the same offence twice in one block", async () => {
    chain = await openChain(home);
    await commitWith(chain, []);
    const bytes = encodeEvidence(await evidenceAt(chain, 1));
    await expectEvidenceRejected(chain, await proposeWith(chain, [bytes, bytes]), "EVIDENCE_DUPLICATE");
    // The same offence with other conflicting votes is the same offence.
    const meta = await chain.node.parts.blockStore.loadBlockMeta(1);
    const other = newDuplicateVoteEvidence(
      signedVote(chain.node, KEYS[1]!, 1, hashOf("C1")),
      signedVote(chain.node, KEYS[1]!, 1, hashOf("D1")),
      { totalVotingPower: 100, validatorPower: 20, timeMs: meta!.header.timeMs },
    );
    await expectEvidenceRejected(
      chain,
      await proposeWith(chain, [bytes, encodeEvidence(other)]),
      "EVIDENCE_DUPLICATE",
    );
  });

  it("makes a block with forged or wrong evidence invalid", async () => {
    chain = await openChain(home);
    await commitWith(chain, []);
    await commitWith(chain, []);
    const ev = await evidenceAt(chain, 1);
    const forgedSig = ev.voteB.signature.slice();
    forgedSig[0]! ^= 0xff;
    const outsider = makeKey(9);
    const outsiderEv = newDuplicateVoteEvidence(
      { ...signedVote(chain.node, outsider, 1, hashOf("a")), validatorIndex: 0 },
      { ...signedVote(chain.node, outsider, 1, hashOf("b")), validatorIndex: 0 },
      { totalVotingPower: 100, validatorPower: 20, timeMs: ev.timeMs },
    );
    const cases: [DuplicateVoteEvidence, string][] = [
      [{ ...ev, voteB: { ...ev.voteB, signature: forgedSig } }, "EVIDENCE_BAD_SIGNATURE"],
      [{ ...ev, validatorPower: 40 }, "EVIDENCE_MISMATCH"],
      [{ ...ev, totalVotingPower: 99 }, "EVIDENCE_MISMATCH"],
      [{ ...ev, timeMs: ev.timeMs + 1 }, "EVIDENCE_MISMATCH"],
      [outsiderEv, "EVIDENCE_UNKNOWN_VALIDATOR"],
      [await evidenceAt(chain, 3), "EVIDENCE_FROM_FUTURE"],
    ];
    for (const [bad, code] of cases) {
      await expectEvidenceRejected(chain, await proposeWith(chain, [encodeEvidence(bad)]), code);
      await expect(chain.pool.add(bad, chain.node.state)).rejects.toMatchObject({ code });
    }
    // Bytes that do not decode.
    await expectEvidenceRejected(
      chain,
      await proposeWith(chain, [utf8("not evidence")]),
      "EVIDENCE_MALFORMED",
    );
    // Nothing invalid got into the pool, and the chain still accepts the valid evidence.
    expect(chain.pool.pendingCount).toBe(0);
    await commitWith(chain, [encodeEvidence(ev)]);
    expect(chain.begun.at(-1)?.byzantineValidators).toHaveLength(1);
  });

  it("expires evidence older than maxAgeBlocks and prunes it from the pool", async () => {
    chain = await openChain(home, 2);
    await commitWith(chain, []);
    await commitWith(chain, []);
    const ev = await evidenceAt(chain, 1);
    expect(await chain.pool.add(ev, chain.node.state)).toBe("added"); // block 3: age 2, allowed
    await commitWith(chain, []); // block 3 without it
    // Block 4 would carry evidence of age 3 > 2.
    await expectEvidenceRejected(chain, await proposeWith(chain, [encodeEvidence(ev)]), "EVIDENCE_EXPIRED");
    expect(chain.pool.pending(chain.node.state)).toEqual([]);
    expect(chain.pool.pendingCount).toBe(0); // pruned when block 3 was marked committed
    await expect(chain.pool.add(ev, chain.node.state)).rejects.toMatchObject({ code: "EVIDENCE_EXPIRED" });
  });

  it("bounds what the proposer takes by evidence.maxBytes, oldest first", async () => {
    chain = await openChain(home);
    for (let i = 0; i < 3; i++) await commitWith(chain, []);
    const newer = await evidenceAt(chain, 2, KEYS[0]!);
    const older = await evidenceAt(chain, 1, KEYS[3]!);
    await chain.pool.add(newer, chain.node.state);
    await chain.pool.add(older, chain.node.state);
    const both = chain.pool.pending(chain.node.state);
    expect(both.map((b) => decodeEvidence(b).voteA.height)).toEqual([1, 2]);
    const one = both[0]!.length;
    const tight: ChainState = {
      ...chain.node.state,
      consensusParams: {
        ...chain.node.state.consensusParams,
        evidence: { ...chain.node.state.consensusParams.evidence, maxBytes: one + 10 },
      },
    };
    expect(chain.pool.pending(tight)).toEqual([both[0]]);
  });
});

describe("evidence pool", () => {
  it("keeps pending and committed evidence across a restart", async () => {
    chain = await openChain(home);
    await commitWith(chain, []);
    await commitWith(chain, []);
    const committedEv = await evidenceAt(chain, 1, KEYS[1]!);
    const pendingEv = await evidenceAt(chain, 2, KEYS[2]!);
    await chain.pool.add(committedEv, chain.node.state);
    await commitWith(chain, [encodeEvidence(committedEv)]);
    await chain.pool.add(pendingEv, chain.node.state);
    await chain.node.close();
    await chain.db.close();
    chain = null;

    chain = await openChain(home);
    expect(chain.pool.lastCommittedHeight).toBe(3);
    expect(chain.pool.pendingEvidence()).toEqual([pendingEv]);
    expect(chain.pool.isCommitted(committedEv)).toBe(true);
    expect(await chain.pool.add(committedEv, chain.node.state)).toBe("committed");
    await expectEvidenceRejected(
      chain,
      await proposeWith(chain, [encodeEvidence(committedEv)]),
      "EVIDENCE_COMMITTED",
    );
    await commitWith(chain, chain.pool.pending(chain.node.state));
    expect(chain.begun.at(-1)?.byzantineValidators.map((m) => m.height)).toEqual([2]);
  });

  it("turns the driver's conflicting votes into evidence once their height is committed", async () => {
    chain = await openChain(home);
    await commitWith(chain, []);
    const announced: DuplicateVoteEvidence[] = [];
    chain.pool.subscribe((_bytes, ev) => announced.push(ev));
    // Conflicting prevotes at height 2, the height in progress.
    const first = signedVote(chain.node, KEYS[3]!, 2, hashOf("P"), VoteType.Prevote, 1);
    const second = signedVote(chain.node, KEYS[3]!, 2, null, VoteType.Prevote, 1);
    chain.pool.reportConflictingVotes(first, second);
    chain.pool.reportConflictingVotes(second, first); // the same offence again: ignored
    expect(chain.pool.pendingCount).toBe(0);

    const block2 = await commitWith(chain, []);
    expect(announced).toHaveLength(1);
    const ev = announced[0]!;
    expect(ev.voteA).toEqual(second); // nil first
    expect(ev).toMatchObject({ validatorPower: 40, totalVotingPower: 100, timeMs: block2.header.timeMs });
    await commitWith(chain, chain.pool.pending(chain.node.state));
    expect(chain.begun.at(-1)?.byzantineValidators).toEqual([
      expect.objectContaining({ height: 2, power: 40, validatorAddress: first.validatorAddress }),
    ]);
    // Reported again after it was committed: nothing happens.
    chain.pool.reportConflictingVotes(first, second);
    await commitWith(chain, []);
    expect(chain.pool.pendingCount).toBe(0);
  });
});
