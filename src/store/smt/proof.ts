/**
 * Sparse Merkle proofs (proto/dccn/store/v1/smt.proto) and their verification.
 *
 * Pure: no database import, so wallets and light clients can check a query's `proofOps`
 * against a header's app hash with this module alone.
 */
import { CodecError, decodeCanonical, ProtoReader, ProtoWriter } from "../../codec/proto.js";
import { SmtError } from "./errors.js";
import {
  bitAt,
  EMPTY_HASH,
  HASH_BYTES,
  innerNodeHash,
  isEmptyHash,
  KEY_BITS,
  keyHashOf,
  leafNodeHash,
  samePrefix,
  valueHashOf,
} from "./hashing.js";

/** The ProofOp `type` under which app queries return SMT proofs. */
export const SMT_PROOF_TYPE = "dccn:smt";

export interface SmtProof {
  /** Sibling hashes along the key's path, root first; EMPTY_HASH for an empty subtree. */
  readonly siblings: readonly Uint8Array[];
  /**
   * For non-membership only: the single other leaf that occupies the key's path at the
   * proof's depth. Null when the path ends in an empty subtree (or for membership).
   */
  readonly leaf: { readonly keyHash: Uint8Array; readonly valueHash: Uint8Array } | null;
}

export function encodeSmtProof(p: SmtProof): Uint8Array {
  const depth = p.siblings.length;
  const emptyBits = new Uint8Array(Math.ceil(depth / 8));
  const w = new ProtoWriter().uint(1, depth);
  p.siblings.forEach((s, i) => {
    if (isEmptyHash(s)) emptyBits[i >> 3]! |= 0x80 >> (i & 7);
  });
  w.bytes(2, emptyBits);
  for (const s of p.siblings) if (!isEmptyHash(s)) w.bytesAlways(3, s);
  if (p.leaf !== null) w.bytes(4, p.leaf.keyHash).bytes(5, p.leaf.valueHash);
  return w.finish();
}

function decodeSmtProofLoose(bytes: Uint8Array): SmtProof {
  const r = new ProtoReader(bytes, "SmtProof");
  let depth = 0;
  let emptyBits: Uint8Array = new Uint8Array(0);
  const present: Uint8Array[] = [];
  let leafKey: Uint8Array | undefined;
  let leafValue: Uint8Array | undefined;
  for (let f = r.next(); f !== 0; f = r.next()) {
    if (f === 1) depth = r.uint();
    else if (f === 2) emptyBits = r.bytes();
    else if (f === 3) present.push(r.bytes());
    else if (f === 4) leafKey = r.bytes();
    else if (f === 5) leafValue = r.bytes();
    else r.unknown();
  }
  const bad = (why: string) => new CodecError("CODEC_BAD_VALUE", `SmtProof: ${why}`);
  if (depth > KEY_BITS) throw bad(`depth ${depth} exceeds ${KEY_BITS}`);
  if (emptyBits.length !== Math.ceil(depth / 8)) throw bad("empty_bits length does not match depth");
  const siblings: Uint8Array[] = [];
  let next = 0;
  for (let i = 0; i < depth; i++) {
    if ((emptyBits[i >> 3]! & (0x80 >> (i & 7))) !== 0) {
      siblings.push(EMPTY_HASH);
    } else {
      const s = present[next++];
      if (s === undefined) throw bad("fewer siblings than depth");
      if (s.length !== HASH_BYTES) throw bad("sibling is not 32 bytes");
      siblings.push(s);
    }
  }
  if (next !== present.length) throw bad("more siblings than depth");
  if ((leafKey === undefined) !== (leafValue === undefined)) throw bad("leaf needs key and value hash");
  if (leafKey !== undefined && leafValue !== undefined) {
    if (leafKey.length !== HASH_BYTES || leafValue.length !== HASH_BYTES)
      throw bad("leaf hashes are 32 bytes");
    return { siblings, leaf: { keyHash: leafKey, valueHash: leafValue } };
  }
  return { siblings, leaf: null };
}

/** Strict decode: canonical bytes only (one proof, one encoding). */
export function decodeSmtProof(bytes: Uint8Array): SmtProof {
  return decodeCanonical(bytes, "SmtProof", decodeSmtProofLoose, encodeSmtProof);
}

/** The root a proof implies for `key` holding `value` (null = absent), or null if malformed. */
function impliedRoot(key: Uint8Array, value: Uint8Array | null, proof: SmtProof): Uint8Array | null {
  const depth = proof.siblings.length;
  if (depth > KEY_BITS) return null;
  const kh = keyHashOf(key);
  let node: Uint8Array;
  if (value !== null) {
    if (proof.leaf !== null) return null;
    node = leafNodeHash(kh, valueHashOf(value));
  } else if (proof.leaf !== null) {
    const other = proof.leaf.keyHash;
    // The other leaf must sit on our path and be a different key, else it proves nothing.
    if (other.length !== HASH_BYTES || proof.leaf.valueHash.length !== HASH_BYTES) return null;
    if (!samePrefix(other, kh, depth) || samePrefix(other, kh, KEY_BITS)) return null;
    node = leafNodeHash(other, proof.leaf.valueHash);
  } else {
    node = EMPTY_HASH;
  }
  for (let d = depth - 1; d >= 0; d--) {
    const sibling = proof.siblings[d]!;
    if (sibling.length !== HASH_BYTES) return null;
    node = bitAt(kh, d) === 0 ? innerNodeHash(node, sibling) : innerNodeHash(sibling, node);
  }
  return node;
}

/**
 * Checks that, in the tree with `root`, `key` maps to `value` (membership) or is absent
 * (`value === null`, non-membership). Accepts a decoded proof or its encoded bytes. Never
 * throws: malformed input is simply not a valid proof.
 */
export function verifyProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | null,
  proof: SmtProof | Uint8Array,
): boolean {
  let p: SmtProof;
  if (proof instanceof Uint8Array) {
    try {
      p = decodeSmtProof(proof);
    } catch {
      return false;
    }
  } else {
    p = proof;
  }
  const got = impliedRoot(key, value, p);
  if (got === null || root.length !== HASH_BYTES) return false;
  for (let i = 0; i < HASH_BYTES; i++) if (got[i] !== root[i]) return false;
  return true;
}

/** Like `verifyProof`, but throws SMT_BAD_PROOF with a reason a client can show. */
export function assertProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | null,
  proof: SmtProof | Uint8Array,
): void {
  if (!verifyProof(root, key, value, proof)) {
    throw new SmtError(
      "SMT_BAD_PROOF",
      value === null
        ? "the proof does not show the key absent under this root"
        : "the proof does not show the key holding this value under this root",
    );
  }
}
