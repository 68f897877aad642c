/** Consensus inputs survive the WAL encoding exactly, and foreign bytes are refused with a code. */
import { describe, expect, it } from "vitest";
import { utf8 } from "../../../src/codec/bytes.js";
import { makeTestBlock, testKeys, testValidatorSet } from "../../../src/consensus/testkit/fixtures.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { DccnError } from "../../../src/errors.js";
import { decodeWalInput, encodeWalInput, type LoggedInput } from "../../../src/node/wal-codec.js";
import { VoteType } from "../../../src/types/vote.js";

const keys = testKeys(4);
const validators = testValidatorSet(keys, [10, 20, 30, 40]);
const proposer = addressFromPublicKey(keys[1]!.publicKey);
const block = makeTestBlock({
  chainId: "wal-test",
  height: 7,
  proposer,
  prevBlockHash: new Uint8Array(32).fill(9),
  validators,
  txs: [utf8("tx-a"), utf8("tx-b")],
});

const inputs: LoggedInput[] = [
  {
    kind: "proposal",
    proposal: { height: 7, round: 2, polRound: 1, block, signature: new Uint8Array(64).fill(3) },
    valid: true,
    signer: proposer,
  },
  {
    kind: "proposal",
    proposal: { height: 7, round: 0, polRound: -1, block, signature: new Uint8Array(64).fill(4) },
    valid: false,
    signer: proposer,
  },
  {
    kind: "vote",
    vote: {
      type: VoteType.Precommit,
      height: 7,
      round: 3,
      blockHash: null,
      validatorAddress: proposer,
      validatorIndex: 1,
      signature: new Uint8Array(64).fill(5),
    },
  },
  { kind: "timeout", height: 7, round: 4, step: "precommit" },
  { kind: "timeout", height: 7, round: 0, step: "propose" },
  { kind: "proposal_value", height: 7, round: 5, block },
];

describe("consensus WAL codec", () => {
  it.each(inputs.map((i, n) => [`${n}: ${i.kind}`, i] as const))("round-trips %s", (_, input) => {
    expect(decodeWalInput(encodeWalInput(input))).toEqual(input);
  });

  it("refuses an empty entry and garbage with typed errors", () => {
    expect(() => decodeWalInput(new Uint8Array(0))).toThrow(DccnError);
    expect(() => decodeWalInput(Uint8Array.of(0xff, 0xff, 0xff))).toThrow(DccnError);
  });
});
