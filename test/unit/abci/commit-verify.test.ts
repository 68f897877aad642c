import { describe, expect, it } from "vitest";
import { verifyCommit } from "../../../src/abci/commit-verify.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { BlockIdFlag, type Commit } from "../../../src/types/block.js";
import { ValidatorSet } from "../../../src/types/validator.js";
import { CHAIN_ID, makeKey, signCommit } from "./fixture.js";

const keys = [1, 2, 3, 4].map(makeKey);
const valset = new ValidatorSet(
  keys.map((k) => ({ address: addressFromPublicKey(k.publicKey), pubKey: k.publicKey, votingPower: 10 })),
);
const hash = sha256(new TextEncoder().encode("block"));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return "ok";
};

describe("verifyCommit", () => {
  it("accepts +2/3 of the power and counts only commit votes", () => {
    const full = signCommit(CHAIN_ID, valset, keys, 7, hash);
    expect(verifyCommit(CHAIN_ID, valset, 7, hash, full)).toEqual({ committedPower: 40, totalPower: 40 });
    // 3 of 4 equal validators is 30/40 > 2/3; a nil vote is verified but not counted.
    const withNil = signCommit(CHAIN_ID, valset, keys, 7, hash, { nil: [0] });
    expect(verifyCommit(CHAIN_ID, valset, 7, hash, withNil).committedPower).toBe(30);
    const absent = signCommit(CHAIN_ID, valset, keys, 7, hash, { absent: [3], round: 2 });
    expect(verifyCommit(CHAIN_ID, valset, 7, hash, absent).committedPower).toBe(30);
  });

  it("rejects each kind of bad commit with its own code", () => {
    const good = signCommit(CHAIN_ID, valset, keys, 7, hash);
    expect(code(() => verifyCommit(CHAIN_ID, valset, 8, hash, good))).toBe("COMMIT_WRONG_HEIGHT");
    expect(code(() => verifyCommit(CHAIN_ID, valset, 7, sha256(hash), good))).toBe("COMMIT_WRONG_BLOCK");
    const short: Commit = { ...good, signatures: good.signatures.slice(1) };
    expect(code(() => verifyCommit(CHAIN_ID, valset, 7, hash, short))).toBe("COMMIT_WRONG_SIZE");
    const swapped: Commit = {
      ...good,
      signatures: [good.signatures[1]!, good.signatures[0]!, ...good.signatures.slice(2)],
    };
    expect(code(() => verifyCommit(CHAIN_ID, valset, 7, hash, swapped))).toBe("COMMIT_WRONG_VALIDATOR");
    const forged = good.signatures.map((s, i) =>
      i === 2 ? { ...s, signature: s.signature.map((b, j) => (j === 0 ? b ^ 1 : b)) } : s,
    );
    expect(code(() => verifyCommit(CHAIN_ID, valset, 7, hash, { ...good, signatures: forged }))).toBe(
      "COMMIT_BAD_SIGNATURE",
    );
    // Signed for another chain, or with another round than the commit claims.
    expect(code(() => verifyCommit("other-chain", valset, 7, hash, good))).toBe("COMMIT_BAD_SIGNATURE");
    expect(code(() => verifyCommit(CHAIN_ID, valset, 7, hash, { ...good, round: 1 }))).toBe(
      "COMMIT_BAD_SIGNATURE",
    );
    // A nil vote relabelled as a commit vote does not verify.
    const nil = signCommit(CHAIN_ID, valset, keys, 7, hash, { nil: [1] });
    const relabelled = nil.signatures.map((s, i) => (i === 1 ? { ...s, flag: BlockIdFlag.Commit } : s));
    expect(code(() => verifyCommit(CHAIN_ID, valset, 7, hash, { ...nil, signatures: relabelled }))).toBe(
      "COMMIT_BAD_SIGNATURE",
    );
    const twoAbsent = signCommit(CHAIN_ID, valset, keys, 7, hash, { absent: [0, 1] });
    expect(code(() => verifyCommit(CHAIN_ID, valset, 7, hash, twoAbsent))).toBe("COMMIT_INSUFFICIENT_POWER");
    const absentWithSig = twoAbsent.signatures.map((s, i) =>
      i === 0 ? { ...s, signature: new Uint8Array(64) } : s,
    );
    expect(
      code(() => verifyCommit(CHAIN_ID, valset, 7, hash, { ...twoAbsent, signatures: absentWithSig })),
    ).toBe("COMMIT_MALFORMED_SIG");
  });
});
