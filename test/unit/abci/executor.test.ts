import { afterEach, describe, expect, it } from "vitest";
import { type BlockErrorCode, BlockExecutor } from "../../../src/abci/executor.js";
import type { BeginBlockRequest, Misbehavior } from "../../../src/abci/types.js";
import { toHex, utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import type { NewBlockEvent, TxEvent } from "../../../src/events/bus.js";
import { silentLogger } from "../../../src/log.js";
import { resultsHash } from "../../../src/state/abci-responses.js";
import {
  type Block,
  BlockIdFlag,
  commitHash,
  dataHash,
  encodeBlock,
  evidenceHash,
  headerHash,
} from "../../../src/types/block.js";
import { consensusParamsHash } from "../../../src/types/params.js";
import {
  GENESIS_TIME,
  makeGenesis,
  makeKey,
  override,
  removeHome,
  signCommit,
  TestNode,
  tempHome,
} from "./fixture.js";

const [A, B] = [makeKey(1), makeKey(2)];

describe("BlockExecutor", () => {
  const nodes: TestNode[] = [];
  const open = async (...args: Parameters<typeof TestNode.open> extends [string, ...infer R] ? R : never) => {
    const node = await TestNode.open(tempHome(), ...args);
    nodes.push(node);
    return node;
  };
  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      await n.close();
      removeHome(n.home);
    }
  });

  it("lets the event loop turn between slices of a long block's DeliverTx calls, results unchanged", async () => {
    let delivered = 0;
    let seenMidBlock = -1;
    const node = await open(makeGenesis([A]), [A], {
      wrapApp: (kv) =>
        override(kv, {
          deliverTx: (tx: Uint8Array) => {
            // Work the size of a slow DeliverTx, so that the block outlasts one slice.
            const until = performance.now() + 1;
            while (performance.now() < until) {}
            delivered++;
            // Runs at the event loop's next turn: before the block ends only if execution yields.
            if (delivered === 1) setImmediate(() => (seenMidBlock = delivered));
            return kv.deliverTx(tx);
          },
        }),
    });
    const txs = Array.from({ length: 40 }, (_, i) => `k${i}=v${i}`);
    await node.commitBlock(txs);
    expect(seenMidBlock).toBeGreaterThan(0);
    expect(seenMidBlock).toBeLessThan(txs.length);
    const results = await node.parts.stateStore.loadAbciResponses(1);
    expect(results?.txResults.map((r) => r.code)).toEqual(txs.map(() => 0));
    expect(
      (await node.parts.app.query({ path: "/store", data: utf8("k39"), height: 0, prove: false })).value,
    ).toEqual(utf8("v39"));
  });

  it("creates a proposal with every header hash set, clamps time and trims txs to maxBytes", async () => {
    const node = await open(makeGenesis([A]), [A]);
    await node.commitBlock(["a=1"]);
    const s = node.state;
    const txs = ["b=2", "c=3"].map(utf8);
    const block = node.parts.executor.createProposalBlock(s, {
      height: 2,
      txs,
      lastCommit: await node.lastCommit(),
      proposerAddress: s.validators.validators[0]!.address,
      timeMs: 5, // far behind the last block
    });
    const h = block.header;
    expect(h.timeMs).toBe(s.lastBlockTimeMs + 1);
    expect(h.lastBlockHash).toEqual(s.lastBlockHash);
    expect(h.lastCommitHash).toEqual(commitHash(block.lastCommit));
    expect(h.dataHash).toEqual(dataHash(txs));
    expect(h.validatorsHash).toEqual(s.validators.hash());
    expect(h.nextValidatorsHash).toEqual(s.nextValidators.hash());
    expect(h.consensusHash).toEqual(consensusParamsHash(s.consensusParams));
    expect(h.appHash).toEqual(s.appHash);
    expect(h.appHash).toEqual((await node.parts.kv.info()).lastBlockAppHash);
    expect(h.lastResultsHash).toEqual(s.lastResultsHash);
    expect(h.evidenceHash).toEqual(evidenceHash([]));
    await node.parts.executor.validateBlock(s, block);

    // With a tight block size, only the txs that fit are taken, and the result is exactly valid.
    const empty = node.parts.executor.createProposalBlock(s, {
      height: 2,
      txs: [],
      lastCommit: block.lastCommit,
      proposerAddress: h.proposerAddress,
      timeMs: h.timeMs,
    });
    const big = Array.from({ length: 10 }, (_, i) => utf8(`k${i}=${"x".repeat(100)}`));
    const maxBytes = encodeBlock(empty).length + 3 * (big[0]!.length + 2);
    const tight = {
      ...s,
      consensusParams: {
        ...s.consensusParams,
        block: { ...s.consensusParams.block, maxBytes },
        evidence: { ...s.consensusParams.evidence, maxBytes: 10 },
      },
    };
    const trimmed = node.parts.executor.createProposalBlock(tight, {
      height: 2,
      txs: big,
      lastCommit: block.lastCommit,
      proposerAddress: h.proposerAddress,
      timeMs: h.timeMs,
    });
    expect(trimmed.txs.length).toBe(3);
    expect(encodeBlock(trimmed).length).toBe(maxBytes);
  });

  it("rejects every invalid header field and body with its own code", async () => {
    const node = await open(makeGenesis([A, B], [10, 10]), [A, B]);
    await node.commitBlock(["a=1"]);
    await node.commitBlock(["b=2"]);
    const s = node.state;
    const { block } = await node.makeBlock(["c=3"]);
    const ex = node.parts.executor;
    await expect(ex.validateBlock(s, block)).resolves.toEqual([]);
    const expectCode = async (b: Block, code: BlockErrorCode, state = s) => {
      await expect(ex.validateBlock(state, b)).rejects.toMatchObject({ code });
    };
    const withHeader = (over: Partial<Block["header"]>): Block => ({
      ...block,
      header: { ...block.header, ...over },
    });
    const h32 = new Uint8Array(32).fill(7);
    await expectCode(withHeader({ chainId: "other" }), "BLOCK_INVALID_CHAIN_ID");
    await expectCode(withHeader({ height: 4 }), "BLOCK_INVALID_HEIGHT");
    await expectCode(withHeader({ timeMs: s.lastBlockTimeMs }), "BLOCK_INVALID_TIME");
    await expectCode(withHeader({ lastBlockHash: h32 }), "BLOCK_INVALID_LAST_BLOCK_HASH");
    await expectCode(withHeader({ lastCommitHash: h32 }), "BLOCK_INVALID_LAST_COMMIT_HASH");
    await expectCode(withHeader({ dataHash: h32 }), "BLOCK_INVALID_DATA_HASH");
    await expectCode({ ...block, txs: [utf8("c=4")] }, "BLOCK_INVALID_DATA_HASH");
    await expectCode(withHeader({ validatorsHash: h32 }), "BLOCK_INVALID_VALIDATORS_HASH");
    await expectCode(withHeader({ nextValidatorsHash: h32 }), "BLOCK_INVALID_NEXT_VALIDATORS_HASH");
    await expectCode(withHeader({ consensusHash: h32 }), "BLOCK_INVALID_CONSENSUS_HASH");
    await expectCode(withHeader({ appHash: h32 }), "BLOCK_INVALID_APP_HASH");
    await expectCode(withHeader({ lastResultsHash: h32 }), "BLOCK_INVALID_LAST_RESULTS_HASH");
    await expectCode(withHeader({ evidenceHash: h32 }), "BLOCK_INVALID_EVIDENCE_HASH");
    await expectCode(
      withHeader({ proposerAddress: addressFromPublicKey(makeKey(9).publicKey) }),
      "BLOCK_INVALID_PROPOSER",
    );
    const small = {
      ...s,
      consensusParams: { ...s.consensusParams, block: { ...s.consensusParams.block, maxBytes: 100 } },
    };
    await expectCode(
      { ...block, header: { ...block.header, consensusHash: consensusParamsHash(small.consensusParams) } },
      "BLOCK_TOO_LARGE",
      small,
    );

    // Last commit: missing, for the wrong block, or short of power (hash fields kept consistent).
    const withCommit = (c: Block["lastCommit"]): Block => ({
      ...block,
      lastCommit: c,
      header: { ...block.header, lastCommitHash: commitHash(c) },
    });
    await expectCode(withCommit(null), "BLOCK_INVALID_LAST_COMMIT");
    const wrong = signCommit(s.chainId, s.lastValidators!, [A, B], 2, h32);
    await expectCode(withCommit(wrong), "BLOCK_INVALID_LAST_COMMIT");
    const half = signCommit(s.chainId, s.lastValidators!, [A, B], 2, s.lastBlockHash, { absent: [1] });
    const err = await ex.validateBlock(s, withCommit(half)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BLOCK_INVALID_LAST_COMMIT" });
    expect((err as Error & { cause: { code: string } }).cause.code).toBe("COMMIT_INSUFFICIENT_POWER");

    // Evidence is rejected by default.
    const ev = [utf8("evidence")];
    await expectCode(
      { ...block, evidence: ev, header: { ...block.header, evidenceHash: evidenceHash(ev) } },
      "BLOCK_INVALID_EVIDENCE",
    );
  });

  it("rejects a last commit at the initial height and a block not yet in the block store", async () => {
    const node = await open(makeGenesis([A]), [A]);
    const { block, hash } = await node.makeBlock(["a=1"]);
    const fake = signCommit(node.state.chainId, node.state.validators, [A], 0, new Uint8Array(32));
    const bad = { ...block, lastCommit: fake, header: { ...block.header, lastCommitHash: commitHash(fake) } };
    await expect(node.parts.executor.validateBlock(node.state, bad)).rejects.toMatchObject({
      code: "BLOCK_INVALID_LAST_COMMIT",
    });
    await expect(node.parts.executor.applyBlock(node.state, block, hash)).rejects.toMatchObject({
      code: "EXEC_BLOCK_NOT_SAVED",
    });
    await expect(node.parts.executor.applyBlock(node.state, block, new Uint8Array(32))).rejects.toMatchObject(
      { code: "BLOCK_HASH_MISMATCH" },
    );
    expect((await node.parts.kv.info()).lastBlockHeight).toBe(0);
  });

  it("applies validator updates at H+2, saves responses, and publishes events", async () => {
    const node = await open(makeGenesis([A], [10]), [A, B]);
    const newBlocks: NewBlockEvent[] = [];
    const txs: TxEvent[] = [];
    node.parts.eventBus.on("NewBlock", (e) => newBlocks.push(e));
    node.parts.eventBus.on("Tx", (e) => txs.push(e));
    const seenBegin: BeginBlockRequest[] = [];
    const kv = node.parts.kv;

    await node.commitBlock(["a=1"]);
    const b2 = await node.commitBlock([`val:${toHex(B.publicKey)}!10`, "bad tx"]);
    const onlyA = node.state.lastValidators!.hash();
    expect(node.state.validators.size).toBe(1); // signs 3
    expect(node.state.nextValidators.size).toBe(2); // signs 4
    const b3 = await node.commitBlock(["b=2"]);
    expect(b3.header.validatorsHash).toEqual(onlyA);
    expect(b3.header.nextValidatorsHash).toEqual(node.state.validators.hash());
    // Results of block 2 (one ok, one rejected) are hashed into block 3's header.
    const r2 = await node.parts.stateStore.loadAbciResponses(2);
    expect(r2?.txResults.map((r) => r.code)).toEqual([0, 1]);
    expect(b3.header.lastResultsHash).toEqual(resultsHash(r2!.txResults));
    expect(b2.header.validatorsHash).toEqual(onlyA);

    const b4 = await node.commitBlock(["c=3"]);
    expect(node.state.lastValidators?.size).toBe(2);
    expect(b4.header.validatorsHash).toEqual(node.state.lastValidators!.hash());
    // Block 4's commit needs both validators (10 of 20 is not > 2/3).
    const spy = override(kv, {
      beginBlock: async (req: BeginBlockRequest) => {
        seenBegin.push(req);
        return kv.beginBlock(req);
      },
    });
    const ex = new BlockExecutor({}, { ...node.parts, app: spy, logger: silentLogger });
    const { block: b5, hash: h5, commit: c5 } = await node.makeBlock(["d=4"]);
    expect(b5.lastCommit?.signatures.map((s) => s.flag)).toEqual([BlockIdFlag.Commit, BlockIdFlag.Commit]);
    await node.parts.blockStore.saveBlock(b5, c5);
    node.state = (await ex.applyBlock(node.state, b5, h5)).state;
    expect(seenBegin[0]!.lastCommitInfo.votes.map((v) => v.signedLastBlock)).toEqual([true, true]);
    expect(seenBegin[0]!.lastCommitInfo.votes.map((v) => v.power)).toEqual([10, 10]);

    expect((await node.parts.stateStore.loadValidators(3))?.size).toBe(1);
    expect((await node.parts.stateStore.loadValidators(4))?.size).toBe(2);
    expect(newBlocks.map((e) => e.block.header.height)).toEqual([1, 2, 3, 4, 5]);
    expect(newBlocks[1]!.txResults.map((r) => r.code)).toEqual([0, 1]);
    expect(newBlocks[0]!.blockSize).toBe(encodeBlock(newBlocks[0]!.block).length);
    expect(txs.map((t) => [t.height, t.index, t.result.code])).toEqual([
      [1, 0, 0],
      [2, 0, 0],
      [2, 1, 1],
      [3, 0, 0],
      [4, 0, 0],
      [5, 0, 0],
    ]);
    expect(kv.committedValue("d")).toBe("4");
    expect(node.state.appHash).toEqual((await kv.info()).lastBlockAppHash);
    expect(headerHash(b5.header)).toEqual(node.state.lastBlockHash);
    expect(b5.header.timeMs).toBe(GENESIS_TIME + 5000);
  });

  it("stops before the app commits when EndBlock returns invalid validator updates", async () => {
    const node = await open(makeGenesis([A]), [A]);
    const kv = node.parts.kv;
    const bad = override(kv, {
      endBlock: async () => ({ validatorUpdates: [{ pubKey: A.publicKey, power: 0 }], events: [] }),
    });
    const ex = new BlockExecutor({}, { ...node.parts, app: bad, logger: silentLogger });
    const { block, hash, commit } = await node.makeBlock(["a=1"]);
    await node.parts.blockStore.saveBlock(block, commit);
    await expect(ex.applyBlock(node.state, block, hash)).rejects.toMatchObject({
      code: "EXEC_INVALID_APP_RESPONSE",
    });
    expect((await kv.info()).lastBlockHeight).toBe(0);
    expect((await node.parts.stateStore.load())?.lastBlockHeight).toBe(0);
  });

  it("passes misbehaviour proven by an injected evidence verifier to BeginBlock", async () => {
    const node = await open(makeGenesis([A]), [A]);
    const kv = node.parts.kv;
    const seen: BeginBlockRequest[] = [];
    const misbehavior: Misbehavior = {
      type: "duplicate_vote",
      validatorAddress: addressFromPublicKey(A.publicKey),
      power: 10,
      height: 1,
      timeMs: GENESIS_TIME,
      totalVotingPower: 10,
    };
    const spy = override(kv, {
      beginBlock: async (req: BeginBlockRequest) => {
        seen.push(req);
        return kv.beginBlock(req);
      },
    });
    const ex = new BlockExecutor(
      { evidenceVerifier: { verify: async (_s, ev) => (ev.length === 1 ? [misbehavior] : []) } },
      { ...node.parts, app: spy, logger: silentLogger },
    );
    const block = ex.createProposalBlock(node.state, {
      height: 1,
      txs: [],
      lastCommit: null,
      proposerAddress: addressFromPublicKey(A.publicKey),
      timeMs: GENESIS_TIME,
      evidence: [utf8("proof")],
    });
    const hash = headerHash(block.header);
    await node.parts.blockStore.saveBlock(
      block,
      signCommit(node.state.chainId, node.state.validators, [A], 1, hash),
    );
    const { results } = await ex.applyBlock(node.state, block, hash);
    expect(seen[0]!.byzantineValidators).toEqual([misbehavior]);
    expect(results.byzantineValidators).toEqual([misbehavior]);
    expect((await node.parts.stateStore.loadAbciResponses(1))?.byzantineValidators).toEqual([misbehavior]);
  });
});
