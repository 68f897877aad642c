/** Codec of the consensus catch-up protocol (proto/dccn/p2p/v1/p2p.proto: RoundRequest, RoundMessages). */
import { CodecError, ProtoReader, ProtoWriter } from "../../codec/proto.js";
import {
  type Block,
  type Commit,
  decodeBlock,
  decodeCommit,
  encodeBlock,
  encodeCommit,
} from "../../types/block.js";
import {
  decodeProposal,
  decodeVote,
  encodeProposal,
  encodeVote,
  type Proposal,
  type Vote,
} from "../../types/vote.js";

export interface RoundRequest {
  readonly height: number;
  readonly round: number;
  readonly hasProposal: boolean;
}

export interface RoundMessages {
  readonly proposal: Proposal | null;
  readonly votes: readonly Vote[];
  /** Set when the responder already decided `height`: the block and its +2/3 precommits. */
  readonly decided: { readonly block: Block; readonly commit: Commit } | null;
}

export const EMPTY_ROUND_MESSAGES: RoundMessages = { proposal: null, votes: [], decided: null };

export function encodeRoundRequest(r: RoundRequest): Uint8Array {
  return new ProtoWriter().uint(1, r.height).uint(2, r.round).bool(3, r.hasProposal).finish();
}

export function decodeRoundRequest(bytes: Uint8Array): RoundRequest {
  const r = new ProtoReader(bytes, "RoundRequest");
  let height = 0;
  let round = 0;
  let hasProposal = false;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) height = r.uint();
    else if (f === 2) round = r.uint();
    else if (f === 3) hasProposal = r.bool();
    else r.unknown();
  }
  return { height, round, hasProposal };
}

export function encodeRoundMessages(m: RoundMessages): Uint8Array {
  const w = new ProtoWriter().message(1, m.proposal === null ? null : encodeProposal(m.proposal));
  for (const v of m.votes) w.bytesAlways(2, encodeVote(v));
  if (m.decided !== null) {
    w.message(3, encodeBlock(m.decided.block)).message(4, encodeCommit(m.decided.commit));
  }
  return w.finish();
}

/** Decodes a response, refusing more than `maxVotes` votes. */
export function decodeRoundMessages(bytes: Uint8Array, maxVotes: number): RoundMessages {
  const r = new ProtoReader(bytes, "RoundMessages");
  let proposal: Proposal | null = null;
  const votes: Vote[] = [];
  let block: Block | null = null;
  let commit: Commit | null = null;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) proposal = decodeProposal(r.message());
    else if (f === 2) {
      if (votes.length >= maxVotes)
        throw new CodecError("CODEC_TOO_LARGE", `RoundMessages: more than ${maxVotes} votes`);
      votes.push(decodeVote(r.message()));
    } else if (f === 3) block = decodeBlock(r.message());
    else if (f === 4) commit = decodeCommit(r.message());
    else r.unknown();
  }
  if ((block === null) !== (commit === null)) {
    throw new CodecError("CODEC_BAD_VALUE", "RoundMessages: a decided block needs its commit and vice versa");
  }
  return { proposal, votes, decided: block !== null && commit !== null ? { block, commit } : null };
}
