import { describe, expect, it } from "vitest";
import {
  buildMarketTx,
  decodeSubmitResponse,
  parsePrices,
  parseQuantity,
  parseResources,
} from "../../../src/client/market.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import {
  decodeMarketMsg,
  encodeSubmitResponse,
  MARKET_MSG_TYPES,
} from "../../../src/dccn-app/market/index.js";
import { decodeTx } from "../../../src/types/tx.js";

describe("market client", () => {
  it("reads quantities people write, in the chain's units", () => {
    expect(parseQuantity("cpu", "2500")).toBe(2500n);
    expect(parseQuantity("cpu", "2500m")).toBe(2500n);
    expect(parseQuantity("cpu", "2.5cpu")).toBe(2500n);
    expect(parseQuantity("cpu", "4cores")).toBe(4000n);
    expect(parseQuantity("memory", "4Gi")).toBe(4n << 30n);
    expect(parseQuantity("memory", "512MiB")).toBe(512n << 20n);
    expect(parseQuantity("disk", "1T")).toBe(10n ** 12n);
    expect(parseQuantity("bandwidth", "1Gbps")).toBe(10n ** 9n);
    expect(parseQuantity("gpu", "2")).toBe(2n);
    for (const [kind, text] of [
      ["cpu", "2.5"],
      ["cpu", "-1"],
      ["memory", "4 GB x"],
      ["gpu", "1k"],
    ] as const) {
      expect(() => parseQuantity(kind, text)).toThrow(/not understood/);
    }
    expect(parseResources({ cpu: "1cpu", memory: "1Gi" })).toEqual({
      cpu: 1000n,
      memory: 1n << 30n,
      disk: 0n,
      bandwidth: 0n,
      gpu: 0n,
    });
    expect(parsePrices({ cpu: "1000", gpu: "0.5ankr" })).toMatchObject({ cpu: 1000n, gpu: 5n * 10n ** 17n });
  });

  it("builds a signed market tx offline and reads a submit's task id", () => {
    const key = PrivateKey.fromSeed(new Uint8Array(32).fill(3));
    const tx = buildMarketTx(key, { chainId: "c", nonce: 4, kind: "rate", msg: { taskId: 12, score: 90 } });
    const d = decodeTx(tx.bytes);
    expect(d.body).toMatchObject({ chainId: "c", nonce: 4, gasLimit: 400_000 });
    expect(d.body.msg.typeUrl).toBe(MARKET_MSG_TYPES.rate);
    expect(decodeMarketMsg("rate", d.body.msg.value)).toEqual({ taskId: 12, score: 90 });
    expect(decodeSubmitResponse(encodeSubmitResponse(77))).toBe(77);
  });
});
