/**
 * Bad input against a real node's RPC: malformed JSON, wrong types, huge bodies and batches,
 * a thousand subscriptions, too many websocket clients, a stalled websocket reader, unsafe
 * methods without the admin token, origins outside the CORS allow-list. Each gets a clear
 * JSON-RPC error (or a clean disconnect) and the node keeps committing blocks throughout.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DccnClient, sendMsg } from "../../src/client/index.js";
import { addressFromPublicKey, toBech32 } from "../../src/crypto/address.js";
import { PrivateKey } from "../../src/crypto/ed25519.js";
import { initTestHome, NodeProcess, rpc, type TestHome, waitForHeight } from "./harness.js";

const CHAIN_ID = "e2e-rpc-abuse";
const ADMIN_TOKEN = "e2e-admin-token-0123456789";
const ORIGIN = "https://wallet.example";
const MAX_BODY = 200_000;
const MAX_CLIENTS = 8;
const sender = PrivateKey.fromSeed(new Uint8Array(32).fill(0x77));
const senderAddr = toBech32(addressFromPublicKey(sender.publicKey));

interface RpcReply {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: string };
}

let th: TestHome;
let node: NodeProcess;

beforeAll(async () => {
  th = await initTestHome("rpc-abuse", {
    chainId: CHAIN_ID,
    accounts: [{ address: senderAddr, balance: 10n ** 24n }],
    config: {
      rpc: {
        max_body_bytes: MAX_BODY,
        max_batch_size: 5,
        max_subscription_clients: MAX_CLIENTS,
        max_subscriptions_per_client: 5,
        subscription_buffer_size: 4,
        unsafe: true,
        admin_token: ADMIN_TOKEN,
      },
    },
  });
  const configFile = join(th.home, "config", "config.toml");
  const text = readFileSync(configFile, "utf8");
  writeFileSync(
    configFile,
    text.replace("cors_allowed_origins = []", `cors_allowed_origins = ["${ORIGIN}"]`),
  );
  node = new NodeProcess(th.home, th.rpcPort);
  await node.start();
  await waitForHeight(node.rpcUrl, 1);
});

afterAll(async () => {
  await node?.stop();
  if (th) rmSync(th.home, { recursive: true, force: true });
});

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(node.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as RpcReply | RpcReply[] };
}

const height = async () =>
  Number(
    (await rpc<{ sync_info: { latest_block_height: string } }>(node.rpcUrl, "status")).sync_info
      .latest_block_height,
  );

/** The node is alive and still committing blocks. */
async function expectHealthy(): Promise<void> {
  const h = await height();
  await waitForHeight(node.rpcUrl, h + 1, 30_000);
  expect(await rpc(node.rpcUrl, "health")).toEqual({});
}

/** A websocket client that keeps every message and lets a test await the ones it expects. */
class WsClient {
  readonly messages: RpcReply[] = [];
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.messages.push(JSON.parse(data.toString()) as RpcReply);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test()) return true;
        w.resolve();
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }
  static open(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, "ws")}/websocket`, { headers });
      const c = new WsClient(ws);
      ws.once("open", () => resolve(c));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () =>
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
        );
      });
      ws.once("error", reject);
    });
  }
  send(method: string, params: Record<string, unknown>, id: unknown): void {
    this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
  }
  until(test: (messages: RpcReply[]) => boolean): Promise<void> {
    if (test(this.messages)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test: () => test(this.messages), resolve }));
  }
  reply(id: unknown): Promise<RpcReply> {
    const find = () =>
      this.messages.find((m) => m.id === id && (m.error !== undefined || m.result?.query === undefined));
    return this.until(() => find() !== undefined).then(() => find()!);
  }
}

describe("bad HTTP requests", () => {
  it("answers malformed JSON, wrong types, unknown methods and bad envelopes with JSON-RPC errors", async () => {
    const parse = await post("{not json");
    expect(parse.status).toBe(500);
    expect((parse.json as RpcReply).error?.code).toBe(-32700);

    const wrongType = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "block", params: { height: "abc" } }),
    );
    expect((wrongType.json as RpcReply).error).toMatchObject({
      code: -32602,
      data: expect.stringContaining("height"),
    });
    const wrongBool = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "abci_query", params: { path: "/x", prove: "yes" } }),
    );
    expect((wrongBool.json as RpcReply).error?.code).toBe(-32602);
    const unknown = await post(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "no_such_method" }));
    expect((unknown.json as RpcReply).error?.code).toBe(-32601);
    const badId = await post(JSON.stringify({ jsonrpc: "2.0", id: { x: 1 }, method: "status" }));
    expect((badId.json as RpcReply).error?.code).toBe(-32600);
    const future = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 4, method: "block", params: { height: "999999" } }),
    );
    expect((future.json as RpcReply).error?.data).toMatch(
      /must be less than or equal to the current blockchain height/,
    );

    const uri = await fetch(`${node.rpcUrl}/block?height=tall`);
    expect(((await uri.json()) as RpcReply).error?.code).toBe(-32602);
    await expectHealthy();
  });

  it("refuses oversized bodies and batches, and serves a batch within the limit", async () => {
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "broadcast_tx_sync",
      params: { tx: "A".repeat(MAX_BODY) },
    });
    const tooLarge = await post(huge);
    expect(tooLarge.status).toBe(413);
    expect((tooLarge.json as RpcReply).error).toMatchObject({
      code: -32600,
      data: expect.stringContaining(`${MAX_BODY} bytes`),
    });

    // Far beyond the limit: refused without reading it all (the connection may be cut).
    const giant = await post(Buffer.alloc(20 * MAX_BODY, 0x20)).then(
      (r) => r.status,
      () => "connection cut",
    );
    expect([413, "connection cut"]).toContain(giant);

    const call = (id: number) => ({ jsonrpc: "2.0", id, method: "health" });
    const tooMany = await post(JSON.stringify([1, 2, 3, 4, 5, 6].map(call)));
    expect((tooMany.json as RpcReply).error?.data).toMatch(/batch request exceeds maximum \(5\)/);
    const ok = await post(JSON.stringify([call(1), { jsonrpc: "2.0", id: 2, method: "nope" }, call(3)]));
    expect((ok.json as RpcReply[]).map((r) => r.error?.code ?? "ok")).toStrictEqual(["ok", -32601, "ok"]);
    await expectHealthy();
  });

  it("serves unsafe methods only with the admin token, and CORS only to allowed origins", async () => {
    const flush = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "unsafe_flush_mempool" });
    const anon = await post(flush);
    expect((anon.json as RpcReply).error?.data).toMatch(/^unauthorized/);
    const wrong = await post(flush, { authorization: "Bearer not-the-token-at-all" });
    expect((wrong.json as RpcReply).error?.data).toMatch(/^unauthorized/);
    const admin = await post(flush, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect((admin.json as RpcReply).result).toEqual({});

    const allowed = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "health" }), {
      origin: ORIGIN,
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const other = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "health" }), {
      origin: "https://evil.example",
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const refused = await WsClient.open(node.rpcUrl, { origin: "https://evil.example" }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ status: 403 });
  });
});

describe("websocket abuse", () => {
  it("answers a thousand subscriptions on one connection: five live, the rest refused; extra clients refused", async () => {
    const c = await WsClient.open(node.rpcUrl);
    try {
      for (let i = 0; i < 1000; i++) c.send("subscribe", { query: `tx.height > ${i}` }, i);
      await c.until(
        (ms) =>
          new Set(
            ms
              .filter((m) => typeof m.id === "number" && (m.error || m.result?.query === undefined))
              .map((m) => m.id),
          ).size >= 1000,
      );
      const answers = new Map<unknown, RpcReply>();
      for (const m of c.messages)
        if (m.error !== undefined || m.result?.query === undefined) answers.set(m.id, m);
      const ok = [...answers.values()].filter((m) => m.error === undefined);
      const refused = [...answers.values()].filter((m) => m.error !== undefined);
      expect(ok).toHaveLength(5);
      expect(refused).toHaveLength(995);
      expect(refused[0]?.error?.data).toMatch(/max_subscriptions_per_client 5 reached/);
      // The connection still works, and unsubscribe_all frees the slots.
      c.send("unsubscribe_all", {}, "all");
      expect((await c.reply("all")).result).toEqual({});
      c.send("subscribe", { query: "tm.event='NewBlock'" }, "again");
      expect((await c.reply("again")).result).toEqual({});

      const others: WsClient[] = [];
      try {
        for (let i = 1; i < MAX_CLIENTS; i++) others.push(await WsClient.open(node.rpcUrl));
        const extra = await WsClient.open(node.rpcUrl).catch((e: unknown) => e);
        expect(extra).toMatchObject({
          status: 503,
          body: expect.stringContaining("too many websocket clients"),
        });
      } finally {
        for (const o of others) o.ws.close();
      }
    } finally {
      c.ws.close();
    }
    await expectHealthy();
  });

  it("disconnects a stalled reader as a slow client while another subscriber gets every block", async () => {
    const fast = await WsClient.open(node.rpcUrl);
    const slow = await WsClient.open(node.rpcUrl);
    try {
      fast.send("subscribe", { query: "tm.event='NewBlock'" }, "fast");
      slow.send("subscribe", { query: "tm.event='NewBlock'" }, "slow-blocks");
      slow.send("subscribe", { query: "tm.event='Tx'" }, "slow-txs");
      await fast.reply("fast");
      await slow.reply("slow-txs");
      slow.ws.pause(); // stops reading: the node's messages pile up in the socket, then in its buffer

      // Blocks of big txs (40 kB memos) until the node gives up on the stalled reader.
      const client = new DccnClient(node.rpcUrl, { chainId: CHAIN_ID });
      const memo = "x".repeat(40_000);
      let dropped = false;
      for (let round = 0; round < 15 && !dropped; round++) {
        let last = "";
        for (let i = 0; i < 8; i++) {
          const tx = await client.prepareTx(sender, {
            msg: sendMsg(senderAddr, 1n),
            memo,
          });
          last = (await client.broadcastOnly(tx.bytes)).hash;
        }
        await client.waitForTx(last, { pollIntervalMs: 50 });
        dropped = node.tailLog(200).includes("does not read its messages");
      }
      expect(dropped).toBe(true);

      slow.ws.resume();
      const closed = await slow.closed;
      expect(closed).toStrictEqual({ code: 1008, reason: "slow client" });
      const canceled = slow.messages.filter((m) => m.error !== undefined);
      expect(canceled.map((m) => m.id).sort()).toStrictEqual(["slow-blocks", "slow-txs"]);
      expect(canceled[0]?.error?.data).toBe("subscription was canceled (reason: slow client)");

      // The reading subscriber saw every block, in order, without a gap.
      const h = await height();
      await fast.until((ms) => ms.some((m) => m.id === "fast" && blockHeight(m) >= h));
      const heights = fast.messages
        .filter((m) => m.id === "fast")
        .map(blockHeight)
        .filter((x) => x > 0);
      expect(heights).toStrictEqual(Array.from({ length: heights.length }, (_, i) => heights[0]! + i));
    } finally {
      fast.ws.close();
      slow.ws.terminate();
    }
    await expectHealthy();
  });
});

function blockHeight(m: RpcReply): number {
  const data = m.result?.data as { value?: { block?: { header?: { height?: string } } } } | undefined;
  return Number(data?.value?.block?.header?.height ?? 0);
}
