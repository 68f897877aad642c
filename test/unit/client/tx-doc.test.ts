import { describe, expect, it } from "vitest";
import {
  buildTx,
  parseSignedTx,
  parseUnsignedTx,
  sendMsg,
  signedTxDoc,
  unsignedTxDoc,
} from "../../../src/client/index.js";
import { toHex } from "../../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";

const key = PrivateKey.fromSeed(new Uint8Array(32).fill(5));
const from = toBech32(addressFromPublicKey(key.publicKey));
const msg = sendMsg(new Uint8Array(20).fill(6), 42n);

describe("tx documents", () => {
  it("round-trips an unsigned tx with open and set fields", () => {
    const open = { memo: "", msg };
    expect(parseUnsignedTx(JSON.stringify(unsignedTxDoc(open)))).toEqual(open);
    const full = { chainId: "c", from, nonce: 3, gasLimit: 90_000, gasPrice: 10n ** 20n, memo: "m", msg };
    const doc = unsignedTxDoc(full);
    expect(doc).toMatchObject({ nonce: "3", gas_limit: "90000", gas_price: "100000000000000000000" });
    expect(parseUnsignedTx(JSON.stringify(doc))).toEqual(full);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a wrong type", { type: "dccn/signed-tx" }, /type must be "dccn\/unsigned-tx"/],
    ["a negative nonce", { nonce: "-1" }, /nonce must be a non-negative integer/],
    ["a fractional gas limit", { gas_limit: 1.5 }, /gas_limit/],
    ["a gas price in ANKR", { gas_price: "1ankr" }, /gas_price/],
    ["a bad signer", { from: "ankr1nope" }, /from is not an address/],
    ["a msg without type URL", { msg: { value: "" } }, /msg.type_url/],
  ])("names the field of %s", (_why, patch, message) => {
    const text = JSON.stringify({ ...unsignedTxDoc({ memo: "", msg }), ...patch });
    expect(() => parseUnsignedTx(text)).toThrow(
      expect.objectContaining({ code: "TX_DOC_INVALID", message: expect.stringMatching(message) }),
    );
  });

  it("reads signed txs as documents, base64 or hex, and checks a document's hash", () => {
    const tx = buildTx(key, { chainId: "c", nonce: 0, gasLimit: 1, msg });
    const doc = signedTxDoc(tx.bytes);
    expect(doc).toMatchObject({ type: "dccn/signed-tx", hash: tx.hash, from, nonce: "0", gas_limit: "1" });
    expect(parseSignedTx(JSON.stringify(doc))).toEqual(tx.bytes);
    expect(parseSignedTx(doc.tx)).toEqual(tx.bytes);
    expect(parseSignedTx(`0x${toHex(tx.bytes)}`)).toEqual(tx.bytes);
    expect(() => parseSignedTx(JSON.stringify({ ...doc, hash: "AB".repeat(32) }))).toThrow(/not the hash/);
    expect(() => parseSignedTx("AAAA")).toThrow(/do not decode/);
    expect(() => parseSignedTx(JSON.stringify(unsignedTxDoc({ memo: "", msg })))).toThrow(/not signed yet/);
  });
});
