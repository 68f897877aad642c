import { describe, expect, it } from "vitest";
import { CodecError } from "../../../src/codec/proto.js";
import { PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { merkleProof, merkleRoot, verifyMerkleProof } from "../../../src/crypto/merkle.js";
import { decodeHeader, encodeHeader, type Header, headerHash } from "../../../src/types/block.js";
import { decodeTx, signTx } from "../../../src/types/tx.js";
import { decodeVote, encodeVote, VoteType, voteSignBytes } from "../../../src/types/vote.js";

const seed = (n: number) => new Uint8Array(32).fill(n);

describe("codec", () => {
  it("round-trips a header and hashes it deterministically", () => {
    const h: Header = {
      chainId: "c",
      height: 7,
      timeMs: 1_700_000_000_000,
      lastBlockHash: new Uint8Array(32).fill(1),
      lastCommitHash: new Uint8Array(32).fill(2),
      dataHash: new Uint8Array(32).fill(3),
      validatorsHash: new Uint8Array(32).fill(4),
      nextValidatorsHash: new Uint8Array(32).fill(5),
      consensusHash: new Uint8Array(32).fill(6),
      appHash: new Uint8Array(32).fill(7),
      lastResultsHash: new Uint8Array(32).fill(8),
      evidenceHash: new Uint8Array(32).fill(9),
      proposerAddress: new Uint8Array(20).fill(10),
    };
    const decoded = decodeHeader(encodeHeader(h));
    expect(decoded).toEqual(h);
    expect(headerHash(decoded)).toEqual(headerHash(h));
    expect(headerHash({ ...h, height: 8 })).not.toEqual(headerHash(h));
  });

  it("rejects unknown fields and truncated input with typed errors", () => {
    const bytes = encodeVote({
      type: VoteType.Prevote,
      height: 1,
      round: 0,
      blockHash: null,
      validatorAddress: new Uint8Array(20),
      validatorIndex: 0,
      signature: new Uint8Array(64),
    });
    expect(() => decodeVote(bytes.slice(0, bytes.length - 3))).toThrow(CodecError);
    const withUnknown = Uint8Array.from([...bytes, 0x78, 0x01]); // field 15 varint
    expect(() => decodeVote(withUnknown)).toThrow(/unknown field 15/);
  });

  it("sign-bytes include the chain id", () => {
    const v = { type: VoteType.Precommit, height: 3, round: 1, blockHash: new Uint8Array(32) } as const;
    expect(voteSignBytes("a", v)).not.toEqual(voteSignBytes("b", v));
  });

  it("signs and decodes a tx; a flipped byte breaks the signature or the encoding", () => {
    const key = PrivateKey.fromSeed(seed(1));
    const tx = signTx(key, {
      chainId: "c",
      nonce: 0,
      gasLimit: 100_000,
      gasPrice: 10n ** 9n,
      memo: "",
      msg: { typeUrl: "/x", value: Uint8Array.of(1, 2) },
    });
    const d = decodeTx(tx);
    expect(d.body.gasPrice).toBe(10n ** 9n);
    expect(
      verifySignature(
        d.raw.pubKey,
        Uint8Array.from([...Buffer.from("dccn/tx/v1\0"), ...d.raw.body]),
        d.raw.signature,
      ),
    ).toBe(true);
    const forged = { ...d.raw, signature: d.raw.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    expect(verifySignature(forged.pubKey, d.raw.body, forged.signature)).toBe(false);
  });

  it("merkle proofs verify for every index and fail for a wrong item", () => {
    for (let n = 1; n <= 9; n++) {
      const items = Array.from({ length: n }, (_, i) => Uint8Array.of(i));
      const root = merkleRoot(items);
      for (let i = 0; i < n; i++) {
        const proof = merkleProof(items, i);
        expect(verifyMerkleProof(proof, root, items[i]!)).toBe(true);
        expect(verifyMerkleProof(proof, root, Uint8Array.of(99))).toBe(false);
      }
    }
  });
});
