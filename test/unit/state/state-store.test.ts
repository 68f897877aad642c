import { afterEach, describe, expect, it } from "vitest";
import type { ExecTxResult } from "../../../src/abci/types.js";
import { concatBytes, utf8 } from "../../../src/codec/bytes.js";
import { merkleRoot } from "../../../src/crypto/merkle.js";
import { isDccnError } from "../../../src/errors.js";
import {
  type AbciResponses,
  encodeDeterministicTxResult,
  resultsHash,
} from "../../../src/state/abci-responses.js";
import { stateFromGenesis } from "../../../src/state/genesis.js";
import { StateStore } from "../../../src/state/state-store.js";
import { updateState } from "../../../src/state/transition.js";
import { nextHeight } from "../../../src/state/types.js";
import { type BatchOp, Database } from "../../../src/store/db.js";
import type { Header } from "../../../src/types/block.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../../../src/types/params.js";
import { makeGenesis, makeKey, removeHome, tempHome } from "../abci/fixture.js";

const [a, b, c] = [makeKey(1), makeKey(2), makeKey(3)];
const z32 = new Uint8Array(32);

function header(height: number): Header {
  return {
    chainId: "test-chain",
    height,
    timeMs: 2_000_000 + height,
    lastBlockHash: z32,
    lastCommitHash: z32,
    dataHash: z32,
    validatorsHash: z32,
    nextValidatorsHash: z32,
    consensusHash: z32,
    appHash: z32,
    lastResultsHash: z32,
    evidenceHash: z32,
    proposerAddress: new Uint8Array(20),
  };
}

const txResult = (code: number, data: string): ExecTxResult => ({
  code,
  codespace: code === 0 ? "" : "app",
  log: `log ${data}`,
  info: "i",
  data: utf8(data),
  gasWanted: 10,
  gasUsed: 7,
  events: [{ type: "transfer", attributes: [{ key: "amount", value: "5", index: true }] }],
});

function responses(over: Partial<AbciResponses["endBlock"]> = {}, txs: ExecTxResult[] = []): AbciResponses {
  return {
    beginBlock: { events: [{ type: "begin", attributes: [{ key: "h", value: "1", index: false }] }] },
    txResults: txs,
    endBlock: { validatorUpdates: [], events: [], ...over },
    byzantineValidators: [],
  };
}

describe("chain state", () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const h of homes.splice(0)) removeHome(h);
  });
  const openStore = async () => {
    const h = tempHome();
    homes.push(h);
    const path = `${h}/data/state.db`;
    return { path, store: await StateStore.open(path) };
  };

  it("builds the genesis state, preferring InitChain's validators and app hash", () => {
    const doc = makeGenesis([a, b], [10, 20], { initialHeight: 5 });
    const s = stateFromGenesis(doc);
    expect(s.lastBlockHeight).toBe(0);
    expect(nextHeight(s)).toBe(5);
    expect(s.validators.totalVotingPower).toBe(30);
    expect(s.lastValidators).toBeNull();
    expect(s.lastResultsHash).toEqual(merkleRoot([]));
    const s2 = stateFromGenesis(doc, { validators: [{ pubKey: c.publicKey, power: 3 }], appHash: utf8("h") });
    expect(s2.validators.size).toBe(1);
    expect(s2.validators.totalVotingPower).toBe(3);
    expect(s2.appHash).toEqual(utf8("h"));
    expect(() => stateFromGenesis({ ...doc, validators: [] })).toThrow(
      expect.objectContaining({ code: "STATE_NO_VALIDATORS" }),
    );
    const badAddr = { ...doc, validators: [{ ...doc.validators[0]!, address: new Uint8Array(20) }] };
    expect(() => stateFromGenesis(badAddr)).toThrow(
      expect.objectContaining({ code: "STATE_INVALID_GENESIS" }),
    );
  });

  it("shifts validator sets: EndBlock updates at H sign H+2; params change at H+1", () => {
    const s0 = stateFromGenesis(makeGenesis([a], [10]));
    const params = { block: { maxBytes: 1000, maxGas: 5 }, evidence: { maxAgeBlocks: 10, maxBytes: 100 } };
    const s1 = updateState(
      s0,
      utf8("h1"),
      header(1),
      responses({ validatorUpdates: [{ pubKey: b.publicKey, power: 5 }], consensusParamUpdates: params }),
      utf8("app1"),
    );
    expect(s1.lastBlockHeight).toBe(1);
    expect(s1.validators.size).toBe(1); // signs 2
    expect(s1.nextValidators.size).toBe(2); // signs 3
    expect(s1.lastHeightValidatorsChanged).toBe(3);
    expect(s1.consensusParams).toEqual(params);
    expect(s1.lastHeightConsensusParamsChanged).toBe(2);
    expect(s1.appHash).toEqual(utf8("app1"));
    const s2 = updateState(s1, utf8("h2"), header(2), responses(), utf8("app2"));
    expect(s2.validators.size).toBe(2);
    expect(s2.lastValidators?.size).toBe(1);
    expect(() =>
      updateState(
        s0,
        utf8("h"),
        header(1),
        responses({ validatorUpdates: [{ pubKey: a.publicKey, power: 0 }] }),
        z32,
      ),
    ).toThrow(
      expect.objectContaining({
        code: "STATE_INVALID_VALIDATOR_UPDATES",
        message: expect.stringMatching(/empty/),
      }),
    );
    for (const bad of [
      [{ pubKey: new Uint8Array(31), power: 1 }],
      [{ pubKey: b.publicKey, power: -1 }],
      [{ pubKey: b.publicKey, power: 2 ** 51 }],
      [{ pubKey: c.publicKey, power: 0 }],
      [
        { pubKey: b.publicKey, power: 1 },
        { pubKey: b.publicKey, power: 2 },
      ],
    ]) {
      expect(() => updateState(s0, utf8("h"), header(1), responses({ validatorUpdates: bad }), z32)).toThrow(
        expect.objectContaining({ code: "STATE_INVALID_VALIDATOR_UPDATES" }),
      );
    }
    const badParams = { ...params, block: { maxBytes: 0, maxGas: 0 } };
    expect(() =>
      updateState(s0, utf8("h"), header(1), responses({ consensusParamUpdates: badParams }), z32),
    ).toThrow(expect.objectContaining({ code: "STATE_INVALID_PARAMS" }));
  });

  it("hashes only the deterministic part of tx results", () => {
    const r = txResult(0, "x");
    expect(resultsHash([r])).toEqual(
      resultsHash([{ ...r, log: "other", events: [], codespace: "zz", info: "" }]),
    );
    expect(resultsHash([r])).not.toEqual(resultsHash([{ ...r, gasUsed: 8 }]));
    expect(resultsHash([r])).toEqual(merkleRoot([encodeDeterministicTxResult(r)]));
  });

  it("saves and reloads the state, validators and params by height, and ABCI responses", async () => {
    const { path, store } = await openStore();
    expect(await store.load()).toBeNull();
    const s0 = stateFromGenesis(makeGenesis([a], [10]));
    await store.save(s0);
    const params = { block: { maxBytes: 5000, maxGas: 9 }, evidence: { maxAgeBlocks: 10, maxBytes: 100 } };
    const r1 = responses(
      { validatorUpdates: [{ pubKey: b.publicKey, power: 5 }], consensusParamUpdates: params },
      [txResult(0, "a"), txResult(3, "b")],
    );
    await store.saveAbciResponses(1, r1);
    const s1 = updateState(s0, utf8("h1"), header(1), r1, utf8("app1"));
    await store.save(s1);
    let s = s1;
    for (let h = 2; h <= 5; h++) {
      s = updateState(s, utf8(`h${h}`), header(h), responses(), utf8(`app${h}`));
      await store.save(s);
    }
    await store.close();

    const again = await StateStore.open(path);
    const loaded = await again.load();
    expect(loaded).not.toBeNull();
    expect(loaded!.lastBlockHeight).toBe(5);
    expect(loaded!.appHash).toEqual(utf8("app5"));
    expect(loaded!.validators.hash()).toEqual(s.validators.hash());
    expect(loaded!.lastValidators?.hash()).toEqual(s.lastValidators?.hash());
    expect(loaded!.consensusParams).toEqual(params);
    expect(loaded!.lastResultsHash).toEqual(s.lastResultsHash);
    expect({ ...loaded!, validators: 0, nextValidators: 0, lastValidators: 0 }).toEqual({
      ...s,
      validators: 0,
      nextValidators: 0,
      lastValidators: 0,
    });
    // Set {a} signs 1 and 2; {a, b} from 3 on (updated at 1 -> effective at 3).
    expect((await again.loadValidators(1))?.size).toBe(1);
    expect((await again.loadValidators(2))?.size).toBe(1);
    for (const h of [3, 4, 5, 6, 7]) expect((await again.loadValidators(h))?.size).toBe(2);
    expect(await again.loadValidators(8)).toBeNull();
    expect(await again.loadConsensusParams(1)).toEqual(DEFAULT_CONSENSUS_PARAMS);
    for (const h of [2, 3, 6]) expect(await again.loadConsensusParams(h)).toEqual(params);
    expect(await again.loadConsensusParams(7)).toBeNull();
    expect(await again.loadAbciResponses(1)).toEqual(r1);
    expect(await again.loadAbciResponses(2)).toBeNull();
    await again.close();
  });

  it("keeps the ABCI responses first and moves the tables of the older layout on open", async () => {
    const { path, store } = await openStore();
    const s0 = stateFromGenesis(makeGenesis([a], [10]));
    await store.save(s0);
    const r1 = responses({}, [txResult(0, "a")]);
    await store.saveAbciResponses(1, r1);
    const s1 = updateState(s0, utf8("h1"), header(1), r1, utf8("app1"));
    await store.save(s1);
    await store.close();

    const db = await Database.open(path);
    const tablesOf = async (kv: Database) => {
      const t: number[] = [];
      for await (const [k] of kv.entries()) if (t.at(-1) !== k[0]) t.push(k[0]!);
      return t;
    };
    // Responses, validators, params, then the state: nothing sorts before the responses.
    expect(await tablesOf(db)).toStrictEqual([0x03, 0x04, 0x05, 0xff]);
    // As an older version wrote it: state 0x00, validators 0x01, params 0x02.
    const ops: BatchOp[] = [];
    for await (const [key, value] of db.entries({ gte: Uint8Array.of(0x04) })) {
      const legacy = key[0] === 0xff ? 0x00 : key[0]! - 3;
      ops.push(
        { type: "del", key },
        { type: "put", key: concatBytes(Uint8Array.of(legacy), key.subarray(1)), value },
      );
    }
    await db.batch(ops);
    expect(await tablesOf(db)).toStrictEqual([0x00, 0x01, 0x02, 0x03]);
    await db.close();

    const again = await StateStore.open(path);
    expect((await again.load())?.appHash).toEqual(utf8("app1"));
    expect((await again.loadValidators(2))?.size).toBe(1);
    expect(await again.loadConsensusParams(2)).toEqual(DEFAULT_CONSENSUS_PARAMS);
    expect(await again.loadAbciResponses(1)).toEqual(r1);
    await again.close();
    const reopened = await Database.open(path);
    expect(await tablesOf(reopened)).toStrictEqual([0x03, 0x04, 0x05, 0xff]);
    await reopened.close();
  });

  it("reports a missing pointer target instead of returning a wrong set", async () => {
    const { store } = await openStore();
    const s0 = stateFromGenesis(makeGenesis([a], [10], { initialHeight: 1 }));
    // A state claiming its set changed at height 1, saved only at a later height.
    await store.save({ ...s0, lastBlockHeight: 9, lastHeightValidatorsChanged: 4 });
    const err = await store.loadValidators(11).catch((e: unknown) => e);
    expect(isDccnError(err, "STATE_MISSING_RECORD")).toBe(true);
    await store.close();
  });
});
