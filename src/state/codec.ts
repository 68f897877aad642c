/** Canonical codec of the state-store records (proto/dccn/state/v1/state.proto). */
import { CodecError, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { type ConsensusParams, decodeConsensusParams, encodeConsensusParams } from "../types/params.js";
import { decodeValidatorSet, encodeValidatorSet, type ValidatorSet } from "../types/validator.js";
import type { ChainState } from "./types.js";

export function encodeChainState(s: ChainState): Uint8Array {
  return new ProtoWriter()
    .string(1, s.chainId)
    .uint(2, s.initialHeight)
    .uint(3, s.lastBlockHeight)
    .bytes(4, s.lastBlockHash)
    .uint(5, s.lastBlockTimeMs)
    .message(6, s.lastValidators === null ? null : encodeValidatorSet(s.lastValidators))
    .message(7, encodeValidatorSet(s.validators))
    .message(8, encodeValidatorSet(s.nextValidators))
    .uint(9, s.lastHeightValidatorsChanged)
    .message(10, encodeConsensusParams(s.consensusParams))
    .uint(11, s.lastHeightConsensusParamsChanged)
    .bytes(12, s.lastResultsHash)
    .bytes(13, s.appHash)
    .finish();
}

export function decodeChainState(bytes: Uint8Array): ChainState {
  const r = new ProtoReader(bytes, "ChainState");
  const e: Uint8Array = new Uint8Array(0);
  let chainId = "";
  let initialHeight = 0;
  let lastBlockHeight = 0;
  let lastBlockHash = e;
  let lastBlockTimeMs = 0;
  let lastValidators: ValidatorSet | null = null;
  let validators: ValidatorSet | undefined;
  let nextValidators: ValidatorSet | undefined;
  let lastHeightValidatorsChanged = 0;
  let consensusParams: ConsensusParams | undefined;
  let lastHeightConsensusParamsChanged = 0;
  let lastResultsHash = e;
  let appHash = e;
  for (let f = r.next(); f !== 0; f = r.next()) {
    switch (f) {
      case 1:
        chainId = r.string();
        break;
      case 2:
        initialHeight = r.uint();
        break;
      case 3:
        lastBlockHeight = r.uint();
        break;
      case 4:
        lastBlockHash = r.bytes();
        break;
      case 5:
        lastBlockTimeMs = r.uint();
        break;
      case 6:
        lastValidators = decodeValidatorSet(r.message());
        break;
      case 7:
        validators = decodeValidatorSet(r.message());
        break;
      case 8:
        nextValidators = decodeValidatorSet(r.message());
        break;
      case 9:
        lastHeightValidatorsChanged = r.uint();
        break;
      case 10:
        consensusParams = decodeConsensusParams(r.message());
        break;
      case 11:
        lastHeightConsensusParamsChanged = r.uint();
        break;
      case 12:
        lastResultsHash = r.bytes();
        break;
      case 13:
        appHash = r.bytes();
        break;
      default:
        r.unknown();
    }
  }
  if (validators === undefined || nextValidators === undefined || consensusParams === undefined) {
    throw new CodecError("CODEC_BAD_VALUE", "ChainState: missing validators or consensus params");
  }
  return {
    chainId,
    initialHeight,
    lastBlockHeight,
    lastBlockHash,
    lastBlockTimeMs,
    lastValidators,
    validators,
    nextValidators,
    lastHeightValidatorsChanged,
    consensusParams,
    lastHeightConsensusParamsChanged,
    lastResultsHash,
    appHash,
  };
}

/** A by-height record: the full value where it changed, else a pointer to that height. */
export interface ChangeRecord<T> {
  readonly lastHeightChanged: number;
  readonly value: T | null;
}

function encodeChange<T>(rec: ChangeRecord<T>, encode: (v: T) => Uint8Array): Uint8Array {
  return new ProtoWriter()
    .uint(1, rec.lastHeightChanged)
    .message(2, rec.value === null ? null : encode(rec.value))
    .finish();
}

function decodeChange<T>(bytes: Uint8Array, typeName: string, decode: (b: Uint8Array) => T): ChangeRecord<T> {
  const r = new ProtoReader(bytes, typeName);
  let lastHeightChanged = 0;
  let value: T | null = null;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) lastHeightChanged = r.uint();
    else if (f === 2) value = decode(r.message());
    else r.unknown();
  }
  return { lastHeightChanged, value };
}

export const encodeValidatorsInfo = (rec: ChangeRecord<ValidatorSet>): Uint8Array =>
  encodeChange(rec, encodeValidatorSet);
export const decodeValidatorsInfo = (bytes: Uint8Array): ChangeRecord<ValidatorSet> =>
  decodeChange(bytes, "ValidatorsInfo", decodeValidatorSet);
export const encodeConsensusParamsInfo = (rec: ChangeRecord<ConsensusParams>): Uint8Array =>
  encodeChange(rec, encodeConsensusParams);
export const decodeConsensusParamsInfo = (bytes: Uint8Array): ChangeRecord<ConsensusParams> =>
  decodeChange(bytes, "ConsensusParamsInfo", decodeConsensusParams);
