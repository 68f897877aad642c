import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { utf8 } from "../../../src/codec/bytes.js";
import { silentLogger } from "../../../src/log.js";
import {
  decodeBlockSyncRequest,
  decodeBlockSyncResponse,
  encodeBlockSyncRequest,
  encodeBlockSyncResponse,
  libp2pKeyFromSeed,
  PeerBook,
  PeerRateLimiter,
  PeerScorer,
  parsePeerAddress,
  peerIdFromSeed,
  requestStatus,
} from "../../../src/p2p/index.js";
import { HostPool, seedFor } from "./helpers.js";

const pool = new HostPool();
afterEach(() => pool.stopAll());

describe("identity and addresses", () => {
  it("maps the node key seed to one libp2p identity", () => {
    const seed = seedFor("x");
    expect(peerIdFromSeed(seed)).toBe(peerIdFromSeed(seed.slice()));
    expect(peerIdFromSeed(seed)).not.toBe(peerIdFromSeed(seedFor("y")));
    expect(peerIdFromSeed(seed)).toMatch(/^12D3KooW/);
    expect(() => libp2pKeyFromSeed(new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: "P2P_BAD_NODE_KEY" }),
    );
  });

  it("requires /p2p/<id> on peer addresses", () => {
    const id = peerIdFromSeed(seedFor("x"));
    expect(parsePeerAddress(`/ip4/127.0.0.1/tcp/26656/p2p/${id}`).peerId).toBe(id);
    for (const bad of ["/ip4/127.0.0.1/tcp/26656", "not-an-addr", "/ip4/127.0.0.1/tcp/1/p2p/Qmnotapeer"]) {
      expect(() => parsePeerAddress(bad)).toThrow(expect.objectContaining({ code: "P2P_BAD_MULTIADDR" }));
    }
  });
});

describe("PeerScorer", () => {
  it("decays penalties, bans at the threshold, and lifts the ban later", () => {
    let now = 1_000_000;
    const s = new PeerScorer({ banThreshold: 100, halfLifeMs: 1000, banMs: 5000, now: () => now });
    const banned: string[] = [];
    s.onBan((p) => banned.push(p));
    expect(s.penalize("p", "invalid_gossip", 60)).toBe(false);
    now += 1000;
    expect(s.penalty("p")).toBeCloseTo(30);
    expect(s.appScore("p")).toBeCloseTo(-30);
    expect(s.penalize("p", "invalid_gossip", 60)).toBe(false); // 90 < 100
    expect(s.penalize("p", "invalid_commit")).toBe(true);
    expect(banned).toEqual(["p"]);
    expect(s.isBanned("p")).toBe(true);
    expect(s.isBanned("other")).toBe(false);
    now += 5001;
    expect(s.isBanned("p")).toBe(false);
  });
});

describe("PeerRateLimiter", () => {
  it("allows a burst, then the sustained rate, per peer", () => {
    let now = 0;
    const rl = new PeerRateLimiter({ perSecond: 10, burst: 5, now: () => now });
    const taken = Array.from({ length: 8 }, () => rl.take("a"));
    expect(taken.filter(Boolean)).toHaveLength(5);
    expect(rl.take("b")).toBe(true); // another peer is unaffected
    now += 300; // 3 tokens refill
    expect([rl.take("a"), rl.take("a"), rl.take("a"), rl.take("a")]).toEqual([true, true, true, false]);
  });

  it("bounds the number of peers it tracks", () => {
    const rl = new PeerRateLimiter({ perSecond: 1, burst: 1, maxKeys: 2 });
    expect(rl.take("a")).toBe(true);
    expect(rl.take("a")).toBe(false);
    rl.take("b");
    rl.take("c"); // evicts the idlest key, "a"
    expect(rl.take("a")).toBe(true);
  });
});

describe("PeerBook", () => {
  it("persists peers atomically, keeps the most recent, and survives a malformed file", () => {
    const dir = pool.tempDir();
    const path = join(dir, "peers.json");
    const book = PeerBook.load(path, { maxEntries: 2 }, { logger: silentLogger });
    book.upsert("A", ["/ip4/127.0.0.1/tcp/1"], 1);
    book.upsert("B", ["/ip4/127.0.0.1/tcp/2"], 2);
    book.upsert("C", ["/ip4/127.0.0.1/tcp/3", "/ip4/127.0.0.1/tcp/3"], 3);
    book.save();
    const doc = JSON.parse(readFileSync(path, "utf8")) as {
      version: number;
      peers: { id: string; addrs: string[] }[];
    };
    expect(doc.version).toBe(1);
    expect(doc.peers.map((p) => p.id)).toEqual(["C", "B"]);
    expect(doc.peers[0]!.addrs).toEqual(["/ip4/127.0.0.1/tcp/3"]);
    expect(
      PeerBook.load(path, {}, { logger: silentLogger })
        .list()
        .map((e) => e.id),
    ).toEqual(["C", "B"]);

    writeFileSync(path, "{not json");
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    expect(PeerBook.load(path, {}, { logger }).size).toBe(0);
    expect(warnings).toHaveLength(1);
  });
});

describe("block sync wire format", () => {
  it("round-trips requests and responses and rejects malformed ones", () => {
    for (const r of [{ kind: "status" }, { kind: "blocks", fromHeight: 5, count: 8 }] as const) {
      expect(decodeBlockSyncRequest(encodeBlockSyncRequest(r))).toEqual(r);
    }
    expect(decodeBlockSyncResponse(encodeBlockSyncResponse({ kind: "status", base: 1, height: 9 }))).toEqual({
      kind: "status",
      base: 1,
      height: 9,
    });
    expect(decodeBlockSyncResponse(encodeBlockSyncResponse({ kind: "no_block", height: 3 }))).toEqual({
      kind: "no_block",
      height: 3,
    });
    expect(() => decodeBlockSyncRequest(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: "CODEC_BAD_VALUE" }),
    );
    expect(() => decodeBlockSyncRequest(utf8("garbage!"))).toThrow();
  });
});

describe("request/response limits", () => {
  it("times out a peer that never answers, and refuses an oversize answer", async () => {
    const silent = await pool.start("silent");
    const chatty = await pool.start("chatty");
    const client = await pool.start("client", {
      bootstrapPeers: [silent.multiaddrs()[0]!, chatty.multiaddrs()[0]!],
    });
    await client.waitForPeers(2, 10_000);
    const proto = client.protocolId("blocksync/1.0.0");
    await silent.handle(proto, async () => {
      // Reads nothing, answers nothing.
    });
    await chatty.handle(proto, async (stream) => {
      // A 1 KiB "status": bigger than any status answer may be.
      const body = new Uint8Array(1024).fill(7);
      stream.send(new Uint8Array([0x80, 0x08, ...body]));
      await stream.close();
    });
    await expect(
      requestStatus(client, silent.peerId, { timeoutMs: 300, maxMessageBytes: 64 }),
    ).rejects.toMatchObject({
      code: "P2P_TIMEOUT",
    });
    await expect(
      requestStatus(client, chatty.peerId, { timeoutMs: 5000, maxMessageBytes: 64 }),
    ).rejects.toMatchObject({
      code: "P2P_MESSAGE_TOO_LARGE",
    });
  });
});
