/** Votes and proposals: wire types, canonical sign-bytes (with chain id and a domain prefix). */
import { concatBytes, utf8 } from "../codec/bytes.js";
import { CodecError, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { type Block, decodeBlock, encodeBlock } from "./block.js";

export const VoteType = { Prevote: 1, Precommit: 2 } as const;
export type VoteType = (typeof VoteType)[keyof typeof VoteType];
const PROPOSAL_TYPE = 32;

export interface Vote {
  readonly type: VoteType;
  readonly height: number;
  readonly round: number;
  /** Null is a vote for nil. */
  readonly blockHash: Uint8Array | null;
  readonly validatorAddress: Uint8Array;
  readonly validatorIndex: number;
  readonly signature: Uint8Array;
}

export interface Proposal {
  readonly height: number;
  readonly round: number;
  /** -1 when the proposer carries no proof-of-lock round. */
  readonly polRound: number;
  readonly block: Block;
  readonly signature: Uint8Array;
}

const VOTE_DOMAIN = utf8("dccn/vote/v1\0");
const PROPOSAL_DOMAIN = utf8("dccn/proposal/v1\0");

export function voteSignBytes(
  chainId: string,
  v: Pick<Vote, "type" | "height" | "round" | "blockHash">,
): Uint8Array {
  const body = new ProtoWriter()
    .uint(1, v.type)
    .uint(2, v.height)
    .uint(3, v.round)
    .bytes(4, v.blockHash ?? new Uint8Array(0))
    .string(5, chainId)
    .finish();
  return concatBytes(VOTE_DOMAIN, body);
}

export function proposalSignBytes(
  chainId: string,
  p: { height: number; round: number; polRound: number; blockHash: Uint8Array },
): Uint8Array {
  const body = new ProtoWriter()
    .uint(1, PROPOSAL_TYPE)
    .uint(2, p.height)
    .uint(3, p.round)
    .int(4, p.polRound)
    .bytes(5, p.blockHash)
    .string(6, chainId)
    .finish();
  return concatBytes(PROPOSAL_DOMAIN, body);
}

export function encodeVote(v: Vote): Uint8Array {
  return new ProtoWriter()
    .uint(1, v.type)
    .uint(2, v.height)
    .uint(3, v.round)
    .bytes(4, v.blockHash ?? new Uint8Array(0))
    .bytes(5, v.validatorAddress)
    .uint(6, v.validatorIndex)
    .bytes(7, v.signature)
    .finish();
}

export function decodeVote(bytes: Uint8Array): Vote {
  const r = new ProtoReader(bytes, "Vote");
  let type = 0;
  let height = 0;
  let round = 0;
  let blockHash: Uint8Array | null = null;
  let validatorAddress: Uint8Array = new Uint8Array(0);
  let validatorIndex = 0;
  let signature: Uint8Array = new Uint8Array(0);
  for (let f = r.next(); f !== 0; f = r.next()) {
    switch (f) {
      case 1:
        type = r.uint();
        break;
      case 2:
        height = r.uint();
        break;
      case 3:
        round = r.uint();
        break;
      case 4: {
        const b = r.bytes();
        blockHash = b.length === 0 ? null : b;
        break;
      }
      case 5:
        validatorAddress = r.bytes();
        break;
      case 6:
        validatorIndex = r.uint();
        break;
      case 7:
        signature = r.bytes();
        break;
      default:
        r.unknown();
    }
  }
  if (type !== VoteType.Prevote && type !== VoteType.Precommit) {
    throw new CodecError("CODEC_BAD_VALUE", `Vote: unknown vote type ${type}`);
  }
  return { type, height, round, blockHash, validatorAddress, validatorIndex, signature };
}

export function encodeProposal(p: Proposal): Uint8Array {
  return new ProtoWriter()
    .uint(1, p.height)
    .uint(2, p.round)
    .int(3, p.polRound)
    .message(4, encodeBlock(p.block))
    .bytes(5, p.signature)
    .finish();
}

export function decodeProposal(bytes: Uint8Array): Proposal {
  const r = new ProtoReader(bytes, "Proposal");
  let height = 0;
  let round = 0;
  let polRound = 0;
  let block: Block | undefined;
  let signature: Uint8Array = new Uint8Array(0);
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) height = r.uint();
    else if (f === 2) round = r.uint();
    else if (f === 3) polRound = r.int();
    else if (f === 4) block = decodeBlock(r.message());
    else if (f === 5) signature = r.bytes();
    else r.unknown();
  }
  if (block === undefined) throw new CodecError("CODEC_BAD_VALUE", "Proposal: missing block");
  if (polRound < -1 || polRound >= round) {
    throw new CodecError("CODEC_BAD_VALUE", `Proposal: pol_round ${polRound} must be in [-1, round)`);
  }
  return { height, round, polRound, block, signature };
}
