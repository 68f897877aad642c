/**
 * Consensus inputs as consensus-WAL entries (proto: dccn.node.v1.WalInput in proto/dccn/node/wal.proto).
 * `start_height` is not logged: it is rebuilt from the committed state on restart.
 */
import { ProtoReader, ProtoWriter } from "../codec/proto.js";
import type { ConsensusInput, TimeoutStep } from "../consensus/types.js";
import { DccnError } from "../errors.js";
import { decodeBlock, encodeBlock } from "../types/block.js";
import { decodeProposal, decodeVote, encodeProposal, encodeVote } from "../types/vote.js";

export type LoggedInput = Exclude<ConsensusInput, { kind: "start_height" }>;

const STEPS: readonly TimeoutStep[] = ["propose", "prevote", "precommit"];

export function encodeWalInput(input: LoggedInput): Uint8Array {
  const w = new ProtoWriter();
  switch (input.kind) {
    case "proposal":
      return w
        .message(
          1,
          new ProtoWriter()
            .bytes(1, encodeProposal(input.proposal))
            .bool(2, input.valid)
            .bytes(3, input.signer)
            .finish(),
        )
        .finish();
    case "vote":
      return w.bytes(2, encodeVote(input.vote)).finish();
    case "timeout":
      return w
        .message(
          3,
          new ProtoWriter()
            .uint(1, input.height)
            .uint(2, input.round)
            .uint(3, STEPS.indexOf(input.step) + 1)
            .finish(),
        )
        .finish();
    case "proposal_value":
      return w
        .message(
          4,
          new ProtoWriter()
            .uint(1, input.height)
            .uint(2, input.round)
            .bytes(3, encodeBlock(input.block))
            .finish(),
        )
        .finish();
  }
}

/** Throws DccnError WAL_BAD_ENTRY for bytes that are not a logged input. */
export function decodeWalInput(bytes: Uint8Array): LoggedInput {
  const r = new ProtoReader(bytes, "WalInput");
  let out: LoggedInput | undefined;
  for (let f = r.next(); f !== 0; f = r.next()) {
    switch (f) {
      case 1:
        out = decodeProposalEntry(r.message());
        break;
      case 2:
        out = { kind: "vote", vote: decodeVote(r.bytes()) };
        break;
      case 3:
        out = decodeTimeoutEntry(r.message());
        break;
      case 4:
        out = decodeValueEntry(r.message());
        break;
      default:
        r.unknown();
    }
  }
  if (out === undefined) throw new DccnError("WAL_BAD_ENTRY", "a consensus WAL entry holds no input");
  return out;
}

function decodeProposalEntry(bytes: Uint8Array): LoggedInput {
  const r = new ProtoReader(bytes, "WalProposal");
  let proposal: Uint8Array | undefined;
  let valid = false;
  let signer: Uint8Array = new Uint8Array(0);
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) proposal = r.bytes();
    else if (f === 2) valid = r.bool();
    else if (f === 3) signer = r.bytes();
    else r.unknown();
  }
  if (proposal === undefined) throw new DccnError("WAL_BAD_ENTRY", "a WAL proposal entry has no proposal");
  return { kind: "proposal", proposal: decodeProposal(proposal), valid, signer };
}

function decodeTimeoutEntry(bytes: Uint8Array): LoggedInput {
  const r = new ProtoReader(bytes, "WalTimeout");
  let height = 0;
  let round = 0;
  let step = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) height = r.uint();
    else if (f === 2) round = r.uint();
    else if (f === 3) step = r.uint();
    else r.unknown();
  }
  const s = STEPS[step - 1];
  if (s === undefined) throw new DccnError("WAL_BAD_ENTRY", `a WAL timeout entry has unknown step ${step}`);
  return { kind: "timeout", height, round, step: s };
}

function decodeValueEntry(bytes: Uint8Array): LoggedInput {
  const r = new ProtoReader(bytes, "WalValue");
  let height = 0;
  let round = 0;
  let block: Uint8Array | undefined;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) height = r.uint();
    else if (f === 2) round = r.uint();
    else if (f === 3) block = r.bytes();
    else r.unknown();
  }
  if (block === undefined) throw new DccnError("WAL_BAD_ENTRY", "a WAL value entry has no block");
  return { kind: "proposal_value", height, round, block: decodeBlock(block) };
}
