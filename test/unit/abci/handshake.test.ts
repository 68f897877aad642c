import { cpSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Application } from "../../../src/abci/types.js";
import { toHex, utf8 } from "../../../src/codec/bytes.js";
import { encodeChainState } from "../../../src/state/codec.js";
import type { StateStore } from "../../../src/state/state-store.js";
import { Database } from "../../../src/store/db.js";
import { dataPaths } from "../../../src/store/paths.js";
import { headerHash } from "../../../src/types/block.js";
import { makeGenesis, makeKey, override, removeHome, SimulatedCrash, TestNode, tempHome } from "./fixture.js";

const [A, B] = [makeKey(1), makeKey(2)];
const KEYS = [A, B];
const GENESIS = makeGenesis([A], [10]);
/** Block contents by height (index 0 = height 1); B joins at height 2, signing from 4. */
const SCRIPT: string[][] = [
  ["a=1", "b=2"],
  [`val:${toHex(B.publicKey)}!10`, "z=0"],
  ["a=3"],
  ["c=4", "not a kv tx"],
  ["d=5"],
  [],
];

interface ChainOutcome {
  appHash: string;
  state: string;
  blockHashes: string[];
  values: Record<string, string | undefined>;
}

async function outcome(node: TestNode): Promise<ChainOutcome> {
  const blockHashes: string[] = [];
  for (let h = 1; h <= node.parts.blockStore.height(); h++) {
    const b = await node.parts.blockStore.loadBlock(h);
    blockHashes.push(toHex(headerHash(b!.header)));
  }
  const info = await node.parts.kv.info();
  expect(info.lastBlockAppHash).toEqual(node.state.appHash);
  const stored = await node.parts.stateStore.load();
  expect(toHex(encodeChainState(stored!))).toBe(toHex(encodeChainState(node.state)));
  return {
    appHash: toHex(info.lastBlockAppHash),
    state: toHex(encodeChainState(node.state)),
    blockHashes,
    values: Object.fromEntries(
      ["a", "b", "c", "d", "z", "greeting"].map((k) => [k, node.parts.kv.committedValue(k)]),
    ),
  };
}

async function runTo(node: TestNode, height: number): Promise<void> {
  while (node.state.lastBlockHeight < height) await node.commitBlock(SCRIPT[node.state.lastBlockHeight]!);
}

type CrashPoint =
  | "afterSaveBlock"
  | "beforeSaveResponses"
  | "beforeAppCommit"
  | "beforeSaveState"
  | "afterSaveState";
const CRASH_POINTS: CrashPoint[] = [
  "afterSaveBlock",
  "beforeSaveResponses",
  "beforeAppCommit",
  "beforeSaveState",
  "afterSaveState",
];

describe("handshake", () => {
  const homes: string[] = [];
  const home = () => {
    const h = tempHome();
    homes.push(h);
    return h;
  };
  afterEach(() => {
    for (const h of homes.splice(0)) removeHome(h);
  });

  let reference: ChainOutcome | undefined;
  const uninterrupted = async (): Promise<ChainOutcome> => {
    if (reference === undefined) {
      const node = await TestNode.open(home(), GENESIS, KEYS);
      expect(node.handshakeResult.initChain).toBe(true);
      await runTo(node, SCRIPT.length);
      reference = await outcome(node);
      await node.close();
    }
    return reference;
  };

  it("initialises a fresh chain with InitChain and survives a restart before block 1", async () => {
    const h = home();
    const first = await TestNode.open(h, GENESIS, KEYS);
    expect(first.handshakeResult).toMatchObject({ initChain: true, replayedBlocks: 0 });
    expect(first.state.lastBlockHeight).toBe(0);
    const genesisAppHash = first.state.appHash;
    await first.close();
    // The kvstore commits InitChain's state with block 1, so it is asked again; same answer.
    const second = await TestNode.open(h, GENESIS, KEYS);
    expect(second.handshakeResult.initChain).toBe(true);
    expect(second.state.appHash).toEqual(genesisAppHash);
    await runTo(second, SCRIPT.length);
    expect(await outcome(second)).toEqual(await uninterrupted());
    await second.close();
  });

  for (const crashHeight of [1, 4]) {
    for (const point of CRASH_POINTS) {
      it(`recovers from a crash ${point} at height ${crashHeight}`, async () => {
        const h = home();
        let armed = false;
        const crash = (where: string) => async () => {
          throw new SimulatedCrash(where);
        };
        const wrapApp = (app: Application) =>
          override(app, {
            commit: async () => {
              if (armed && point === "beforeAppCommit") return crash("app commit")();
              return app.commit();
            },
          });
        const wrapStateStore = (s: StateStore) =>
          override(s, {
            saveAbciResponses: async (...args: Parameters<StateStore["saveAbciResponses"]>) => {
              if (armed && point === "beforeSaveResponses") return crash("save responses")();
              return s.saveAbciResponses(...args);
            },
            save: async (...args: Parameters<StateStore["save"]>) => {
              if (armed && point === "beforeSaveState") return crash("save state")();
              return s.save(...args);
            },
          });
        const node = await TestNode.open(h, GENESIS, KEYS, { wrapApp, wrapStateStore });
        await runTo(node, crashHeight - 1);
        const { block, hash, commit } = await node.makeBlock(SCRIPT[crashHeight - 1]!);
        await node.parts.blockStore.saveBlock(block, commit);
        if (point !== "afterSaveBlock") {
          armed = true;
          const applied = node.parts.executor.applyBlock(node.state, block, hash);
          if (point === "afterSaveState") await applied;
          else await expect(applied).rejects.toThrow(/simulated crash/);
        }
        await node.close();

        const restarted = await TestNode.open(h, GENESIS, KEYS);
        const { replayedBlocks } = restarted.handshakeResult;
        // Re-executed only when the app had not committed the block; never twice.
        const expectReplay = point === "beforeSaveState" || point === "afterSaveState" ? 0 : 1;
        expect(replayedBlocks).toBe(expectReplay);
        expect(restarted.state.lastBlockHeight).toBe(crashHeight);
        expect(restarted.state.lastBlockHash).toEqual(hash);
        expect(await restarted.parts.stateStore.loadAbciResponses(crashHeight)).not.toBeNull();
        await runTo(restarted, SCRIPT.length);
        expect(await outcome(restarted)).toEqual(await uninterrupted());
        await restarted.close();
      });
    }
  }

  it("replays every block to an app that lost its data", async () => {
    const h = home();
    const node = await TestNode.open(h, GENESIS, KEYS);
    await runTo(node, SCRIPT.length);
    await node.close();
    rmSync(dataPaths(h).application, { recursive: true });
    const restarted = await TestNode.open(h, GENESIS, KEYS);
    expect(restarted.handshakeResult).toMatchObject({ initChain: true, replayedBlocks: SCRIPT.length });
    expect(await outcome(restarted)).toEqual(await uninterrupted());
    await restarted.close();
  });

  it("replays the missing blocks to an app restored from an old copy, then the unsaved last block", async () => {
    const h = home();
    const backup = `${home()}/app-at-2`;
    const node = await TestNode.open(h, GENESIS, KEYS);
    await runTo(node, 2);
    await node.close();
    cpSync(dataPaths(h).application, backup, { recursive: true });
    const again = await TestNode.open(h, GENESIS, KEYS);
    await runTo(again, 5);
    // Block 6 saved but not applied (crash right after consensus stored it).
    const { block, commit } = await again.makeBlock(SCRIPT[5]!);
    await again.parts.blockStore.saveBlock(block, commit);
    await again.close();
    rmSync(dataPaths(h).application, { recursive: true });
    cpSync(backup, dataPaths(h).application, { recursive: true });

    const restarted = await TestNode.open(h, GENESIS, KEYS);
    expect(restarted.handshakeResult).toMatchObject({ initChain: false, replayedBlocks: 4 });
    expect(await outcome(restarted)).toEqual(await uninterrupted());
    await restarted.close();
  });

  it("refuses an app ahead of the block store, a diverged app hash, and another chain's state", async () => {
    const h = home();
    const node = await TestNode.open(h, GENESIS, KEYS);
    await runTo(node, 3);
    await node.close();

    const other = home();
    cpSync(dataPaths(h).application, dataPaths(other).application, { recursive: true });
    cpSync(dataPaths(h).stateStore, dataPaths(other).stateStore, { recursive: true });
    await expect(TestNode.open(other, GENESIS, KEYS)).rejects.toMatchObject({ code: "HANDSHAKE_APP_AHEAD" });

    await expect(TestNode.open(h, { ...GENESIS, chainId: "another-chain" }, KEYS)).rejects.toMatchObject({
      code: "HANDSHAKE_CHAIN_ID_MISMATCH",
    });

    const appDb = await Database.open(dataPaths(h).application);
    await appDb.put(utf8("m:apphash"), new Uint8Array(32).fill(9));
    await appDb.close();
    await expect(TestNode.open(h, GENESIS, KEYS)).rejects.toMatchObject({
      code: "HANDSHAKE_APP_HASH_MISMATCH",
    });
  });
});
