/**
 * The cheap paths of a broadcast over HTTP answer byte for byte what the general ones do: the
 * broadcast result rendered as JSON text and put into a templated envelope (vs. the generic
 * serializer over the result object, as in a batch or over websocket), the regex-free strict
 * base64 check (vs. the regex definition), and every error, notification and batch case.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { CheckTxResult } from "../../../src/abci/types.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { silentLogger } from "../../../src/log.js";
import { strictBase64 } from "../../../src/rpc/params.js";
import { RpcServer } from "../../../src/rpc/server.js";
import { TestChain } from "./fixture.js";
import { B64, HEX, type HttpResult, post } from "./helpers.js";

/** What the stub mempool answers for a tx, chosen by the tx's first byte. */
const RESULTS: readonly CheckTxResult[] = [
  {
    code: 0,
    data: new Uint8Array(0),
    log: "",
    info: "",
    gasWanted: 0,
    gasUsed: 0,
    events: [],
    codespace: "",
  },
  {
    code: 5,
    data: Uint8Array.of(1, 2, 0xab),
    log: 'he said "no"\n\ttab \\ back ü 日本 \u2028 \u0001 \ud800 </script>',
    info: "ignored",
    gasWanted: 1,
    gasUsed: 2,
    events: [],
    codespace: 'sdk "q"',
  },
  {
    code: 4_294_967_295,
    data: new Uint8Array(32).fill(0xcd),
    log: "x".repeat(300),
    info: "",
    gasWanted: 0,
    gasUsed: 0,
    events: [],
    codespace: "",
  },
];

const txOf = (kind: number, n: number): Uint8Array => Uint8Array.of(kind, n & 0xff, n >> 8, 7, 7, 7);

let server: RpcServer;
let url: string;
let seenTxs: Uint8Array[];

beforeAll(async () => {
  const chain = new TestChain();
  chain.produceBlock([]);
  seenTxs = [];
  const env = chain.env({
    mempool: {
      checkTx: async (tx) => {
        seenTxs.push(tx);
        const res = RESULTS[tx[0] ?? 0];
        if (res === undefined) throw new Error(`mempool refused: kind ${tx[0]}`);
        return res;
      },
      size: () => 0,
      sizeBytes: () => 0,
      unconfirmedTxs: () => [],
    },
  });
  server = await RpcServer.start({ laddr: "tcp://127.0.0.1:0" }, env, silentLogger);
  url = server.url;
});

afterAll(async () => {
  await server.close();
});

/** The response the generic serializer made before the fast path (JSON.stringify of the object). */
function expectedSync(id: unknown, tx: Uint8Array): string {
  const r = RESULTS[tx[0] ?? 0]!;
  const result = {
    code: r.code,
    data: HEX(r.data),
    log: r.log,
    codespace: r.codespace,
    hash: HEX(sha256(tx)),
  };
  return JSON.stringify({ jsonrpc: "2.0", id, result });
}

const request = (idText: string, method: string, paramsText: string): string =>
  `{"jsonrpc":"2.0","id":${idText},"method":"${method}","params":${paramsText}}`;

function expectJsonResponse(res: HttpResult, status: number, text: string): void {
  expect(res.status).toBe(status);
  expect(res.text).toBe(text);
  expect(res.headers.get("content-type")).toBe("application/json");
  expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
}

describe("broadcast results", () => {
  const IDS = [
    "1",
    "0",
    "-0",
    "-7",
    "1.5",
    "1e21",
    "123456789012",
    '"abc"',
    '"q\\"uo\\\\te ü \\u2028"',
    "null",
  ];

  it("answers broadcast_tx_sync with the generic serializer's bytes, for any id and result", async () => {
    let n = 0;
    for (const kind of [0, 1, 2]) {
      for (const idText of IDS) {
        const tx = txOf(kind, n++);
        const res = await post(url, request(idText, "broadcast_tx_sync", `{"tx":"${B64(tx)}"}`));
        expectJsonResponse(res, 200, expectedSync(JSON.parse(idText), tx));
      }
    }
  });

  it("answers broadcast_tx_async with code 0 and the tx hash, whatever CheckTx will say", async () => {
    const tx = txOf(1, 999);
    const res = await post(url, request('"a"', "broadcast_tx_async", `{"tx":"${B64(tx)}","extra":1}`));
    const result = { code: 0, data: "", log: "", codespace: "", hash: HEX(sha256(tx)) };
    expectJsonResponse(res, 200, JSON.stringify({ jsonrpc: "2.0", id: "a", result }));
  });

  it("answers a batch, and a websocket call, with the same bytes as single calls", async () => {
    const txs = [txOf(0, 2000), txOf(1, 2001), txOf(2, 2002)];
    const calls = txs.map((tx, i) => request(String(i), "broadcast_tx_sync", `{"tx":"${B64(tx)}"}`));
    const batch = await post(url, `[${calls.join(",")}]`);
    expectJsonResponse(batch, 200, `[${txs.map((tx, i) => expectedSync(i, tx)).join(",")}]`);

    const ws = new WebSocket(`${server.wsUrl}/websocket`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    try {
      const tx = txOf(1, 2003);
      const reply = new Promise<string>((resolve) => ws.once("message", (data) => resolve(String(data))));
      ws.send(request('"w"', "broadcast_tx_sync", `{"tx":"${B64(tx)}"}`));
      expect(await reply).toBe(expectedSync("w", tx));
    } finally {
      ws.close();
    }
  });

  it("reports a mempool refusal as -32603 with its reason", async () => {
    const tx = txOf(9, 1);
    const res = await post(url, request("3", "broadcast_tx_sync", `{"tx":"${B64(tx)}"}`));
    expectJsonResponse(
      res,
      200,
      '{"jsonrpc":"2.0","id":3,"error":{"code":-32603,"message":"Internal error","data":"mempool refused: kind 9"}}',
    );
  });
});

describe("bad and unusual requests", () => {
  const good = B64(txOf(0, 3000));
  const CASES: readonly [string, string][] = [
    ["bad base64", request("1", "broadcast_tx_sync", '{"tx":"@@@@"}')],
    ["short base64", request("1", "broadcast_tx_sync", '{"tx":"AQI"}')],
    ["url-safe base64", request("1", "broadcast_tx_sync", '{"tx":"AQ-_"}')],
    ["base64 with a newline", request("1", "broadcast_tx_sync", '{"tx":"AQID\\nAQID"}')],
    ["three pads", request("1", "broadcast_tx_sync", '{"tx":"A==="}')],
    ["inner padding", request("1", "broadcast_tx_sync", '{"tx":"AQ==AQID"}')],
    ["an empty tx", request("1", "broadcast_tx_sync", '{"tx":""}')],
    ["a null tx", request("1", "broadcast_tx_sync", '{"tx":null}')],
    ["a numeric tx", request("1", "broadcast_tx_sync", '{"tx":12}')],
    ["empty params", request("1", "broadcast_tx_sync", "{}")],
    ["null params", request("1", "broadcast_tx_sync", "null")],
    ["no params", '{"jsonrpc":"2.0","id":1,"method":"broadcast_tx_sync"}'],
    ["string params", request("1", "broadcast_tx_sync", '"tx"')],
    ["wrong positional count", request("1", "broadcast_tx_sync", "[]")],
    ["positional params", request("2", "broadcast_tx_sync", `["${B64(txOf(1, 3001))}"]`)],
    ["async with bad base64", request("1", "broadcast_tx_async", '{"tx":"@@"}')],
    ["an unknown method", request("1", "broadcast_tx_syncc", `{"tx":"${good}"}`)],
    ["an object id", request("{}", "broadcast_tx_sync", `{"tx":"${good}"}`)],
    ["a wrong jsonrpc", `{"jsonrpc":"1.0","id":1,"method":"broadcast_tx_sync","params":{"tx":"${good}"}}`],
    ["a non-object request", "5"],
  ];

  it.each(CASES)("%s: the single answer is the batch answer's element", async (_name, body) => {
    const single = await post(url, body);
    const batch = await post(url, `[${body}]`);
    expect(batch.status).toBe(200);
    expect(single.status).toBe(200);
    expect(`[${single.text}]`).toBe(batch.text);
    expect(single.headers.get("content-length")).toBe(String(Buffer.byteLength(single.text)));
  });

  it("anchors the texts of the common failures", async () => {
    const invalid = (data: string) =>
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"${data}"}}`;
    expectJsonResponse(await post(url, CASES[0]![1]), 200, invalid("tx must be a base64 string"));
    expectJsonResponse(await post(url, CASES[6]![1]), 200, invalid("tx is required (the tx bytes)"));
    expectJsonResponse(await post(url, CASES[9]![1]), 200, invalid("tx is required (the tx bytes)"));
  });

  it("runs notifications (even bad ones) and answers them with 204 and no body", async () => {
    const tx = txOf(0, 4000);
    const before = seenTxs.length;
    for (const body of [
      `{"jsonrpc":"2.0","method":"broadcast_tx_sync","params":{"tx":"${B64(tx)}"}}`,
      '{"jsonrpc":"2.0","method":"broadcast_tx_sync","params":{"tx":"@@"}}',
      `[{"jsonrpc":"2.0","method":"broadcast_tx_async","params":{"tx":"${B64(txOf(0, 4001))}"}}]`,
    ]) {
      const res = await post(url, body);
      expect(res.status).toBe(204);
      expect(res.text).toBe("");
    }
    expect(seenTxs.slice(before)).toEqual([tx, txOf(0, 4001)]);
  });

  it("decodes the tx bytes it hands to the mempool", async () => {
    const tx = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff);
    tx[0] = 0;
    await post(url, request("1", "broadcast_tx_sync", `{"tx":"${B64(tx)}"}`));
    expect(seenTxs.at(-1)).toEqual(tx);
  });
});

describe("strict base64 without a regex", () => {
  /** The definition it replaces: standard alphabet, length a multiple of 4, at most two pads. */
  function reference(text: string): Uint8Array | null {
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
    return new Uint8Array(Buffer.from(text, "base64"));
  }

  function check(text: string): void {
    const want = reference(text);
    let got: Uint8Array | null;
    try {
      got = strictBase64(text);
    } catch {
      got = null;
    }
    if (want === null) expect(got, JSON.stringify(text)).toBeNull();
    else expect(got, JSON.stringify(text)).toEqual(want);
  }

  it("accepts and decodes exactly what the regex definition does (every short string)", () => {
    const alphabet = ["A", "g", "/", "+", "=", "-", "_", " ", "é", "\n", "\ud800"];
    const all = (prefix: string, depth: number): void => {
      if (prefix.length % 4 === 0) check(prefix);
      if (depth === 0) return;
      for (const c of alphabet) all(prefix + c, depth - 1);
    };
    all("", 4);
    for (const prefix of ["AAAA", "AA==", "AAA=", "A=A="]) all(prefix, 4);
  });

  it("agrees on long random strings with a few stray characters", () => {
    const base = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const stray = ["=", "-", "_", " ", "\t", "é", "%", "\0", "日"];
    // A fixed LCG, so a failure reproduces.
    let state = 12345;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const length = 4 * (1 + next(80));
      let text = "";
      for (let j = 0; j < length; j++) {
        text += next(100) < 2 ? stray[next(stray.length)] : base[next(base.length)];
      }
      const ending = next(4);
      if (ending === 0) text = `${text.slice(0, -2)}==`;
      else if (ending === 1) text = `${text.slice(0, -1)}=`;
      check(text);
    }
  });
});
