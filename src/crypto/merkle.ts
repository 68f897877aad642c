/**
 * Binary Merkle tree over an ordered list (RFC 6962 shape, as CometBFT uses for tx lists and
 * validator sets): leaf = H(0x00 ‖ item), inner = H(0x01 ‖ left ‖ right), split at the largest
 * power of two below n, empty list = H(""). Domain-separated leaves prevent second-preimage tricks.
 */
import { Scratch } from "../codec/bytes.js";
import { sha256 } from "./hash.js";

const LEAF = 0;
const INNER = 1;

/*
 * Every hash of a block's data and results trees goes through here (a few per tx), so the input
 * is assembled in one reused buffer rather than a new one per node: a fresh 65-byte inner node
 * is an ArrayBuffer of its own (larger than V8 keeps on its heap), a malloc and a free per node.
 * The hash is taken synchronously, so sharing the scratch is safe.
 */
const scratch = new Scratch(1024);

function prefixed(prefix: number, a: Uint8Array, b?: Uint8Array): Uint8Array {
  const buf = scratch.alloc(1 + a.length + (b?.length ?? 0));
  buf[0] = prefix;
  buf.set(a, 1);
  if (b !== undefined) buf.set(b, 1 + a.length);
  return buf;
}

export function leafHash(item: Uint8Array): Uint8Array {
  return sha256(prefixed(LEAF, item));
}

export function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(prefixed(INNER, left, right));
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function rootOfHashes(leaves: Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 1) return leaves[from]!;
  const k = splitPoint(n);
  return innerHash(rootOfHashes(leaves, from, from + k), rootOfHashes(leaves, from + k, to));
}

export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256();
  const leaves = items.map(leafHash);
  return rootOfHashes(leaves, 0, leaves.length);
}

/** Inclusion proof: the sibling hashes from the leaf up to the root. */
export interface MerkleProof {
  total: number;
  index: number;
  leafHash: Uint8Array;
  aunts: Uint8Array[];
}

export function merkleProof(items: readonly Uint8Array[], index: number): MerkleProof {
  if (index < 0 || index >= items.length)
    throw new RangeError(`index ${index} outside 0..${items.length - 1}`);
  const leaves = items.map(leafHash);
  const aunts: Uint8Array[] = [];
  const walk = (from: number, to: number): void => {
    const n = to - from;
    if (n === 1) return;
    const k = splitPoint(n);
    if (index < from + k) {
      walk(from, from + k);
      aunts.push(rootOfHashes(leaves, from + k, to));
    } else {
      walk(from + k, to);
      aunts.push(rootOfHashes(leaves, from, from + k));
    }
  };
  walk(0, leaves.length);
  return { total: items.length, index, leafHash: leaves[index]!, aunts };
}

export function verifyMerkleProof(proof: MerkleProof, root: Uint8Array, item: Uint8Array): boolean {
  const computed = (from: number, to: number, depth: number): Uint8Array | undefined => {
    const n = to - from;
    if (n === 1) return depth === proof.aunts.length ? leafHash(item) : undefined;
    const k = splitPoint(n);
    const aunt = proof.aunts[proof.aunts.length - 1 - depth];
    if (aunt === undefined) return undefined;
    if (proof.index < from + k) {
      const left = computed(from, from + k, depth + 1);
      return left && innerHash(left, aunt);
    }
    const right = computed(from + k, to, depth + 1);
    return right && innerHash(aunt, right);
  };
  if (proof.index < 0 || proof.index >= proof.total) return false;
  const got = computed(0, proof.total, 0);
  return got !== undefined && Buffer.compare(got, root) === 0;
}
