import { describe, expect, it } from "vitest";
import { concatBytes } from "../../../src/codec/bytes.js";
import { CodecError } from "../../../src/codec/proto.js";
import { PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { merkleProof, merkleRoot, verifyMerkleProof } from "../../../src/crypto/merkle.js";
import {
  decodeBlock,
  decodeHeader,
  encodeBlock,
  encodeHeader,
  type Header,
  headerHash,
} from "../../../src/types/block.js";
import { decodeTx, encodeTxBody, encodeTxRaw, signTx, type TxBody } from "../../../src/types/tx.js";
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

  it("decodes a tx only from its canonical bytes, envelope and body alike", () => {
    const key = PrivateKey.fromSeed(seed(2));
    const body: TxBody = {
      chainId: "c",
      nonce: 7,
      gasLimit: 100_000,
      gasPrice: 5n,
      memo: "m",
      msg: { typeUrl: "/x", value: Uint8Array.of(1, 2) },
    };
    const tx = signTx(key, body);
    const d = decodeTx(tx);
    expect(d.body).toEqual(body);
    expect(encodeTxRaw(d.raw)).toEqual(tx);
    const sig = d.raw.signature;
    const pub = key.publicKey;
    const bodyBytes = encodeTxBody(body);
    const field = (no: number, bytes: Uint8Array) =>
      concatBytes(Uint8Array.of((no << 3) | 2, bytes.length), bytes);
    const nonCanonical = {
      // fields out of order
      "envelope fields reordered": concatBytes(field(2, pub), field(1, bodyBytes), field(3, sig)),
      // body with an explicit default (memo "") and the same meaning
      "a default written in the body": concatBytes(field(1, concatBytes(bodyBytes, Uint8Array.of(0x2a, 0)))),
      // the Any's value length as a padded two-byte varint
      "a padded length in the msg": field(
        1,
        concatBytes(
          bodyBytes.subarray(0, bodyBytes.length - 10), // the body up to its msg (field 6, 10 bytes)
          Uint8Array.of(0x32, 9, 0x0a, 2, 0x2f, 0x78, 0x12, 0x82, 0x00, 1, 2),
        ),
      ),
    };
    for (const [what, bytes] of Object.entries(nonCanonical)) {
      const full =
        what === "envelope fields reordered" ? bytes : concatBytes(bytes, field(2, pub), field(3, sig));
      expect(() => decodeTx(full), what).toThrow(/canonical/);
    }
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

  it("merkle leaves and inner nodes of every size hash their own input (the scratch buffer is not shared out)", () => {
    // Items larger than the scratch buffer's first size, and roots taken one after the other.
    const big = Array.from({ length: 5 }, (_, i) => new Uint8Array(3000 + i).fill(i + 1));
    const first = merkleRoot(big);
    const again = merkleRoot(big.map((b) => b.slice()));
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    const small = merkleRoot([Uint8Array.of(1), Uint8Array.of(2)]);
    expect(Buffer.from(merkleRoot(big)).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(small).equals(Buffer.from(first))).toBe(false);
  });

  it("a decoded block's txs are views into its bytes, equal to the txs encoded", () => {
    const txs = [Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(300).fill(9)];
    const block = decodeBlock(
      encodeBlock({ header: decodeHeader(new Uint8Array(0)), txs, evidence: [], lastCommit: null }),
    );
    const bytes = encodeBlock({ header: block.header, txs, evidence: [], lastCommit: null });
    const again = decodeBlock(bytes);
    expect(again.txs.map((t) => Buffer.from(t).toString("hex"))).toEqual(
      txs.map((t) => Buffer.from(t).toString("hex")),
    );
    for (const tx of again.txs) expect(tx.buffer).toBe(bytes.buffer);
  });
});
