/**
 * Duplicate-vote evidence: one validator's two signed votes for the same (height, round, type)
 * with different block ids, its canonical encoding (proto/dccn/evidence/v1/evidence.proto),
 * its identity (one offence, one key) and what the application receives for it.
 */
import type { Misbehavior } from "../abci/types.js";
import { compareBytes, concatBytes, toHex, u64be } from "../codec/bytes.js";
import { CodecError, decodeCanonical, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { decodeVote, encodeVote, type Vote } from "../types/vote.js";
import { EvidenceError } from "./errors.js";

export interface DuplicateVoteEvidence {
  /** The vote whose block hash sorts first (nil, the empty hash, before any hash). */
  readonly voteA: Vote;
  readonly voteB: Vote;
  /** Total voting power of the validator set at the votes' height. */
  readonly totalVotingPower: number;
  /** The offender's voting power at that height. */
  readonly validatorPower: number;
  /** Time of the committed block at that height (unix ms). */
  readonly timeMs: number;
}

const hashBytes = (v: Vote): Uint8Array => v.blockHash ?? new Uint8Array(0);

/** Puts two conflicting votes in canonical order (by block hash, nil first). */
export function orderVotes(first: Vote, second: Vote): [Vote, Vote] {
  return compareBytes(hashBytes(first), hashBytes(second)) <= 0 ? [first, second] : [second, first];
}

/** Builds evidence from two conflicting votes in either order. */
export function newDuplicateVoteEvidence(
  first: Vote,
  second: Vote,
  context: { totalVotingPower: number; validatorPower: number; timeMs: number },
): DuplicateVoteEvidence {
  const [voteA, voteB] = orderVotes(first, second);
  return { voteA, voteB, ...context };
}

/**
 * Throws EVIDENCE_MALFORMED unless the pair is well formed: same height, round, type,
 * validator address and index; different block ids; canonical order.
 */
export function checkPair(ev: DuplicateVoteEvidence): void {
  const a = ev.voteA;
  const b = ev.voteB;
  const bad = (why: string): never => {
    throw new EvidenceError("EVIDENCE_MALFORMED", `duplicate-vote evidence: ${why}`, {
      height: a.height,
      round: a.round,
    });
  };
  if (a.height !== b.height || a.round !== b.round || a.type !== b.type) {
    bad("the votes are for different heights, rounds or types");
  }
  if (a.height < 1) bad("the votes have no height");
  if (compareBytes(a.validatorAddress, b.validatorAddress) !== 0 || a.validatorIndex !== b.validatorIndex) {
    bad("the votes come from different validators");
  }
  const order = compareBytes(hashBytes(a), hashBytes(b));
  if (order === 0) bad("both votes are for the same block");
  if (order > 0) bad("vote_a must be the vote whose block hash sorts first");
}

/** One offence, one key: height, round, type and offender, ordered by height first. */
export function evidenceKey(ev: DuplicateVoteEvidence): Uint8Array {
  const a = ev.voteA;
  return concatBytes(u64be(a.height), u64be(a.round), Uint8Array.of(a.type), a.validatorAddress);
}

export const evidenceKeyHex = (ev: DuplicateVoteEvidence): string => toHex(evidenceKey(ev));

export function evidenceHeight(ev: DuplicateVoteEvidence): number {
  return ev.voteA.height;
}

/** What BeginBlock receives for this evidence. */
export function misbehaviorOf(ev: DuplicateVoteEvidence): Misbehavior {
  return {
    type: "duplicate_vote",
    validatorAddress: ev.voteA.validatorAddress,
    power: ev.validatorPower,
    height: ev.voteA.height,
    timeMs: ev.timeMs,
    totalVotingPower: ev.totalVotingPower,
  };
}

function encodeDuplicateVote(ev: DuplicateVoteEvidence): Uint8Array {
  return new ProtoWriter()
    .message(1, encodeVote(ev.voteA))
    .message(2, encodeVote(ev.voteB))
    .uint(3, ev.totalVotingPower)
    .uint(4, ev.validatorPower)
    .uint(5, ev.timeMs)
    .finish();
}

function decodeDuplicateVote(bytes: Uint8Array): DuplicateVoteEvidence {
  const r = new ProtoReader(bytes, "DuplicateVoteEvidence");
  let voteA: Vote | undefined;
  let voteB: Vote | undefined;
  let totalVotingPower = 0;
  let validatorPower = 0;
  let timeMs = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) voteA = decodeVote(r.message());
    else if (f === 2) voteB = decodeVote(r.message());
    else if (f === 3) totalVotingPower = r.uint();
    else if (f === 4) validatorPower = r.uint();
    else if (f === 5) timeMs = r.uint();
    else r.unknown();
  }
  if (voteA === undefined || voteB === undefined) {
    throw new CodecError("CODEC_BAD_VALUE", "DuplicateVoteEvidence: both votes are required");
  }
  return { voteA, voteB, totalVotingPower, validatorPower, timeMs };
}

/** The encoded `Evidence` wrapper (what a block's evidence list holds). */
export function encodeEvidence(ev: DuplicateVoteEvidence): Uint8Array {
  checkPair(ev);
  return new ProtoWriter().message(1, encodeDuplicateVote(ev)).finish();
}

function decodeWrapper(bytes: Uint8Array): DuplicateVoteEvidence {
  const r = new ProtoReader(bytes, "Evidence");
  let ev: DuplicateVoteEvidence | undefined;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1 && ev === undefined) ev = decodeDuplicateVote(r.message());
    else r.unknown();
  }
  if (ev === undefined) throw new CodecError("CODEC_BAD_VALUE", "Evidence: empty");
  return ev;
}

/**
 * Strict decode: canonical bytes only (one offence pair, one encoding) and a well-formed
 * pair; anything else is EVIDENCE_MALFORMED.
 */
export function decodeEvidence(bytes: Uint8Array): DuplicateVoteEvidence {
  let ev: DuplicateVoteEvidence;
  try {
    ev = decodeCanonical(bytes, "Evidence", decodeWrapper, (e) =>
      new ProtoWriter().message(1, encodeDuplicateVote(e)).finish(),
    );
  } catch (err) {
    if (err instanceof EvidenceError) throw err;
    throw new EvidenceError(
      "EVIDENCE_MALFORMED",
      `undecodable evidence: ${err instanceof Error ? err.message : String(err)}`,
      {},
      { cause: err },
    );
  }
  checkPair(ev);
  return ev;
}
