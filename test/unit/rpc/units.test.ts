import { describe, expect, it } from "vitest";
import { RpcCode, RpcError } from "../../../src/rpc/errors.js";
import { rfc3339 } from "../../../src/rpc/format.js";
import { RawJson, stringifyJson } from "../../../src/rpc/json.js";
import { toRequest } from "../../../src/rpc/jsonrpc.js";
import {
  filterMinMax,
  resolveHeight,
  resolvePage,
  resolvePerPage,
} from "../../../src/rpc/methods/heights.js";
import { parseListenAddress, resolveRpcOptions } from "../../../src/rpc/options.js";
import { decodeJsonParams, decodeUriParams, type ParamSpec } from "../../../src/rpc/params.js";
import { PRUNE_ABOVE, RateLimiter } from "../../../src/rpc/rate-limit.js";

const SPECS: ParamSpec[] = [
  { name: "height", kind: "int" },
  { name: "prove", kind: "bool" },
  { name: "path", kind: "string" },
  { name: "tx", kind: "bytes" },
  { name: "data", kind: "hex" },
];

function rpcErrorOf(fn: () => unknown): RpcError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RpcError) return err;
    throw err;
  }
  throw new Error("expected an RpcError");
}

describe("JSON-RPC params", () => {
  it("decodes named params of every kind with CometBFT's JSON encodings", () => {
    const args = decodeJsonParams(SPECS, { height: "12", prove: true, path: "/a", tx: "AQID", data: "0a0B" });
    expect(args.int("height")).toBe(12);
    expect(args.bool("prove")).toBe(true);
    expect(args.string("path")).toBe("/a");
    expect(args.bytes("tx")).toEqual(Uint8Array.of(1, 2, 3));
    expect(args.bytes("data")).toEqual(Uint8Array.of(10, 11));
  });

  it("accepts a JSON integer for an int, treats null and absent as default, ignores unknown names", () => {
    const args = decodeJsonParams(SPECS, { height: 7, prove: null, heigth: "9" });
    expect(args.int("height")).toBe(7);
    expect(args.bool("prove")).toBeUndefined();
    expect(decodeJsonParams(SPECS, undefined).int("height")).toBeUndefined();
  });

  it("decodes positional params only when every position is given", () => {
    const args = decodeJsonParams(SPECS, ["3", false, "/p", "", "ff"]);
    expect(args.int("height")).toBe(3);
    expect(args.bytes("data")).toEqual(Uint8Array.of(255));
    const err = rpcErrorOf(() => decodeJsonParams(SPECS, ["3"]));
    expect(err.rpcCode).toBe(RpcCode.InvalidParams);
    expect(err.data).toContain("expected 5 positional parameters");
  });

  it.each([
    [{ height: "1.5" }, "height"],
    [{ height: "abc" }, "height"],
    [{ height: 1.5 }, "height"],
    [{ height: "9007199254740993" }, "height"],
    [{ height: true }, "height must be an integer"],
    [{ prove: "true" }, "prove must be a boolean"],
    [{ path: 5 }, "path must be a string"],
    [{ tx: "not base64!" }, "tx must be a base64 string"],
    [{ tx: "AQI" }, "tx must be a base64 string"],
    [{ tx: 12 }, "tx must be a base64 string"],
    [{ data: "xyz" }, "data must be a hex string"],
    [{ data: ["00"] }, "data must be a hex string, got an array"],
  ])("rejects %j with -32602", (params, fragment) => {
    const err = rpcErrorOf(() => decodeJsonParams(SPECS, params));
    expect(err.rpcCode).toBe(RpcCode.InvalidParams);
    expect(err.toErrorObject()).toMatchObject({ code: -32602, message: "Invalid params" });
    expect(err.data).toContain(fragment);
  });

  it("rejects params that are neither object nor array", () => {
    expect(rpcErrorOf(() => decodeJsonParams(SPECS, "height=1")).data).toContain(
      "must be an object or an array",
    );
  });

  it("follows CometBFT's URI conventions: bare or quoted ints, 0x hex, quoted raw bytes", () => {
    const q = new URLSearchParams('height="42"&prove=true&path="/x/y"&tx=0x0102&data="ab"');
    const args = decodeUriParams(SPECS, q);
    expect(args.int("height")).toBe(42);
    expect(args.bool("prove")).toBe(true);
    expect(args.string("path")).toBe("/x/y");
    expect(args.bytes("tx")).toEqual(Uint8Array.of(1, 2));
    expect(args.bytes("data")).toEqual(Uint8Array.of(0x61, 0x62));
    const bare = decodeUriParams(SPECS, new URLSearchParams("height=5&path=/plain&data=0xFF&tx="));
    expect(bare.int("height")).toBe(5);
    expect(bare.string("path")).toBe("/plain");
    expect(bare.bytes("data")).toEqual(Uint8Array.of(255));
    expect(bare.bytes("tx")).toBeUndefined();
    expect(decodeUriParams(SPECS, new URLSearchParams("path=0x2f61")).string("path")).toBe("/a");
  });

  it.each([
    ["height=0x10", "expected an integer"],
    ["height=ten", "not an integer"],
    ["prove=yes", "true or false"],
    ["tx=AQID", "0x-prefixed hex or a quoted string"],
    ["data=0xZZ", "data must be a hex string"],
    ['path="bad\\q"', "not a valid quoted string"],
  ])("rejects URI %s with -32602", (query, fragment) => {
    const err = rpcErrorOf(() => decodeUriParams(SPECS, new URLSearchParams(query)));
    expect(err.rpcCode).toBe(RpcCode.InvalidParams);
    expect(err.data).toContain(fragment);
  });
});

describe("JSON-RPC envelope", () => {
  it("tells notifications (no id member) from requests with id null", () => {
    expect(toRequest({ jsonrpc: "2.0", method: "health" }).notification).toBe(true);
    expect(toRequest({ jsonrpc: "2.0", id: null, method: "health" })).toMatchObject({
      id: null,
      notification: false,
    });
    expect(toRequest({ method: "health", id: "a" })).toMatchObject({ id: "a", notification: false });
  });

  it.each([
    [5, "must be a JSON object"],
    [{ jsonrpc: "1.0", id: 1, method: "health" }, 'jsonrpc must be "2.0"'],
    [{ jsonrpc: "2.0", id: {}, method: "health" }, "id must be"],
    [{ jsonrpc: "2.0", id: 1, method: 7 }, "method must be a non-empty string"],
    [{ jsonrpc: "2.0", id: 1 }, "method must be a non-empty string"],
  ])("rejects %j with -32600", (item, fragment) => {
    const err = rpcErrorOf(() => toRequest(item));
    expect(err.rpcCode).toBe(RpcCode.InvalidRequest);
    expect(err.data).toContain(fragment);
  });
});

describe("heights and paging (CometBFT rules)", () => {
  it("resolves heights with CometBFT's error texts", () => {
    expect(resolveHeight(undefined, 9, 3)).toBe(9);
    expect(resolveHeight(4, 9, 3)).toBe(4);
    expect(rpcErrorOf(() => resolveHeight(10, 9, 3)).data).toBe(
      "height 10 must be less than or equal to the current blockchain height 9",
    );
    expect(rpcErrorOf(() => resolveHeight(2, 9, 3)).data).toBe(
      "height 2 is not available, lowest height is 3",
    );
    expect(rpcErrorOf(() => resolveHeight(0, 9, 3)).data).toBe("height must be greater than 0, but got 0");
    expect(rpcErrorOf(() => resolveHeight(10, 9, 3)).rpcCode).toBe(RpcCode.InternalError);
  });

  it("pages like CometBFT", () => {
    expect(resolvePerPage(undefined)).toBe(30);
    expect(resolvePerPage(0)).toBe(30);
    expect(resolvePerPage(500)).toBe(100);
    expect(resolvePage(undefined, 30, 0)).toBe(1);
    expect(resolvePage(1, 30, 0)).toBe(1);
    expect(resolvePage(2, 2, 3)).toBe(2);
    expect(rpcErrorOf(() => resolvePage(3, 2, 3)).data).toBe("page should be within [1, 2] range, given 3");
  });

  it("clamps blockchain ranges to 20 heights inside [base, latest]", () => {
    expect(filterMinMax(1, 100, 0, 0, 20)).toEqual({ min: 81, max: 100 });
    expect(filterMinMax(50, 100, 10, 60, 20)).toEqual({ min: 50, max: 60 });
    expect(filterMinMax(1, 5, 2, 999, 20)).toEqual({ min: 2, max: 5 });
    expect(rpcErrorOf(() => filterMinMax(1, 5, -1, 0, 20)).data).toBe("heights must be non-negative");
    expect(rpcErrorOf(() => filterMinMax(1, 5, 7, 9, 20)).data).toBe(
      "min height 7 can't be greater than max height 5",
    );
  });
});

describe("formatting", () => {
  it("renders unix ms as RFC3339 with Go's trimmed fraction", () => {
    expect(rfc3339(Date.UTC(2026, 10, 24, 16, 33, 0, 123))).toBe("2026-11-24T16:33:00.123Z");
    expect(rfc3339(Date.UTC(2026, 10, 24, 16, 33, 0, 120))).toBe("2026-11-24T16:33:00.12Z");
    expect(rfc3339(Date.UTC(2026, 10, 24, 16, 33, 0, 0))).toBe("2026-11-24T16:33:00Z");
    expect(rfc3339(0)).toBe("1970-01-01T00:00:00Z");
  });

  it("embeds raw JSON verbatim and drops undefined members", () => {
    const text = stringifyJson({
      a: new RawJson('{"n":123456789012345678901234567890}'),
      b: undefined,
      c: [1, "x", null],
    });
    expect(text).toBe('{"a":{"n":123456789012345678901234567890},"c":[1,"x",null]}');
  });

  it("writes plain trees exactly as the tree writer does, and refuses non-finite numbers", () => {
    const tree = { b: undefined, a: ['\u2028é"\\', { z: 1.5, y: -0, x: true, w: null }], "2": "k", "1": [] };
    // The same tree with a RawJson leaf goes through the tree writer; both parts must agree.
    const viaWriter = stringifyJson({ t: tree, r: new RawJson("0") });
    expect(viaWriter).toBe(`{"t":${stringifyJson(tree)},"r":0}`);
    expect(stringifyJson(tree)).toBe(JSON.stringify(tree));
    expect(() => stringifyJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => stringifyJson([Number.POSITIVE_INFINITY])).toThrow(TypeError);
  });
});

describe("rate limiter", () => {
  it("allows a burst, refuses beyond it, and refills with time", () => {
    let now = 0;
    const limiter = new RateLimiter(2, 3, () => now);
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(limiter.take("b")).toBe(true);
    now += 500; // one token back at 2/s
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("a")).toBe(false);
    now += 10_000;
    expect(limiter.take("a", 3)).toBe(true);
    expect(limiter.take("a", 1)).toBe(false);
  });

  it("stays bounded when many clients are mid-bucket", () => {
    const limiter = new RateLimiter(1, 2, () => 0);
    for (let i = 0; i < PRUNE_ABOVE * 2; i++) limiter.take(`ip-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(PRUNE_ABOVE);
    expect(limiter.take("ip-new")).toBe(true);
  });
});

describe("server options", () => {
  it("parses listen addresses", () => {
    expect(parseListenAddress("tcp://127.0.0.1:26657")).toEqual({ host: "127.0.0.1", port: 26657 });
    expect(parseListenAddress("localhost:0")).toEqual({ host: "localhost", port: 0 });
    expect(parseListenAddress("tcp://[::1]:26657")).toEqual({ host: "::1", port: 26657 });
    for (const bad of ["26657", "tcp://127.0.0.1", "unix:///tmp/x", "127.0.0.1:70000", "http://h:1"]) {
      expect(() => parseListenAddress(bad), bad).toThrow(/must look like/);
    }
  });

  it("rejects bad limits with RPC_BAD_OPTIONS", () => {
    expect(() => resolveRpcOptions({ laddr: "127.0.0.1:0", maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
    expect(() => resolveRpcOptions({ laddr: "127.0.0.1:0", rateLimitPerIp: -1 })).toThrow(/rateLimitPerIp/);
    expect(() => resolveRpcOptions({ laddr: "127.0.0.1:0", corsAllowedOrigins: ["evil"] })).toThrow(
      /CORS origin/,
    );
    const o = resolveRpcOptions({ laddr: "127.0.0.1:0", rateLimitPerIp: 2.5 });
    expect(o.rateLimitBurst).toBe(3);
    expect(o.maxBatchSize).toBe(10);
    expect(o.maxBodyBytes).toBe(1_000_000);
  });
});
