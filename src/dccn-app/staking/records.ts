/**
 * Codecs of the staking state values (proto/dccn/staking/v1/staking.proto). Canonical and
 * strict, like every state value: a value that does not re-encode to its bytes is refused.
 */
import { decodeCanonical, ProtoReader, ProtoWriter } from "../../codec/proto.js";

export interface Stake {
  /** Base units bonded (> 0; a zero stake is deleted). */
  readonly bonded: bigint;
}

export interface UnbondingEntry {
  readonly amount: bigint;
  /** Height of the `unstake`: the stake was bonded at every height before it. */
  readonly creationHeight: number;
}

export interface Candidate {
  /** Ed25519 consensus public key (32 bytes). */
  readonly consPubKey: Uint8Array;
  readonly moniker: string;
  /** The provider identity whose quality of service is this candidate's service level (20 bytes). */
  readonly provider?: Uint8Array;
  /** Service level used when the market has no record (ppm; source "genesis"). */
  readonly genesisServiceLevelPpm: number;
  readonly jailed: boolean;
  /** First height at which `unjail` is accepted. */
  readonly jailedUntil: number;
  readonly registeredHeight: number;
}

export interface ValidatorRecord {
  readonly pubKey: Uint8Array;
  readonly power: number;
}

export interface SigningInfo {
  /** Blocks (with a vote expected from this validator) counted since tracking (re)started. */
  readonly counter: number;
  /** Missed precommits among the last `min(counter, window)` expected ones. */
  readonly missed: number;
  /** Bit i (LSB first) set = the vote at counter ≡ i (mod window) was missed. */
  readonly bitmap: Uint8Array;
}

export interface ElectionRecord {
  readonly height: number;
  readonly seed: Uint8Array;
  readonly eligible: number;
  readonly elected: number;
  /** Σ stake × service level of the elected (base units × ppm). */
  readonly totalWeight: bigint;
}

type Codec<T> = {
  encode(v: T): Uint8Array;
  decode(b: Uint8Array): T;
};

function codec<T>(name: string, encode: (v: T) => Uint8Array, loose: (r: ProtoReader) => T): Codec<T> {
  return {
    encode,
    decode: (bytes) => decodeCanonical(bytes, name, (b) => loose(new ProtoReader(b, name)), encode),
  };
}

export const stakeCodec = codec<Stake>(
  "staking.Stake",
  (v) => new ProtoWriter().bigint(1, v.bonded).finish(),
  (r) => {
    let bonded = 0n;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) bonded = r.bigint();
      else r.unknown();
    }
    return { bonded };
  },
);

export const unbondingCodec = codec<UnbondingEntry>(
  "staking.UnbondingEntry",
  (v) => new ProtoWriter().bigint(1, v.amount).uint(2, v.creationHeight).finish(),
  (r) => {
    let amount = 0n;
    let creationHeight = 0;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) amount = r.bigint();
      else if (f === 2) creationHeight = r.uint();
      else r.unknown();
    }
    return { amount, creationHeight };
  },
);

export const candidateCodec = codec<Candidate>(
  "staking.Candidate",
  (v) =>
    new ProtoWriter()
      .bytes(1, v.consPubKey)
      .string(2, v.moniker)
      .bytes(3, v.provider ?? new Uint8Array(0))
      .uint(4, v.genesisServiceLevelPpm)
      .bool(5, v.jailed)
      .uint(6, v.jailedUntil)
      .uint(7, v.registeredHeight)
      .finish(),
  (r) => {
    let consPubKey: Uint8Array = new Uint8Array(0);
    let moniker = "";
    let provider: Uint8Array | undefined;
    let genesisServiceLevelPpm = 0;
    let jailed = false;
    let jailedUntil = 0;
    let registeredHeight = 0;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) consPubKey = r.bytes();
      else if (f === 2) moniker = r.string();
      else if (f === 3) provider = r.bytes();
      else if (f === 4) genesisServiceLevelPpm = r.uint();
      else if (f === 5) jailed = r.bool();
      else if (f === 6) jailedUntil = r.uint();
      else if (f === 7) registeredHeight = r.uint();
      else r.unknown();
    }
    return {
      consPubKey,
      moniker,
      ...(provider === undefined || provider.length === 0 ? {} : { provider }),
      genesisServiceLevelPpm,
      jailed,
      jailedUntil,
      registeredHeight,
    };
  },
);

export const validatorCodec = codec<ValidatorRecord>(
  "staking.Validator",
  (v) => new ProtoWriter().bytes(1, v.pubKey).uint(2, v.power).finish(),
  (r) => {
    let pubKey: Uint8Array = new Uint8Array(0);
    let power = 0;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) pubKey = r.bytes();
      else if (f === 2) power = r.uint();
      else r.unknown();
    }
    return { pubKey, power };
  },
);

export const signingCodec = codec<SigningInfo>(
  "staking.SigningInfo",
  (v) => new ProtoWriter().uint(1, v.counter).uint(2, v.missed).bytes(3, v.bitmap).finish(),
  (r) => {
    let counter = 0;
    let missed = 0;
    let bitmap: Uint8Array = new Uint8Array(0);
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) counter = r.uint();
      else if (f === 2) missed = r.uint();
      else if (f === 3) bitmap = r.bytes();
      else r.unknown();
    }
    return { counter, missed, bitmap };
  },
);

export const electionCodec = codec<ElectionRecord>(
  "staking.ElectionRecord",
  (v) =>
    new ProtoWriter()
      .uint(1, v.height)
      .bytes(2, v.seed)
      .uint(3, v.eligible)
      .uint(4, v.elected)
      .bigint(5, v.totalWeight)
      .finish(),
  (r) => {
    let height = 0;
    let seed: Uint8Array = new Uint8Array(0);
    let eligible = 0;
    let elected = 0;
    let totalWeight = 0n;
    for (let f = r.next(); f !== 0; f = r.next()) {
      if (f === 1) height = r.uint();
      else if (f === 2) seed = r.bytes();
      else if (f === 3) eligible = r.uint();
      else if (f === 4) elected = r.uint();
      else if (f === 5) totalWeight = r.bigint();
      else r.unknown();
    }
    return { height, seed, eligible, elected, totalWeight };
  },
);
