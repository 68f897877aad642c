import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { peerIdFromSeed } from "../../../src/p2p/index.js";
import { HostPool, seedFor } from "./helpers.js";

const pool = new HostPool();

/** A port that was free a moment ago (so a restarted host can listen on the same address). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr !== null ? addr.port : 0));
    });
  });
}
afterEach(() => pool.stopAll());

describe("P2pHost", () => {
  it("derives a stable peer id from the node key and rejects bad addresses", async () => {
    const host = await pool.start("a");
    expect(host.peerId).toBe(peerIdFromSeed(seedFor("a")));
    // Our own DHT protocol, never the public one.
    expect(host.protocols()).toContain("/dccn/p2p-test-chain/kad/1.0.0");
    expect(host.protocols().some((p) => p.startsWith("/ipfs/kad"))).toBe(false);
    expect(host.multiaddrs()[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${host.peerId}$`));
    await expect(pool.start("b", { bootstrapPeers: ["/ip4/127.0.0.1/tcp/1"] })).rejects.toMatchObject({
      code: "P2P_BAD_MULTIADDR",
    });
  });

  it("finds every node from one bootstrap peer through the DHT and persists the peer table", async () => {
    const dir = pool.tempDir();
    const boot = await pool.start("boot");
    const bootAddr = boot.multiaddrs()[0]!;
    const others = [];
    for (const n of ["n1", "n2", "n3"]) {
      others.push(await pool.start(n, { bootstrapPeers: [bootAddr], peerBookPath: join(dir, `${n}.json`) }));
    }
    await Promise.all([boot, ...others].map((h) => h.waitForPeers(3, 20_000)));
    for (const h of others) {
      const peers = new Set(h.connectedPeers());
      for (const o of [boot, ...others]) if (o !== h) expect(peers.has(o.peerId)).toBe(true);
    }
    const n1 = others[0]!;
    await n1.stop();
    const book = JSON.parse(readFileSync(join(dir, "n1.json"), "utf8")) as { peers: { id: string }[] };
    expect(book.peers.map((p) => p.id).sort()).toEqual(
      [boot.peerId, others[1]!.peerId, others[2]!.peerId].sort(),
    );

    // Restarted without any bootstrap peer, it rejoins from its peer table.
    const again = await pool.start("n1", { peerBookPath: join(dir, "n1.json") });
    expect(again.peerId).toBe(n1.peerId);
    await again.waitForPeers(3, 20_000);
    expect(existsSync(join(dir, "n1.json"))).toBe(true);
  });

  it("keeps redialling a persistent peer until it is back", async () => {
    const port = await freePort();
    const listen = [`/ip4/127.0.0.1/tcp/${port}`];
    const b = await pool.start("pb", { listen });
    const a = await pool.start("pa", { persistentPeers: [b.multiaddrs()[0]!] });
    await a.waitForPeers(1, 10_000);
    const gone = new Promise<void>((resolve) => a.addPeerListener({ onDisconnect: () => resolve() }));
    await b.stop();
    await gone;
    expect(a.isConnected(b.peerId)).toBe(false);
    const back = await pool.start("pb", { listen });
    await a.waitForPeers(1, 15_000);
    expect(a.isConnected(back.peerId)).toBe(true);
    expect(a.peers()[0]).toMatchObject({ id: back.peerId, persistent: true });
  });
});
