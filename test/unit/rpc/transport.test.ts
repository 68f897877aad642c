/**
 * The HTTP transport: batches, URI GET conventions, every class of bad request, limits (body,
 * connections, rate, handler time), CORS, broadcast_tx_commit's wait, and a bounded close().
 */
import type { EventEmitter } from "node:events";
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../../src/crypto/hash.js";
import { isDccnError } from "../../../src/errors.js";
import { silentLogger } from "../../../src/log.js";
import { RpcSetupError } from "../../../src/rpc/errors.js";
import type { RpcServerOptions } from "../../../src/rpc/options.js";
import { RpcServer } from "../../../src/rpc/server.js";
import { headerHash } from "../../../src/types/block.js";
import { makeTx, TestChain } from "./fixture.js";
import { B64, call, HEX, http, post, result } from "./helpers.js";

let chain: TestChain;
let server: RpcServer;
let url: string;

beforeAll(async () => {
  chain = new TestChain();
  chain.produceBlock([]);
  chain.produceBlock([makeTx(chain.keys[0]!, 0)]);
  server = await RpcServer.start(
    { laddr: "tcp://127.0.0.1:0", maxBodyBytes: 4096 },
    chain.env(),
    silentLogger,
  );
  url = server.url;
});

afterAll(async () => {
  await server.close();
});

/** Servers started by one test, closed after it. */
const extra: RpcServer[] = [];
afterEach(async () => {
  await Promise.all(extra.splice(0).map((s) => s.close()));
});

async function startExtra(opts: Partial<RpcServerOptions>, c: TestChain = chain): Promise<RpcServer> {
  const s = await RpcServer.start({ laddr: "tcp://127.0.0.1:0", ...opts }, c.env(), silentLogger);
  extra.push(s);
  return s;
}

describe("JSON-RPC over POST", () => {
  it("answers a batch in order, keeps ids, skips notifications and isolates failures", async () => {
    const res = await post(url, [
      { jsonrpc: "2.0", id: "a", method: "health" },
      { jsonrpc: "2.0", id: 2, method: "no_such_method" },
      { jsonrpc: "2.0", method: "health" },
      { jsonrpc: "2.0", id: 3, method: "block", params: { height: "x" } },
      { jsonrpc: "2.0", id: 4, method: "header", params: ["1"] },
      7,
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(5);
    expect(res.body[0]).toStrictEqual({ jsonrpc: "2.0", id: "a", result: {} });
    expect(res.body[1]).toStrictEqual({
      jsonrpc: "2.0",
      id: 2,
      error: { code: -32601, message: "Method not found" },
    });
    expect(res.body[2]).toMatchObject({ id: 3, error: { code: -32602, message: "Invalid params" } });
    expect(res.body[2].error.data).toContain("height");
    expect(res.body[3]).toMatchObject({ id: 4, result: { header: { height: "1" } } });
    expect(res.body[4]).toStrictEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "Invalid Request", data: "a request must be a JSON object" },
    });
  });

  it("starts a run of broadcasts in a batch together, in order, and answers in order", async () => {
    const c = new TestChain();
    c.produceBlock([]);
    const started: Uint8Array[] = [];
    const gates: (() => void)[] = [];
    let allStarted!: () => void;
    const started3 = new Promise<void>((r) => {
      allStarted = r;
    });
    const admit = c.mempool.checkTx.bind(c.mempool);
    c.mempool.checkTx = async (tx) => {
      started.push(tx);
      if (started.length === 3) allStarted();
      await new Promise<void>((release) => gates.push(release));
      return admit(tx);
    };
    const s = await startExtra({}, c);
    const txs = [0, 1, 2].map((n) => makeTx(c.keys[0]!, n));
    const calls = txs.map((tx, id) => ({
      jsonrpc: "2.0",
      id,
      method: "broadcast_tx_sync",
      params: { tx: Buffer.from(tx).toString("base64") },
    }));
    const reply = post(s.url, [...calls, { jsonrpc: "2.0", id: 9, method: "health" }]);
    // All three reached the mempool, in order, before any of them was answered.
    await started3;
    expect(started).toEqual(txs);
    for (const release of gates.reverse()) release();
    const res = await reply;
    expect(res.body.map((r: { id: number }) => r.id)).toEqual([0, 1, 2, 9]);
    expect(res.body.slice(0, 3).map((r: { result: { code: number } }) => r.result.code)).toEqual([0, 0, 0]);
  });

  it("refuses a batch above the limit and an empty batch with -32600", async () => {
    const big = Array.from({ length: 11 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "health" }));
    const res = await post(url, big);
    expect(res.body).toStrictEqual({
      jsonrpc: "2.0",
      id: null,
      error: {
        code: -32600,
        message: "Invalid Request",
        data: "batch request exceeds maximum (10) allowed number of requests",
      },
    });
    expect((await post(url, [])).body.error).toMatchObject({ code: -32600, data: "empty batch" });
  });

  it("answers a body of notifications only with 204 and no content", async () => {
    const res = await post(url, [{ jsonrpc: "2.0", method: "health" }]);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
  });

  it("answers id null requests (they are not notifications)", async () => {
    expect((await post(url, { jsonrpc: "2.0", id: null, method: "health" })).body).toStrictEqual({
      jsonrpc: "2.0",
      id: null,
      result: {},
    });
  });
});

describe("URI GET", () => {
  it("serves /<method>?param with bare and quoted ints and id -1", async () => {
    const viaPost = await result(url, "block", { height: "1" });
    for (const q of ["height=1", 'height="1"', "height=1&unknown=zzz"]) {
      const res = await http(`${url}/block?${q}`);
      expect(res.status, q).toBe(200);
      expect(res.body).toStrictEqual({ jsonrpc: "2.0", id: -1, result: viaPost });
    }
  });

  it("decodes 0x hex for bytes params and quoted strings as raw bytes", async () => {
    const block = chain.blockStore.blocks.get(2)!;
    const byHash = await http(`${url}/block_by_hash?hash=0x${HEX(headerHash(block.header))}`);
    expect(byHash.body.result.block.header.height).toBe("2");
    const q = await http(`${url}/abci_query?path=%22/echo%22&data=%22ab%22`);
    expect(q.body.result.response.key).toBe(B64(Buffer.from("ab")));
    const hexData = await http(`${url}/abci_query?path=/echo&data=0x0A0B`);
    expect(hexData.body.result.response.key).toBe(B64(Uint8Array.of(10, 11)));
    const hash = headerHash(chain.blockStore.blocks.get(1)!.header);
    expect((await http(`${url}/header_by_hash?hash=0x${HEX(hash)}`)).body.result.header.height).toBe("1");
  });

  it("reports bad URI params as -32602 (HTTP 500, like CometBFT) and unknown methods as 404", async () => {
    const bad = await http(`${url}/block?height=0x02`);
    expect(bad.status).toBe(500);
    expect(bad.body).toMatchObject({
      jsonrpc: "2.0",
      id: -1,
      error: { code: -32602, message: "Invalid params" },
    });
    const notFound = await http(`${url}/no_such_method`);
    expect(notFound.status).toBe(404);
    expect(notFound.body.error).toStrictEqual({ code: -32601, message: "Method not found" });
    const handlerError = await http(`${url}/block?height=10`);
    expect(handlerError.status).toBe(500);
    expect(handlerError.body.error.data).toBe(
      "height 10 must be less than or equal to the current blockchain height 2",
    );
  });

  it("lists the methods at GET /", async () => {
    const res = await http(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html");
    for (const m of ["status", "broadcast_tx_commit", "block_results", "net_info"])
      expect(res.text).toContain(`/${m}<`);
  });
});

describe("bad requests", () => {
  it.each([
    ["malformed JSON", "{not json", 500, -32700, "error unmarshaling request"],
    [
      "truncated JSON",
      '{"jsonrpc":"2.0","id":1,"method":"health"',
      500,
      -32700,
      "error unmarshaling request",
    ],
    ["a JSON string", '"health"', 200, -32600, "a request must be a JSON object"],
    ["a non-string method", '{"jsonrpc":"2.0","id":1,"method":42}', 200, -32600, "method must be"],
    ["an object id", '{"jsonrpc":"2.0","id":{},"method":"health"}', 200, -32600, "id must be"],
    [
      "string params",
      '{"jsonrpc":"2.0","id":1,"method":"block","params":"1"}',
      200,
      -32602,
      "object or an array",
    ],
    [
      "a bool height",
      '{"jsonrpc":"2.0","id":1,"method":"block","params":{"height":true}}',
      200,
      -32602,
      "height",
    ],
    [
      "a non-base64 tx",
      '{"jsonrpc":"2.0","id":1,"method":"broadcast_tx_sync","params":{"tx":"@@"}}',
      200,
      -32602,
      "tx",
    ],
    [
      "a missing tx",
      '{"jsonrpc":"2.0","id":1,"method":"broadcast_tx_sync","params":{}}',
      200,
      -32602,
      "tx is required",
    ],
    [
      "wrong positional count",
      '{"jsonrpc":"2.0","id":1,"method":"block","params":[]}',
      200,
      -32602,
      "positional",
    ],
    ["an empty body", "", 400, -32600, "empty request body"],
  ])("%s gets a JSON-RPC error object", async (_name, body, status, code, fragment) => {
    const res = await post(url, body);
    expect(res.status).toBe(status);
    expect(res.body.jsonrpc).toBe("2.0");
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.data).toContain(fragment);
  });

  it("refuses an oversize body with 413 and keeps the connection usable", async () => {
    const res = await post(url, {
      jsonrpc: "2.0",
      id: 1,
      method: "health",
      params: { pad: "x".repeat(10_000) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toStrictEqual({
      jsonrpc: "2.0",
      id: null,
      error: {
        code: -32600,
        message: "Invalid Request",
        data: "error reading request body: the body exceeds the limit of 4096 bytes",
      },
    });
  });

  it("refuses a huge declared body at once instead of reading it", async () => {
    const { port } = server.address;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/",
        headers: { "Content-Type": "application/json", "Content-Length": String(1_000_000_000) },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it("rejects unsupported HTTP methods with 405", async () => {
    const res = await http(`${url}/`, { method: "PUT", body: "{}" });
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe(-32600);
  });

  it("keeps serving after all of the above", async () => {
    expect(await result(url, "health")).toStrictEqual({});
    expect((await result(url, "status")).sync_info.latest_block_height).toBe("2");
  });
});

describe("CORS", () => {
  it("sends CORS headers only to allowed origins and answers preflights", async () => {
    const s = await startExtra({ corsAllowedOrigins: ["https://wallet.example"] });
    const ok = await post(
      s.url,
      { jsonrpc: "2.0", id: 1, method: "health" },
      { Origin: "https://wallet.example" },
    );
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://wallet.example");
    const other = await post(
      s.url,
      { jsonrpc: "2.0", id: 1, method: "health" },
      { Origin: "https://evil.example" },
    );
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await http(`${s.url}/`, { method: "OPTIONS", headers: { Origin: "https://wallet.example" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toBe("HEAD, GET, POST");
    const none = await post(
      url,
      { jsonrpc: "2.0", id: 1, method: "health" },
      { Origin: "https://wallet.example" },
    );
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("limits", () => {
  it("rate-limits per IP with a token bucket (batches spend one token per call)", async () => {
    let now = 0;
    const s = await startExtra({ rateLimitPerIp: 1, rateLimitBurst: 3, nowMs: () => now });
    expect((await post(s.url, { jsonrpc: "2.0", id: 1, method: "health" })).status).toBe(200);
    const batch = [1, 2].map((id) => ({ jsonrpc: "2.0", id, method: "health" }));
    expect((await post(s.url, batch)).status).toBe(200);
    const limited = await post(s.url, { jsonrpc: "2.0", id: 1, method: "health" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.body.error).toMatchObject({ code: -32000, message: "Server error" });
    expect(limited.body.error.data).toContain("rate limit exceeded");
    now += 1_000;
    expect((await post(s.url, { jsonrpc: "2.0", id: 1, method: "health" })).status).toBe(200);
  });

  it("answers connections beyond the limit with 429 and a JSON-RPC error", async () => {
    const s = await startExtra({ maxOpenConnections: 1 });
    const holder: Socket = connect(s.address.port, "127.0.0.1");
    await new Promise<void>((resolve) => holder.once("connect", () => resolve()));
    try {
      const res = await http(`${s.url}/health`, { headers: { Connection: "close" } });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe(-32000);
      expect(res.body.error.data).toBe("too many open connections (max 1)");
    } finally {
      holder.destroy();
    }
  });

  it("fails a handler that does not finish in time with -32603, and keeps serving", async () => {
    const c = new TestChain();
    const s = await RpcServer.start(
      { laddr: "127.0.0.1:0", handlerTimeoutMs: 50 },
      c.env({
        app: { ...c.app, info: () => new Promise(() => {}), query: c.app.query, checkTx: c.app.checkTx },
      }),
      silentLogger,
    );
    extra.push(s);
    expect((await call(s.url, "abci_info")).error).toStrictEqual({
      code: -32603,
      message: "Internal error",
      data: "abci_info did not finish within 50 ms",
    });
    expect(await result(s.url, "health")).toStrictEqual({});
  });
});

describe("broadcast_tx_commit", () => {
  it("waits for the Tx event of its hash and returns check_tx, tx_result, hash and height", async () => {
    const c = new TestChain();
    c.produceBlock([]);
    c.mempool.onAdmitted = (tx) => setImmediate(() => c.produceBlock([makeTx(c.keys[2]!, 0, "other"), tx]));
    const s = await startExtra({}, c);
    const tx = makeTx(c.keys[1]!, 0);
    const r = await result(s.url, "broadcast_tx_commit", { tx: B64(tx) });
    expect(Object.keys(r)).toEqual(["check_tx", "tx_result", "hash", "height"]);
    expect(r.hash).toBe(HEX(sha256(tx)));
    expect(r.height).toBe("2");
    expect(r.check_tx).toMatchObject({ code: 0, gas_wanted: "50000", gas_used: "1000" });
    // Index 1 in the block: the fixture's result for index 1.
    expect(r.tx_result).toMatchObject({ code: 7, log: "insufficient funds", gas_used: "21001" });
    expect(c.eventBus.listenerCount("Tx")).toBe(0);
  });

  it("returns the CheckTx failure at once, with an empty tx_result and height 0", async () => {
    const c = new TestChain();
    const s = await startExtra({}, c);
    expect(await result(s.url, "broadcast_tx_commit", { tx: B64(Uint8Array.of(1, 2, 3)) })).toStrictEqual({
      check_tx: expect.objectContaining({ code: 2, codespace: "test" }),
      tx_result: {
        code: 0,
        data: null,
        log: "",
        info: "",
        gas_wanted: "0",
        gas_used: "0",
        events: [],
        codespace: "",
      },
      hash: HEX(sha256(Uint8Array.of(1, 2, 3))),
      height: "0",
    });
  });

  it("times out with CometBFT's message when no block includes the tx", async () => {
    const c = new TestChain();
    const s = await startExtra({ timeoutBroadcastTxCommitMs: 50 }, c);
    const res = await call(s.url, "broadcast_tx_commit", { tx: B64(makeTx(c.keys[0]!, 0)) });
    expect(res.error).toStrictEqual({
      code: -32603,
      message: "Internal error",
      data: "timed out waiting for tx to be included in a block",
    });
    expect(c.eventBus.listenerCount("Tx")).toBe(0);
  });

  it("stops waiting when the client disconnects", async () => {
    const c = new TestChain();
    const s = await startExtra({}, c);
    const admitted = new Promise<void>((resolve) => {
      c.mempool.onAdmitted = () => resolve();
    });
    // EventEmitter reports each removed listener; the bus's typed events do not list it.
    const untyped: EventEmitter = c.eventBus;
    const unsubscribed = new Promise<void>((resolve) => untyped.once("removeListener", () => resolve()));
    const abort = new AbortController();
    const body = {
      jsonrpc: "2.0",
      id: 1,
      method: "broadcast_tx_commit",
      params: { tx: B64(makeTx(c.keys[0]!, 0)) },
    };
    const pending = fetch(s.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: abort.signal,
    }).catch((err: unknown) => err);
    await admitted;
    abort.abort();
    await unsubscribed;
    expect(await pending).toBeInstanceOf(Error);
    expect(c.eventBus.listenerCount("Tx")).toBe(0);
  });
});

describe("start and close", () => {
  it("close() answers a waiting broadcast_tx_commit with a shutdown error and then stops listening", async () => {
    const c = new TestChain();
    const s = await RpcServer.start({ laddr: "127.0.0.1:0", closeTimeoutMs: 2_000 }, c.env(), silentLogger);
    const admitted = new Promise<void>((resolve) => {
      c.mempool.onAdmitted = () => resolve();
    });
    const pending = call(s.url, "broadcast_tx_commit", { tx: B64(makeTx(c.keys[0]!, 0)) });
    await admitted;
    await s.close();
    const res = await pending;
    expect(res.error).toStrictEqual({
      code: -32603,
      message: "Internal error",
      data: "broadcast confirmation not received: RPC server is shutting down",
    });
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
    await s.close(); // idempotent
  });

  it("reports bad options, a bad genesis and a port in use as typed errors", async () => {
    const c = new TestChain();
    const fail = async (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    const badAddr = await fail(RpcServer.start({ laddr: "nowhere" }, c.env(), silentLogger));
    expect(isDccnError(badAddr, "RPC_BAD_OPTIONS")).toBe(true);
    const badGenesis = await fail(
      RpcServer.start({ laddr: "127.0.0.1:0" }, c.env({ genesisJson: "{" }), silentLogger),
    );
    expect(badGenesis).toBeInstanceOf(RpcSetupError);
    expect((badGenesis as RpcSetupError).message).toContain("genesis");
    const busy = await fail(
      RpcServer.start({ laddr: `127.0.0.1:${server.address.port}` }, c.env(), silentLogger),
    );
    expect(isDccnError(busy, "RPC_LISTEN_FAILED")).toBe(true);
    expect((busy as RpcSetupError).message).toContain(`127.0.0.1:${server.address.port}`);
  });
});
