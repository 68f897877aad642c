import { describe, expect, it } from "vitest";
import { concatBytes } from "../../../src/codec/bytes.js";
import {
  DEFAULT_MARKET_CHAIN_PARAMS,
  decodeMarketMsg,
  encodeMarketMsg,
  type MarketChainParams,
  marketParamsToJson,
  parseMarketParamsJson,
  resources,
} from "../../../src/dccn-app/market/index.js";
import { decodeMarketParams, encodeMarketParams } from "../../../src/dccn-app/market/module/params.js";

describe("market codecs", () => {
  it("round-trips every msg and refuses trailing or non-canonical bytes", () => {
    const submit = {
      kind: "job" as const,
      demand: resources({ cpu: 1500n, memory: 1n << 31n, gpu: 1n }),
      replicas: 3,
      durationSec: 600,
      maxPricePerSec: 10n ** 20n,
      appProvider: new Uint8Array(20).fill(7),
      appFeeBps: 250,
      region: "eu",
      tags: ["ssd", "gpu"],
      minReputation: 5n * 10n ** 17n,
    };
    const bytes = encodeMarketMsg("submitTask", submit);
    expect(decodeMarketMsg("submitTask", bytes)).toEqual(submit);
    const rep = { taskId: 9, periodStart: 100, periodEnd: 160, usage: resources({ cpu: 60_000n }) };
    expect(decodeMarketMsg("reportUsage", encodeMarketMsg("reportUsage", rep))).toEqual(rep);
    expect(() =>
      decodeMarketMsg(
        "rate",
        concatBytes(encodeMarketMsg("rate", { taskId: 1, score: 5 }), Uint8Array.of(0x18, 1)),
      ),
    ).toThrow(/unknown field/);
    // A zero written explicitly is not canonical proto3.
    expect(() => decodeMarketMsg("rate", Uint8Array.of(0x08, 1, 0x10, 0))).toThrow(/canonical/);
    expect(() =>
      decodeMarketMsg("submitTask", encodeMarketMsg("submitTask", { ...submit, kind: "vm" as "job" })),
    ).toThrow(/kind/);
  });

  it("stores params as sorted name/value entries and reads back exactly what genesis set", () => {
    const p = parseMarketParamsJson({
      fees: {
        platform_fee_bps: 300,
        fee_split_bps: { resource_provider: 5000, app_provider: 0, platform: 5000 },
      },
      reputation: { score_weights: ["1", "2", "3", "4", "5"] },
      epoch: { pool: "123456789012345678901234567890" },
    });
    expect(p.fees.platformFeeBps).toBe(300);
    expect(p.reputation.scoreWeights).toEqual([1n, 2n, 3n, 4n, 5n]);
    const again: MarketChainParams = decodeMarketParams(encodeMarketParams(p));
    expect(again).toEqual(p);
    expect(marketParamsToJson(again)).toEqual(marketParamsToJson(p));
    expect(decodeMarketParams(encodeMarketParams(DEFAULT_MARKET_CHAIN_PARAMS))).toEqual(
      DEFAULT_MARKET_CHAIN_PARAMS,
    );
    expect(() => parseMarketParamsJson({ service_level: { consumer: { outcomes: 1 } } })).toThrow(
      /sum to 1000000/,
    );
    expect(() => parseMarketParamsJson({ reputation: { score_weights: [1] } })).toThrow(/list of 5/);
    expect(() => parseMarketParamsJson({ epoch: { pool: -1 } })).toThrow(/non-negative/);
  });
});
