import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../../src/codec/bytes.js";
import { silentLogger } from "../../../src/log.js";
import {
  type BlockSource,
  BlockSync,
  BlockSyncServer,
  type P2pHost,
  requestBlocks,
  requestStatus,
  verifySyncedBlock,
} from "../../../src/p2p/index.js";
import type { Block, Commit } from "../../../src/types/block.js";
import { headerHash } from "../../../src/types/block.js";
import {
  CHAIN_ID,
  makeGenesis,
  makeKey,
  removeHome,
  signCommit,
  TestNode,
  tempHome,
} from "../abci/fixture.js";
import { HostPool } from "./helpers.js";

const KEYS = [makeKey(1), makeKey(2), makeKey(3), makeKey(4)];
const OUTSIDERS = [makeKey(11), makeKey(12), makeKey(13), makeKey(14)];
const GENESIS = makeGenesis(KEYS);
const HEIGHT = 60;

let source: TestNode;

beforeAll(async () => {
  source = await TestNode.open(tempHome(), GENESIS, KEYS);
  for (let h = 1; h <= HEIGHT; h++) await source.commitBlock([`key${h}=value${h}`, `n${h}=${h * h}`]);
});

afterAll(async () => {
  await source.close();
  removeHome(source.home);
});

/** Counts what a server hands out; optionally forges every commit it serves. */
function servedFrom(store: BlockSource, forge = false): BlockSource & { served: number } {
  const s = {
    served: 0,
    base: () => store.base(),
    height: () => store.height(),
    loadBlock: async (h: number) => {
      s.served++;
      return store.loadBlock(h);
    },
    loadCommit: async (h: number): Promise<Commit | null> => {
      const c = await store.loadCommit(h);
      if (c === null || !forge) return c;
      // Every validator's entry is present, but the signatures are not theirs.
      return {
        ...c,
        signatures: c.signatures.map((sig) => {
          const forged = sig.signature.slice();
          forged[0] = forged[0]! ^ 0xff;
          return { ...sig, signature: forged };
        }),
      };
    },
  };
  return s;
}

const pool = new HostPool();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await pool.stopAll();
});

async function server(name: string, store: BlockSource): Promise<P2pHost> {
  const host = await pool.start(name);
  const srv = new BlockSyncServer({ maxBlocksPerRequest: 16 }, { host, source: store, logger: silentLogger });
  await srv.start();
  cleanup.push(() => srv.stop());
  return host;
}

async function freshNode(): Promise<TestNode> {
  const node = await TestNode.open(tempHome(), GENESIS, KEYS);
  cleanup.push(async () => {
    await node.close();
    removeHome(node.home);
  });
  return node;
}

function syncer(host: P2pHost, node: TestNode, caughtUp: number[]): BlockSync {
  const sync = new BlockSync(
    { chainId: CHAIN_ID, chunkBlocks: 8, windowBlocks: 32, statusIntervalMs: 500, noPeersGraceMs: 60_000 },
    {
      host,
      logger: silentLogger,
      handlers: {
        lastBlockHeight: () => node.state.lastBlockHeight,
        currentValidators: () => node.state.validators,
        applyBlock: async (block: Block, commit: Commit) => {
          await node.parts.blockStore.saveBlock(block, commit);
          node.state = (
            await node.parts.executor.applyBlock(node.state, block, headerHash(block.header))
          ).state;
        },
        onCaughtUp: (h) => caughtUp.push(h),
      },
    },
  );
  cleanup.push(() => sync.stop());
  return sync;
}

describe("block sync", () => {
  it("serves status and block ranges, and says where its blocks end", async () => {
    const srv = await server("s-proto", source.parts.blockStore);
    const client = await pool.start("c-proto", { bootstrapPeers: [srv.multiaddrs()[0]!] });
    await client.waitForPeers(1, 10_000);
    const limits = { timeoutMs: 5000, maxMessageBytes: 8 * 1024 * 1024 };
    expect(await requestStatus(client, srv.peerId, limits)).toEqual({ base: 1, height: HEIGHT });
    const r = await requestBlocks(client, srv.peerId, HEIGHT - 2, 5, limits);
    expect(r.blocks.map((b) => b.block.header.height)).toEqual([HEIGHT - 2, HEIGHT - 1, HEIGHT]);
    expect(r.missingFrom).toBe(HEIGHT + 1);
    // The server caps a request at 16 blocks and closes: a shorter answer, not an error.
    const capped = await requestBlocks(client, srv.peerId, 1, 40, limits);
    expect(capped.blocks).toHaveLength(16);
    expect(capped.missingFrom).toBeNull();
  });

  it("fetches 60 real blocks from two peers in parallel, verifies and applies them, then hands over", async () => {
    const s1 = servedFrom(source.parts.blockStore);
    const s2 = servedFrom(source.parts.blockStore);
    const h1 = await server("s1", s1);
    const h2 = await server("s2", s2);
    const me = await pool.start("me", { bootstrapPeers: [h1.multiaddrs()[0]!, h2.multiaddrs()[0]!] });
    await me.waitForPeers(2, 10_000);
    const node = await freshNode();
    const caughtUp: number[] = [];
    const sync = syncer(me, node, caughtUp);
    sync.start();
    expect(await sync.whenCaughtUp()).toBe(HEIGHT);
    expect(caughtUp).toEqual([HEIGHT]);
    expect(node.state.lastBlockHeight).toBe(HEIGHT);
    expect(toHex(node.state.appHash)).toBe(toHex(source.state.appHash));
    expect(toHex(node.state.lastBlockHash)).toBe(toHex(source.state.lastBlockHash));
    expect(s1.served).toBeGreaterThan(0);
    expect(s2.served).toBeGreaterThan(0);
    const p = sync.progress();
    expect(p).toMatchObject({ syncing: false, height: HEIGHT, target: HEIGHT, applied: HEIGHT });
    expect(p.blocksPerSecond).toBeGreaterThan(0);
  });

  it("rejects forged commits, bans the forger and finishes from the honest peer", async () => {
    const honest = await server("honest", servedFrom(source.parts.blockStore));
    const forger = await server("forger", servedFrom(source.parts.blockStore, true));
    const me = await pool.start("me2", {
      bootstrapPeers: [honest.multiaddrs()[0]!, forger.multiaddrs()[0]!],
    });
    await me.waitForPeers(2, 10_000);
    const node = await freshNode();
    const sync = syncer(me, node, []);
    sync.start();
    expect(await sync.whenCaughtUp()).toBe(HEIGHT);
    expect(toHex(node.state.appHash)).toBe(toHex(source.state.appHash));
    expect(me.scorer.isBanned(forger.peerId)).toBe(true);
    expect(me.scorer.isBanned(honest.peerId)).toBe(false);
    expect(me.isConnected(forger.peerId)).toBe(false);
  });
});

describe("verifySyncedBlock", () => {
  it("accepts the real block and refuses tampered bodies, wrong heights and forged commits", async () => {
    const vals = source.state.validators; // unchanged across the chain
    const block = (await source.parts.blockStore.loadBlock(10))!;
    const commit = (await source.parts.blockStore.loadCommit(10))!;
    expect(() => verifySyncedBlock(CHAIN_ID, vals, 10, block, commit)).not.toThrow();
    const swapped = { ...block, txs: [new TextEncoder().encode("evil=1")] };
    expect(() => verifySyncedBlock(CHAIN_ID, vals, 10, swapped, commit)).toThrow(
      expect.objectContaining({ code: "BLOCKSYNC_INVALID_BLOCK" }),
    );
    expect(() => verifySyncedBlock(CHAIN_ID, vals, 11, block, commit)).toThrow(
      expect.objectContaining({ code: "BLOCKSYNC_INVALID_BLOCK" }),
    );
    const forged = signCommit(CHAIN_ID, vals, OUTSIDERS, 10, headerHash(block.header));
    expect(() => verifySyncedBlock(CHAIN_ID, vals, 10, block, forged)).toThrow(
      expect.objectContaining({ code: "BLOCKSYNC_INVALID_COMMIT" }),
    );
    // Only 2 of 4 validators signing is not +2/3.
    const weak = signCommit(CHAIN_ID, vals, KEYS.slice(0, 2), 10, headerHash(block.header));
    expect(() => verifySyncedBlock(CHAIN_ID, vals, 10, block, weak)).toThrow(
      expect.objectContaining({ code: "BLOCKSYNC_INVALID_COMMIT" }),
    );
  });
});
