import { describe, expect, it } from "vitest";
import { concatBytes, utf8 } from "../../../src/codec/bytes.js";
import { decodeMsgSend, encodeMsgSend } from "../../../src/dccn-app/index.js";

const to = new Uint8Array(20).map((_, i) => i + 1);
const field = (tag: number, payload: Uint8Array, length = Uint8Array.of(payload.length)) =>
  concatBytes(Uint8Array.of(tag), length, payload);
const TO = 0x0a;
const AMOUNT = 0x12;

describe("MsgSend decoding", () => {
  it("round-trips canonical bytes", () => {
    for (const amount of [1n, 9n, 10n, 1234567890123456789012345678901234567890n, 10n ** 77n]) {
      expect(decodeMsgSend(encodeMsgSend({ to, amount }))).toEqual({ to, amount });
    }
  });

  it("refuses other encodings of a valid msg", () => {
    const amount = utf8("42");
    const canonical = concatBytes(field(TO, to), field(AMOUNT, amount));
    expect(decodeMsgSend(canonical)).toEqual({ to, amount: 42n });
    const variants = {
      "fields reversed": concatBytes(field(AMOUNT, amount), field(TO, to)),
      "address repeated": concatBytes(field(TO, to), field(TO, to), field(AMOUNT, amount)),
      "amount repeated": concatBytes(field(TO, to), field(AMOUNT, utf8("41")), field(AMOUNT, amount)),
      "padded length": concatBytes(field(TO, to, Uint8Array.of(0x94, 0x00)), field(AMOUNT, amount)),
      "padded amount length": concatBytes(field(TO, to), field(AMOUNT, amount, Uint8Array.of(0x82, 0x00))),
    };
    for (const [what, bytes] of Object.entries(variants)) {
      expect(() => decodeMsgSend(bytes), what).toThrow(expect.objectContaining({ code: "TX_DECODE" }));
    }
  });

  it("refuses bad addresses and amounts with their own codes", () => {
    const bad = (toBytes: Uint8Array, amount: string) =>
      concatBytes(field(TO, toBytes), field(AMOUNT, utf8(amount)));
    expect(() => decodeMsgSend(bad(to.subarray(1), "1"))).toThrow(
      expect.objectContaining({ code: "INVALID_ADDRESS" }),
    );
    for (const amount of ["0", "01", "-1", "1.5", ""]) {
      expect(() => decodeMsgSend(bad(to, amount)), amount).toThrow(
        expect.objectContaining({ code: "INVALID_AMOUNT" }),
      );
    }
    expect(() =>
      decodeMsgSend(concatBytes(field(TO, to), field(AMOUNT, utf8("1")), Uint8Array.of(0x18, 1))),
    ).toThrow(expect.objectContaining({ code: "TX_DECODE" }));
  });
});
