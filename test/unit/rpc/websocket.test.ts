/**
 * The websocket endpoint with a plain `ws` client: JSON-RPC over websocket, subscription
 * lifecycle and CometBFT's event shapes, and every class of abuse — malformed frames, a
 * thousand subscriptions, too many clients, oversized messages, a reader that stalls, a client
 * that never answers pings — each answered clearly while the server keeps serving others.
 */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { toHexUpper } from "../../../src/codec/bytes.js";
import { sha256 } from "../../../src/crypto/hash.js";
import type { NewBlockEvent } from "../../../src/events/bus.js";
import { type Logger, silentLogger } from "../../../src/log.js";
import { makeTx } from "./fixture.js";
import { call } from "./helpers.js";
import { type IndexedServer, senderOf, startIndexedServer } from "./indexed.js";

type Json = ReturnType<typeof JSON.parse>;

/** A websocket client that queues every message and lets a test await the ones it expects. */
class Client {
  readonly messages: Json[] = [];
  private waiters: { test: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  private seen = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  pings = 0;
  private pingWaiter: { n: number; resolve: () => void } | null = null;

  /** Resolves once `n` pings have arrived. */
  untilPings(n: number): Promise<void> {
    if (this.pings >= n) return Promise.resolve();
    return new Promise((resolve) => {
      this.pingWaiter = { n, resolve };
    });
  }

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      this.messages.push(m);
      const w = this.waiters.find((x) => x.test(m));
      if (w) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      }
    });
    ws.on("ping", () => {
      this.pings++;
      if (this.pingWaiter && this.pings >= this.pingWaiter.n) this.pingWaiter.resolve();
    });
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, "ws")}/websocket`, { headers });
      const c = new Client(ws);
      ws.once("open", () => resolve(c));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () =>
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
        );
      });
    });
  }

  /** Resolves with the first message (already received or future) that passes `test`. */
  next(test: (m: Json) => boolean): Promise<Json> {
    const found = this.messages.slice(this.seen).find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** A response (not an event) to request `id`. */
  reply(id: unknown): Promise<Json> {
    return this.next((m) => m.id === id && (m.error !== undefined || m.result?.query === undefined));
  }

  async call(method: string, params: unknown, id: number | string): Promise<Json> {
    this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    return this.reply(id);
  }

  events(id: unknown): Json[] {
    return this.messages.filter((m) => m.id === id && m.result?.query !== undefined);
  }

  close(): void {
    this.ws.close();
  }
}

let s: IndexedServer;
const clients: Client[] = [];
const open = async (url = s.server.url, headers: Record<string, string> = {}) => {
  const c = await Client.open(url, headers);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  s = await startIndexedServer({ maxBodyBytes: 64 * 1024 });
  s.chain.produceBlock([makeTx(s.chain.keys[0]!, 0)]);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.ws.terminate();
});
afterAll(async () => {
  await s.close();
});

describe("JSON-RPC over the websocket", () => {
  it("answers single calls and batches and keeps the connection through bad input", async () => {
    const c = await open();
    expect(await c.call("health", {}, 1)).toStrictEqual({ jsonrpc: "2.0", id: 1, result: {} });
    c.ws.send(
      JSON.stringify([
        { jsonrpc: "2.0", id: "a", method: "health" },
        { jsonrpc: "2.0", id: "b", method: "block", params: { height: "1" } },
      ]),
    );
    const batch = await c.next(Array.isArray);
    expect(batch.map((r: Json) => r.id)).toStrictEqual(["a", "b"]);
    expect(batch[1].result.block.header.height).toBe("1");

    c.ws.send("{not json");
    expect((await c.next((m) => m.error?.code === -32700)).id).toBeNull();
    c.ws.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: 5 }));
    expect((await c.reply(2)).error).toMatchObject({ code: -32600 });
    expect((await c.call("block", { height: [1] }, 3)).error).toMatchObject({ code: -32602 });
    expect((await c.call("nope", {}, 4)).error).toMatchObject({ code: -32601 });
    c.ws.send(Buffer.from("binary"), { binary: true });
    expect((await c.next((m) => m.error?.data?.includes("text frames"))).error.code).toBe(-32600);
    expect((await c.call("status", {}, 5)).result.sync_info.latest_block_height).toBe(String(s.chain.height));
  });

  it("serves subscribe only over the websocket", async () => {
    const res = await call(s.server.url, "subscribe", { query: "tm.event='NewBlock'" });
    expect(res.error).toMatchObject({ code: -32601, message: "Method not found" });
    expect(res.error.data).toContain("/websocket");
  });

  it("closes a connection that sends a message above the size limit; others are unaffected", async () => {
    const big = await open();
    const other = await open();
    big.ws.send(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "health", params: { pad: "x".repeat(70_000) } }),
    );
    expect((await big.closed).code).toBe(1009);
    expect((await other.call("health", {}, 1)).result).toStrictEqual({});
  });

  it("refuses other paths, disallowed origins, and clients beyond the limit with JSON-RPC errors", async () => {
    const bad = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${s.server.wsUrl}/ws`);
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("error", () => {});
    });
    expect(bad).toBe(404);
    await expect(open(s.server.url, { Origin: "https://evil.example" })).rejects.toMatchObject({
      status: 403,
    });

    const small = await startIndexedServer({
      maxSubscriptionClients: 2,
      corsAllowedOrigins: ["https://ok.example"],
    });
    try {
      const a = await open(small.server.url, { Origin: "https://ok.example" });
      await open(small.server.url);
      const refused = await open(small.server.url).catch((e: { status: number; body: string }) => e);
      expect(refused).toMatchObject({ status: 503 });
      expect(JSON.parse((refused as { body: string }).body).error.data).toBe(
        "too many websocket clients (max 2)",
      );
      a.close();
      await a.closed;
      await expect(open(small.server.url)).resolves.toBeDefined();
    } finally {
      for (const c of clients.splice(0)) c.ws.terminate();
      await small.close();
    }
  });
});

describe("subscriptions", () => {
  it("delivers matching Tx events with CometBFT's shape under the subscribe id", async () => {
    const c = await open();
    const chain = s.chain;
    const alice = senderOf(chain, 0);
    const q = `tm.event='Tx'   AND transfer.sender='${alice}'`;
    expect(await c.call("subscribe", { query: q }, "sub-1")).toStrictEqual({
      jsonrpc: "2.0",
      id: "sub-1",
      result: {},
    });
    expect((await c.call("subscribe", { query: q }, 2)).error.data).toBe("already subscribed");
    expect((await c.call("subscribe", { query: "tm.event=" }, 3)).error.data).toMatch(
      /^failed to parse query: offset 9/,
    );
    expect((await c.call("subscribe", { query: `a.b='${"x".repeat(600)}'` }, 4)).error.data).toBe(
      "maximum query length exceeded",
    );

    const mine = makeTx(chain.keys[0]!, 50);
    chain.produceBlock([makeTx(chain.keys[1]!, 50), mine]);
    const ev = await c.next((m) => m.id === "sub-1" && m.result?.query !== undefined);
    expect(ev.result.query).toBe(`tm.event = 'Tx' AND transfer.sender = '${alice}'`);
    expect(ev.result.data.type).toBe("tendermint/event/Tx");
    expect(ev.result.data.value.TxResult).toMatchObject({
      height: String(chain.height),
      index: 1,
      tx: Buffer.from(mine).toString("base64"),
    });
    expect(ev.result.data.value.TxResult.result.gas_wanted).toBe("50000");
    expect(ev.result.events).toMatchObject({
      "tm.event": ["Tx"],
      "tx.hash": [toHexUpper(sha256(mine))],
      "tx.height": [String(chain.height)],
      "transfer.sender": [alice],
    });
    // Bob's tx in the same block did not match.
    await c.call("health", {}, 5);
    expect(c.events("sub-1")).toHaveLength(1);
  });

  it("publishes NewBlock, NewBlockHeader and NewBlockEvents, and stops after unsubscribe", async () => {
    const c = await open();
    const chain = s.chain;
    await c.call("subscribe", { query: "tm.event = 'NewBlock'" }, 10);
    await c.call("subscribe", { query: "tm.event = 'NewBlockHeader'" }, 11);
    await c.call("subscribe", { query: "tm.event = 'NewBlockEvents' AND end.height EXISTS" }, 12);
    const block = chain.produceBlock([makeTx(chain.keys[2]!, 60)]);
    const nb = await c.next((m) => m.id === 10 && m.result?.query !== undefined);
    expect(nb.result.data.type).toBe("tendermint/event/NewBlock");
    expect(nb.result.data.value.block.header.height).toBe(String(block.header.height));
    expect(nb.result.data.value.block_id.hash).toBe(
      toHexUpper(s.chain.blockStore.metas.get(block.header.height)!.blockHash),
    );
    expect(nb.result.data.value.result_finalize_block.events).toStrictEqual([
      { type: "begin" },
      { type: "end", attributes: [{ key: "height", value: String(block.header.height), index: true }] },
    ]);
    expect(nb.result.data.value.result_finalize_block.tx_results[0].gas_used).toBe("21000");
    expect(nb.result.events).toStrictEqual({
      "end.height": [String(block.header.height)],
      "tm.event": ["NewBlock"],
    });
    const hdr = await c.next((m) => m.id === 11 && m.result?.query !== undefined);
    expect(hdr.result.data).toMatchObject({
      type: "tendermint/event/NewBlockHeader",
      value: { header: { height: String(block.header.height) } },
    });
    const nbe = await c.next((m) => m.id === 12 && m.result?.query !== undefined);
    expect(nbe.result.data.value).toMatchObject({ height: String(block.header.height), num_txs: "1" });

    expect(await c.call("unsubscribe", { query: "tm.event='NewBlock'" }, 13)).toMatchObject({ result: {} });
    expect((await c.call("unsubscribe", { query: "tm.event='NewBlock'" }, 14)).error.data).toBe(
      "subscription not found",
    );
    chain.produceBlock([]);
    await c.call("health", {}, 15);
    expect(c.events(10)).toHaveLength(1);
    expect(c.events(11)).toHaveLength(2);
    expect(await c.call("unsubscribe_all", {}, 16)).toMatchObject({ result: {} });
    expect((await c.call("unsubscribe_all", {}, 17)).error.data).toBe("subscription not found");
  });

  it("refuses a thousand subscriptions beyond the per-client limit and keeps serving", async () => {
    const c = await open();
    const other = await open();
    await other.call("subscribe", { query: "tm.event='NewBlock'" }, "o");
    for (let i = 0; i < 1000; i++) {
      c.ws.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: i,
          method: "subscribe",
          params: { query: `tm.event='Tx' AND a.n = ${i}` },
        }),
      );
    }
    await c.reply(999);
    const replies = c.messages.filter((m) => typeof m.id === "number");
    expect(replies).toHaveLength(1000);
    expect(replies.filter((m) => m.result !== undefined).map((m) => m.id)).toStrictEqual([0, 1, 2, 3, 4]);
    expect(new Set(replies.filter((m) => m.error).map((m) => m.error.data))).toStrictEqual(
      new Set(["max_subscriptions_per_client 5 reached"]),
    );
    expect((await c.call("health", {}, "h")).result).toStrictEqual({});
    s.chain.produceBlock([]);
    await other.next((m) => m.id === "o" && m.result?.query !== undefined);
  });
});

describe("slow and silent clients", () => {
  it("tells a stalled reader its subscription was canceled and disconnects it; others get every event", async () => {
    let dropped: () => void = () => {};
    const droppedP = new Promise<void>((resolve) => {
      dropped = resolve;
    });
    const logger: Logger = {
      ...silentLogger,
      info: (msg) => {
        if (msg.includes("does not read")) dropped();
      },
      child: () => logger,
    };
    const srv = await startIndexedServer(
      { subscriptionBufferSize: 20, wsCloseGraceMs: 30_000 },
      {},
      undefined,
      logger,
    );
    const server = srv.server;
    try {
      const chain = srv.chain;
      const slow = await open(server.url);
      const fast = await open(server.url);
      await slow.call("subscribe", { query: "tm.event='NewBlock'" }, "slow");
      await fast.call("subscribe", { query: "tm.event='NewBlock'" }, "fast");
      // One real block of ~0.5 MB, published again and again.
      let big: NewBlockEvent | undefined;
      chain.eventBus.once("NewBlock", (e) => {
        big = e;
      });
      chain.produceBlock(
        Array.from({ length: 40 }, (_, i) => makeTx(chain.keys[0]!, 1000 + i, "m".repeat(10_000))),
      );
      await slow.next((m) => m.id === "slow" && m.result?.query !== undefined);
      await fast.next((m) => m.id === "fast" && m.result?.query !== undefined);
      slow.ws.pause();

      let sent = 1;
      let isDropped = false;
      void droppedP.then(() => {
        isDropped = true;
      });
      while (!isDropped && sent < 400) {
        chain.eventBus.emit("NewBlock", big!);
        sent++;
        await new Promise((r) => setImmediate(r));
      }
      expect(isDropped).toBe(true);
      expect(server.websocketClients).toBe(2); // closing, within its grace period

      const fastDone = fast.next(() => fast.events("fast").length >= sent);
      await fastDone;
      expect(fast.events("fast")).toHaveLength(sent);

      slow.ws.resume();
      const closed = await slow.closed;
      expect(closed).toStrictEqual({ code: 1008, reason: "slow client" });
      const last = slow.messages.at(-1);
      expect(last).toStrictEqual({
        jsonrpc: "2.0",
        id: "slow",
        error: {
          code: -32000,
          message: "Server error",
          data: "subscription was canceled (reason: slow client)",
        },
      });
      expect(slow.events("slow").length).toBeLessThan(sent);
      expect((await fast.call("health", {}, "h")).result).toStrictEqual({});
      expect((await call(server.url, "health")).result).toStrictEqual({});
    } finally {
      for (const c of clients.splice(0)) c.ws.terminate();
      await srv.close();
    }
  });

  it("pings clients; one that never answers is disconnected, one that does stays", async () => {
    const srv = await startIndexedServer({ wsPingIntervalMs: 25 });
    try {
      const good = await open(srv.server.url);
      const { port } = srv.server.address;
      const raw = connect(port, "127.0.0.1");
      const gone = new Promise<void>((resolve) => raw.once("close", () => resolve()));
      raw.on("error", () => {});
      const key = randomBytes(16).toString("base64");
      raw.write(
        `GET /websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      const upgraded = await new Promise<string>((resolve) =>
        raw.once("data", (d: Buffer) => resolve(d.toString())),
      );
      expect(upgraded).toMatch(/^HTTP\/1.1 101/);
      await gone; // never sent a pong
      await good.untilPings(3);
      expect(good.ws.readyState).toBe(WebSocket.OPEN);
      expect((await good.call("health", {}, 1)).result).toStrictEqual({});
    } finally {
      for (const c of clients.splice(0)) c.ws.terminate();
      await srv.close();
    }
  });

  it("says goodbye (1001) to connected clients when the server closes", async () => {
    const srv = await startIndexedServer({});
    const c = await open(srv.server.url);
    await c.call("subscribe", { query: "tm.event='Tx'" }, 1);
    await srv.close();
    expect((await c.closed).code).toBe(1001);
  });
});
