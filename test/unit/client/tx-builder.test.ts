import { describe, expect, it } from "vitest";
import {
  buildSendTx,
  DEFAULT_SEND_GAS_LIMIT,
  decodeMsgSend,
  MSG_SEND_TYPE_URL,
} from "../../../src/client/index.js";
import { toHexUpper } from "../../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { decodeTx, txSignBytes } from "../../../src/types/tx.js";

const sender = PrivateKey.fromSeed(new Uint8Array(32).fill(7));
const recipient = addressFromPublicKey(PrivateKey.fromSeed(new Uint8Array(32).fill(8)).publicKey);

describe("buildSendTx", () => {
  it("builds a canonical tx, signed by the sender over the chain-bound body", () => {
    const tx = buildSendTx({
      key: sender,
      chainId: "dccn-test",
      nonce: 4,
      to: toBech32(recipient),
      amount: "1.5ankr",
      gasLimit: 150_000,
      gasPrice: "25",
      memo: "rent",
    });
    const decoded = decodeTx(tx.bytes);
    expect(decoded.sender).toEqual(addressFromPublicKey(sender.publicKey));
    expect(decoded.body).toMatchObject({
      chainId: "dccn-test",
      nonce: 4,
      gasLimit: 150_000,
      gasPrice: 25n,
      memo: "rent",
    });
    expect(decoded.body.msg.typeUrl).toBe(MSG_SEND_TYPE_URL);
    expect(decodeMsgSend(decoded.body.msg.value)).toEqual({
      to: recipient,
      amount: 1_500_000_000_000_000_000n,
    });
    expect(verifySignature(decoded.raw.pubKey, txSignBytes(decoded.raw.body), decoded.raw.signature)).toBe(
      true,
    );
    expect(tx.hash).toBe(toHexUpper(sha256(tx.bytes)));
  });

  it("uses defaults for gas and memo, and accepts raw address bytes", () => {
    const tx = buildSendTx({ key: sender, chainId: "c", nonce: 0, to: recipient, amount: 5n });
    const body = decodeTx(tx.bytes).body;
    expect(body).toMatchObject({ nonce: 0, gasLimit: DEFAULT_SEND_GAS_LIMIT, gasPrice: 0n, memo: "" });
    expect(decodeMsgSend(body.msg.value).amount).toBe(5n);
  });

  it("signs differently for another chain (replay protection)", () => {
    const p = { key: sender, nonce: 1, to: recipient, amount: 1n };
    const a = decodeTx(buildSendTx({ ...p, chainId: "a" }).bytes);
    const b = decodeTx(buildSendTx({ ...p, chainId: "b" }).bytes);
    expect(verifySignature(a.raw.pubKey, txSignBytes(b.raw.body), a.raw.signature)).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a bad recipient", { to: "ankr1nope" }, "ADDRESS_INVALID"],
    ["a zero amount", { amount: 0n }, "TX_PARAM_INVALID"],
    ["a negative amount", { amount: -1n }, "TX_PARAM_INVALID"],
    ["an unparsable amount", { amount: "1.5" }, "AMOUNT_INVALID"],
    ["a zero gas limit", { gasLimit: 0 }, "TX_PARAM_INVALID"],
    ["a fractional nonce", { nonce: 1.5 }, "TX_PARAM_INVALID"],
    ["an empty chain id", { chainId: "" }, "TX_PARAM_INVALID"],
  ])("rejects %s", (_name, patch, code) => {
    const p = { key: sender, chainId: "c", nonce: 0, to: recipient, amount: 1n, ...patch };
    expect(() => buildSendTx(p as Parameters<typeof buildSendTx>[0])).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
