/** Validators and validator sets. Sets are ordered by address; commit signatures follow that order. */
import { compareBytes, toHex } from "../codec/bytes.js";
import { CodecError, ProtoReader, ProtoWriter } from "../codec/proto.js";
import { addressFromPublicKey } from "../crypto/address.js";
import { merkleRoot } from "../crypto/merkle.js";
import { DccnError } from "../errors.js";

export type ValidatorSetErrorCode = "VALSET_EMPTY" | "VALSET_DUPLICATE" | "VALSET_POWER" | "VALSET_BAD_KEY";

/** Total voting power is capped so that 3·total stays an exact JS integer (< 2^53). */
export const MAX_TOTAL_VOTING_POWER = 2 ** 50;

export interface Validator {
  readonly address: Uint8Array;
  readonly pubKey: Uint8Array;
  readonly votingPower: number;
}

export function encodeValidator(v: Validator): Uint8Array {
  return new ProtoWriter().bytes(1, v.address).bytes(2, v.pubKey).uint(3, v.votingPower).finish();
}

export function decodeValidator(bytes: Uint8Array): Validator {
  const r = new ProtoReader(bytes, "Validator");
  let address: Uint8Array = new Uint8Array(0);
  let pubKey: Uint8Array = new Uint8Array(0);
  let votingPower = 0;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) address = r.bytes();
    else if (f === 2) pubKey = r.bytes();
    else if (f === 3) votingPower = r.uint();
    else r.unknown();
  }
  if (pubKey.length !== 32) throw new CodecError("CODEC_BAD_VALUE", "Validator: pub_key must be 32 bytes");
  return { address, pubKey, votingPower };
}

/** An immutable, validated validator set with O(1) lookup by address. */
export class ValidatorSet {
  readonly validators: readonly Validator[];
  readonly totalVotingPower: number;
  private readonly byAddress: Map<string, number>;
  private cachedHash: Uint8Array | undefined;

  constructor(validators: readonly Validator[]) {
    if (validators.length === 0)
      throw new DccnError<ValidatorSetErrorCode>("VALSET_EMPTY", "empty validator set");
    const sorted = [...validators].sort((a, b) => compareBytes(a.address, b.address));
    const byAddress = new Map<string, number>();
    let total = 0;
    sorted.forEach((v, i) => {
      const derived = addressFromPublicKey(v.pubKey);
      if (v.pubKey.length !== 32 || compareBytes(derived, v.address) !== 0) {
        throw new DccnError<ValidatorSetErrorCode>(
          "VALSET_BAD_KEY",
          `validator ${toHex(v.address)}: address does not match its public key`,
        );
      }
      if (!Number.isSafeInteger(v.votingPower) || v.votingPower <= 0) {
        throw new DccnError<ValidatorSetErrorCode>(
          "VALSET_POWER",
          `validator ${toHex(v.address)}: voting power must be a positive integer`,
        );
      }
      const key = toHex(v.address);
      if (byAddress.has(key)) {
        throw new DccnError<ValidatorSetErrorCode>("VALSET_DUPLICATE", `duplicate validator ${key}`);
      }
      byAddress.set(key, i);
      total += v.votingPower;
    });
    if (total > MAX_TOTAL_VOTING_POWER) {
      throw new DccnError<ValidatorSetErrorCode>(
        "VALSET_POWER",
        `total voting power ${total} exceeds ${MAX_TOTAL_VOTING_POWER}`,
      );
    }
    this.validators = sorted;
    this.totalVotingPower = total;
    this.byAddress = byAddress;
  }

  get size(): number {
    return this.validators.length;
  }

  indexOf(address: Uint8Array): number {
    return this.byAddress.get(toHex(address)) ?? -1;
  }

  getByAddress(address: Uint8Array): Validator | undefined {
    const i = this.indexOf(address);
    return i < 0 ? undefined : this.validators[i];
  }

  /** Merkle root of the encoded validators in set order. */
  hash(): Uint8Array {
    this.cachedHash ??= merkleRoot(this.validators.map(encodeValidator));
    return this.cachedHash;
  }

  /** More than two thirds of the total power. */
  hasTwoThirds(power: number): boolean {
    return 3 * power > 2 * this.totalVotingPower;
  }

  /** More than one third of the total power (at least one honest validator). */
  hasOneThird(power: number): boolean {
    return 3 * power > this.totalVotingPower;
  }

  /** Applies updates (power 0 removes), returning a new set. */
  update(updates: readonly Validator[]): ValidatorSet {
    const next = new Map<string, Validator>();
    for (const v of this.validators) next.set(toHex(v.address), v);
    for (const u of updates) {
      const key = toHex(u.address);
      if (u.votingPower === 0) next.delete(key);
      else next.set(key, u);
    }
    return new ValidatorSet([...next.values()]);
  }
}

export function encodeValidatorSet(set: ValidatorSet): Uint8Array {
  const w = new ProtoWriter();
  for (const v of set.validators) w.bytesAlways(1, encodeValidator(v));
  return w.finish();
}

export function decodeValidatorSet(bytes: Uint8Array): ValidatorSet {
  const r = new ProtoReader(bytes, "ValidatorSet");
  const vals: Validator[] = [];
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) vals.push(decodeValidator(r.message()));
    else r.unknown();
  }
  return new ValidatorSet(vals);
}
