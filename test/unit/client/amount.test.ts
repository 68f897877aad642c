import { describe, expect, it } from "vitest";
import { formatAnkr, parseAmount } from "../../../src/client/amount.js";

describe("parseAmount", () => {
  it.each<[string, bigint]>([
    ["0", 0n],
    ["1000", 1000n],
    ["1ankr", 10n ** 18n],
    ["1.5ankr", 1_500_000_000_000_000_000n],
    ["1.5ANKR", 1_500_000_000_000_000_000n],
    ["0.000000000000000001ankr", 1n],
    ["1000000000ankr", 10n ** 27n],
    ["123456789012345678901234567890", 123456789012345678901234567890n],
  ])("reads %s", (text, expected) => {
    expect(parseAmount(text)).toBe(expected);
  });

  it.each([
    "",
    "-1",
    "1.5",
    "01",
    "1e18",
    " 1",
    "0x10",
    "1.ankr",
    ".5ankr",
    "1.0000000000000000001ankr",
    "1 ankr",
    "1uankr",
    "9".repeat(79),
  ])("rejects %j with AMOUNT_INVALID", (text) => {
    expect(() => parseAmount(text)).toThrow(expect.objectContaining({ code: "AMOUNT_INVALID" }));
  });
});

describe("formatAnkr", () => {
  it.each<[bigint, string]>([
    [0n, "0"],
    [1n, "0.000000000000000001"],
    [1_500_000_000_000_000_000n, "1.5"],
    [10n ** 27n, "1000000000"],
    [-(10n ** 18n), "-1"],
  ])("shows %s base units as %s ANKR", (base, text) => {
    expect(formatAnkr(base)).toBe(text);
    if (base >= 0n) expect(parseAmount(`${text}ankr`)).toBe(base);
  });
});
