import { afterEach, describe, expect, it } from "vitest";
import { concatBytes, u64be, utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { BlockStore } from "../../../src/store/block-store.js";
import { Database } from "../../../src/store/db.js";
import {
  type Block,
  type Commit,
  dataHash,
  encodeBlock,
  type Header,
  headerHash,
} from "../../../src/types/block.js";
import { txHash } from "../../../src/types/tx.js";
import { ValidatorSet } from "../../../src/types/validator.js";
import { CHAIN_ID, makeKey, removeHome, signCommit, tempHome } from "../abci/fixture.js";

const key = makeKey(1);
const valset = new ValidatorSet([
  { address: addressFromPublicKey(key.publicKey), pubKey: key.publicKey, votingPower: 1 },
]);
const z32 = new Uint8Array(32);

/** A chain of blocks linked by hash, each carrying the previous block's commit. */
function chain(n: number, first = 1): { blocks: Block[]; commits: Commit[] } {
  const blocks: Block[] = [];
  const commits: Commit[] = [];
  let prevHash: Uint8Array = new Uint8Array(0);
  let prevCommit: Commit | null = null;
  for (let h = first; h < first + n; h++) {
    const txs = [utf8(`k${h}=a`), utf8(`k${h}=b`), utf8(`k${h}=a`)];
    const header: Header = {
      chainId: CHAIN_ID,
      height: h,
      timeMs: 1000 + h,
      lastBlockHash: prevHash,
      lastCommitHash: z32,
      dataHash: dataHash(txs),
      validatorsHash: valset.hash(),
      nextValidatorsHash: valset.hash(),
      consensusHash: z32,
      appHash: z32,
      lastResultsHash: z32,
      evidenceHash: z32,
      proposerAddress: valset.validators[0]!.address,
    };
    const block: Block = { header, txs, evidence: [], lastCommit: prevCommit };
    const hash = headerHash(header);
    // Two different commits for the same block: the canonical one (round 1) goes into the
    // next block, while this node "saw" round 0.
    commits.push(signCommit(CHAIN_ID, valset, [key], h, hash, { round: 0 }));
    prevCommit = signCommit(CHAIN_ID, valset, [key], h, hash, { round: 1 });
    prevHash = hash;
    blocks.push(block);
  }
  return { blocks, commits };
}

describe("BlockStore", () => {
  const homes: string[] = [];
  const open = async () => {
    const h = tempHome();
    homes.push(h);
    return { path: `${h}/data/blockstore.db`, store: await BlockStore.open(`${h}/data/blockstore.db`) };
  };
  afterEach(() => {
    for (const h of homes.splice(0)) removeHome(h);
  });

  it("saves and loads blocks, metas and commits, and survives a reopen", async () => {
    const { path, store } = await open();
    expect([store.base(), store.height()]).toEqual([0, 0]);
    const { blocks, commits } = chain(3);
    for (const [i, b] of blocks.entries()) await store.saveBlock(b, commits[i]!);
    expect([store.base(), store.height()]).toEqual([1, 3]);
    await store.close();

    const again = await BlockStore.open(path);
    expect([again.base(), again.height()]).toEqual([1, 3]);
    const b2 = blocks[1]!;
    expect(await again.loadBlock(2)).toEqual(b2);
    expect(await again.loadBlockByHash(headerHash(b2.header))).toEqual(b2);
    expect(await again.loadBlock(4)).toBeNull();
    expect(await again.loadBlockByHash(new Uint8Array(32))).toBeNull();
    const meta = await again.loadBlockMeta(2);
    expect(meta).toEqual({
      blockHash: headerHash(b2.header),
      blockSize: encodeBlock(b2).length,
      header: b2.header,
      numTxs: 3,
    });
    // Canonical commit of 2 is block 3's lastCommit (round 1); the seen one is round 0.
    expect((await again.loadCommit(2))?.round).toBe(1);
    expect(await again.loadCommit(2)).toEqual(blocks[2]!.lastCommit);
    expect((await again.loadSeenCommit(2))?.round).toBe(0);
    // The latest height has no canonical commit yet: the seen commit stands in.
    expect(await again.loadCommit(3)).toEqual(commits[2]);
    await again.close();
  });

  /** A closed store holding `chain(2)`. */
  const savedTwo = async () => {
    const { path, store } = await open();
    const { blocks, commits } = chain(2);
    for (const [i, b] of blocks.entries()) await store.saveBlock(b, commits[i]!);
    await store.close();
    return { path, blocks };
  };
  /** The table byte of every key in the database at `path`, in key order. */
  const keyTables = async (path: string) => {
    const db = await Database.open(path);
    const tables: number[] = [];
    for await (const [k] of db.entries()) tables.push(k[0]!);
    await db.close();
    return tables;
  };

  it("writes a fixed set of keys per block, none per tx", async () => {
    const { path } = await savedTwo();
    const tables = await keyTables(path);
    // Block, hash, meta and seen commit of 1 and 2; the canonical commit of 1; the range
    // pointer last (rewritten per block: at the front, every flushed file would span all blocks).
    expect(tables).toStrictEqual([1, 1, 2, 2, 3, 3, 4, 4, 6, 0xff]);
  });

  it("brings an older layout up to date on open: tx locations (0x05) dropped, range pointer moved to 0xff", async () => {
    const { path, blocks } = await savedTwo();
    // Rewrite it as an older version left it: the range pointer under 0x00, a location per tx.
    const db = await Database.open(path);
    const pointer = concatBytes(Uint8Array.of(0xff), utf8("state"));
    const range = (await db.get(pointer))!;
    const legacy = Array.from({ length: 25_000 }, (_, i) =>
      concatBytes(Uint8Array.of(0x05), txHash(u64be(i))),
    );
    await db.batch([
      { type: "del", key: pointer },
      { type: "put", key: concatBytes(Uint8Array.of(0x00), utf8("state")), value: range },
      ...legacy.map((key) => ({ type: "put" as const, key, value: Uint8Array.of(8, 1) })),
    ]);
    await db.close();

    const again = await BlockStore.open(path);
    expect([again.base(), again.height()]).toEqual([1, 2]);
    expect(await again.loadBlock(2)).toEqual(blocks[1]);
    await again.close();
    expect([...new Set(await keyTables(path))]).toStrictEqual([1, 2, 3, 4, 6, 0xff]);
  });

  it("rejects gaps, mismatched commits and conflicting blocks; re-saving the same block is a no-op", async () => {
    const { store } = await open();
    const { blocks, commits } = chain(3);
    await store.saveBlock(blocks[0]!, commits[0]!);
    await expect(store.saveBlock(blocks[2]!, commits[2]!)).rejects.toMatchObject({
      code: "BLOCKSTORE_NON_CONTIGUOUS",
    });
    await expect(store.saveBlock(blocks[1]!, commits[0]!)).rejects.toMatchObject({
      code: "BLOCKSTORE_COMMIT_MISMATCH",
    });
    await store.saveBlock(blocks[0]!, commits[0]!);
    expect(store.height()).toBe(1);
    const other = chain(1, 1);
    const forked: Block = { ...other.blocks[0]!, header: { ...other.blocks[0]!.header, timeMs: 5 } };
    const forkedCommit = signCommit(CHAIN_ID, valset, [key], 1, headerHash(forked.header));
    await expect(store.saveBlock(forked, forkedCommit)).rejects.toMatchObject({
      code: "BLOCKSTORE_CONFLICT",
    });
    expect(store.height()).toBe(1);
    await store.close();
  });

  it("starts at any height when empty and prunes below a retain height", async () => {
    const { path, store } = await open();
    const { blocks, commits } = chain(5, 10);
    for (const [i, b] of blocks.entries()) await store.saveBlock(b, commits[i]!);
    expect([store.base(), store.height()]).toEqual([10, 14]);
    expect(await store.pruneBlocks(12)).toBe(2);
    expect([store.base(), store.height()]).toEqual([12, 14]);
    expect(await store.loadBlock(11)).toBeNull();
    expect(await store.loadBlockByHash(headerHash(blocks[0]!.header))).toBeNull();
    expect(await store.loadBlock(12)).toEqual(blocks[2]);
    await expect(store.pruneBlocks(20)).rejects.toMatchObject({ code: "BLOCKSTORE_PRUNE_RANGE" });
    await store.close();
    const again = await BlockStore.open(path);
    expect([again.base(), again.height()]).toEqual([12, 14]);
    await again.close();
  });
});
