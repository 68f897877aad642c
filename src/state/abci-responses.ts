/**
 * A block's ABCI responses as stored by height (for RPC `block_results` and for crash
 * recovery), their codec, and `resultsHash` over the deterministic part of the tx results.
 */
import type {
  AbciEvent,
  BeginBlockResponse,
  EndBlockResponse,
  EventAttribute,
  ExecTxResult,
  Misbehavior,
  ValidatorUpdate,
} from "../abci/types.js";
import { CodecError, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { merkleRoot } from "../crypto/merkle.js";
import { type ConsensusParams, decodeConsensusParams, encodeConsensusParams } from "../types/params.js";

export interface AbciResponses {
  readonly beginBlock: BeginBlockResponse;
  readonly txResults: readonly ExecTxResult[];
  readonly endBlock: EndBlockResponse;
  /** BeginBlock's misbehaviour input, kept so the block can be replayed to the app later. */
  readonly byzantineValidators: readonly Misbehavior[];
}

/** The part of a tx result every node must agree on (proto ExecTxResult: code, data, gas). */
export function encodeDeterministicTxResult(r: ExecTxResult): Uint8Array {
  return new ProtoWriter().uint(1, r.code).bytes(2, r.data).uint(3, r.gasWanted).uint(4, r.gasUsed).finish();
}

/** Merkle root of the encoded deterministic tx results (the next header's lastResultsHash). */
export function resultsHash(results: readonly ExecTxResult[]): Uint8Array {
  return merkleRoot(results.map(encodeDeterministicTxResult));
}

// Results and their events are encoded twice per tx (ABCI responses, event index): nested
// messages are written in place rather than encoded apart and copied in.
function writeAttribute(w: ProtoWriter, a: EventAttribute): void {
  w.string(1, a.key).string(2, a.value).bool(3, a.index);
}

function decodeAttribute(bytes: Uint8Array): EventAttribute {
  const r = new ProtoReader(bytes, "EventAttribute");
  let key = "";
  let value = "";
  let index = false;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) key = r.string();
    else if (f === 2) value = r.string();
    else if (f === 3) index = r.bool();
    else r.unknown();
  }
  return { key, value, index };
}

function writeEvent(w: ProtoWriter, e: AbciEvent): void {
  w.string(1, e.type);
  for (const a of e.attributes) w.nested(2, (x) => writeAttribute(x, a));
}

/** One event as its own Event message (the bytes an AbciResponses or tx result nests). */
export function encodeEvent(e: AbciEvent): Uint8Array {
  const w = new ProtoWriter();
  writeEvent(w, e);
  return w.finish();
}

function decodeEvent(bytes: Uint8Array): AbciEvent {
  const r = new ProtoReader(bytes, "Event");
  let type = "";
  const attributes: EventAttribute[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) type = r.string();
    else if (f === 2) attributes.push(decodeAttribute(r.message()));
    else r.unknown();
  }
  return { type, attributes };
}

/** Writes a tx result's fields into `w` (see encodeTxResult). */
export function writeTxResult(w: ProtoWriter, t: ExecTxResult): void {
  w.uint(1, t.code)
    .bytes(2, t.data)
    .uint(3, t.gasWanted)
    .uint(4, t.gasUsed)
    .string(5, t.codespace)
    .string(6, t.log)
    .string(7, t.info);
  for (const e of t.events) w.nested(8, (x) => writeEvent(x, e));
}

export function encodeTxResult(t: ExecTxResult): Uint8Array {
  const w = new ProtoWriter();
  writeTxResult(w, t);
  return w.finish();
}

export function decodeTxResult(bytes: Uint8Array): ExecTxResult {
  const r = new ProtoReader(bytes, "TxResult");
  const t = {
    code: 0,
    data: new Uint8Array(0) as Uint8Array,
    gasWanted: 0,
    gasUsed: 0,
    codespace: "",
    log: "",
    info: "",
  };
  const events: AbciEvent[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) t.code = r.uint();
    else if (f === 2) t.data = r.bytes();
    else if (f === 3) t.gasWanted = r.uint();
    else if (f === 4) t.gasUsed = r.uint();
    else if (f === 5) t.codespace = r.string();
    else if (f === 6) t.log = r.string();
    else if (f === 7) t.info = r.string();
    else if (f === 8) events.push(decodeEvent(r.message()));
    else r.unknown();
  }
  return { ...t, events };
}

function encodeValidatorUpdate(u: ValidatorUpdate): Uint8Array {
  return new ProtoWriter().bytes(1, u.pubKey).uint(2, u.power).finish();
}

function decodeValidatorUpdate(bytes: Uint8Array): ValidatorUpdate {
  const r = new ProtoReader(bytes, "ValidatorUpdate");
  let pubKey: Uint8Array = new Uint8Array(0);
  let power = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) pubKey = r.bytes();
    else if (f === 2) power = r.uint();
    else r.unknown();
  }
  return { pubKey, power };
}

function encodeEndBlock(e: EndBlockResponse): Uint8Array {
  const w = new ProtoWriter();
  for (const u of e.validatorUpdates) w.bytesAlways(1, encodeValidatorUpdate(u));
  w.message(2, e.consensusParamUpdates === undefined ? null : encodeConsensusParams(e.consensusParamUpdates));
  for (const ev of e.events) w.nested(3, (x) => writeEvent(x, ev));
  return w.finish();
}

function decodeEndBlock(bytes: Uint8Array): EndBlockResponse {
  const r = new ProtoReader(bytes, "EndBlock");
  const validatorUpdates: ValidatorUpdate[] = [];
  let consensusParamUpdates: ConsensusParams | undefined;
  const events: AbciEvent[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) validatorUpdates.push(decodeValidatorUpdate(r.message()));
    else if (f === 2) consensusParamUpdates = decodeConsensusParams(r.message());
    else if (f === 3) events.push(decodeEvent(r.message()));
    else r.unknown();
  }
  return consensusParamUpdates === undefined
    ? { validatorUpdates, events }
    : { validatorUpdates, consensusParamUpdates, events };
}

const MISBEHAVIOR_TYPES = { duplicate_vote: 1 } as const;

function encodeMisbehavior(m: Misbehavior): Uint8Array {
  return new ProtoWriter()
    .uint(1, MISBEHAVIOR_TYPES[m.type])
    .bytes(2, m.validatorAddress)
    .uint(3, m.power)
    .uint(4, m.height)
    .uint(5, m.timeMs)
    .uint(6, m.totalVotingPower)
    .finish();
}

function decodeMisbehavior(bytes: Uint8Array): Misbehavior {
  const r = new ProtoReader(bytes, "Misbehavior");
  let type = 0;
  let validatorAddress: Uint8Array = new Uint8Array(0);
  let power = 0;
  let height = 0;
  let timeMs = 0;
  let totalVotingPower = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) type = r.uint();
    else if (f === 2) validatorAddress = r.bytes();
    else if (f === 3) power = r.uint();
    else if (f === 4) height = r.uint();
    else if (f === 5) timeMs = r.uint();
    else if (f === 6) totalVotingPower = r.uint();
    else r.unknown();
  }
  if (type !== MISBEHAVIOR_TYPES.duplicate_vote) {
    throw new CodecError("CODEC_BAD_VALUE", `Misbehavior: unknown type ${type}`);
  }
  return { type: "duplicate_vote", validatorAddress, power, height, timeMs, totalVotingPower };
}

export function encodeAbciResponses(a: AbciResponses): Uint8Array {
  const w = new ProtoWriter();
  for (const e of a.beginBlock.events) w.nested(1, (x) => writeEvent(x, e));
  for (const t of a.txResults) w.nested(2, (x) => writeTxResult(x, t));
  w.message(3, encodeEndBlock(a.endBlock));
  for (const m of a.byzantineValidators) w.bytesAlways(4, encodeMisbehavior(m));
  return w.finish();
}

export function decodeAbciResponses(bytes: Uint8Array): AbciResponses {
  const r = new ProtoReader(bytes, "AbciResponses");
  const beginEvents: AbciEvent[] = [];
  const txResults: ExecTxResult[] = [];
  let endBlock: EndBlockResponse = { validatorUpdates: [], events: [] };
  const byzantineValidators: Misbehavior[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) beginEvents.push(decodeEvent(r.message()));
    else if (f === 2) txResults.push(decodeTxResult(r.message()));
    else if (f === 3) endBlock = decodeEndBlock(r.message());
    else if (f === 4) byzantineValidators.push(decodeMisbehavior(r.message()));
    else r.unknown();
  }
  return { beginBlock: { events: beginEvents }, txResults, endBlock, byzantineValidators };
}

/**
 * An AbciResponses split without decoding its bulk: each tx result and each block event stays
 * encoded, as a view into the input (for the event indexer, which copies results into its
 * records and walks events in place). Everything else is decoded and checked as
 * `decodeAbciResponses` does; the views are not checked here — their reader must.
 */
export interface EncodedAbciResponses {
  /** Encoded tx results (`encodeTxResult` bytes), in block order. */
  readonly txResults: readonly Uint8Array[];
  /** BeginBlock's events then EndBlock's, each an encoded Event message. */
  readonly blockEvents: readonly Uint8Array[];
}

export function splitAbciResponses(bytes: Uint8Array): EncodedAbciResponses {
  const r = new ProtoReader(bytes, "AbciResponses");
  const beginEvents: Uint8Array[] = [];
  const txResults: Uint8Array[] = [];
  let endEvents: Uint8Array[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) beginEvents.push(r.message());
    else if (f === 2) txResults.push(r.message());
    else if (f === 3) endEvents = splitEndBlockEvents(r.message());
    else if (f === 4) decodeMisbehavior(r.message());
    else r.unknown();
  }
  return { txResults, blockEvents: beginEvents.concat(endEvents) };
}

function splitEndBlockEvents(bytes: Uint8Array): Uint8Array[] {
  const r = new ProtoReader(bytes, "EndBlock");
  const events: Uint8Array[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) decodeValidatorUpdate(r.message());
    else if (f === 2) decodeConsensusParams(r.message());
    else if (f === 3) events.push(r.message());
    else r.unknown();
  }
  return events;
}
