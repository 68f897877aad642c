/**
 * Every method's JSON against CometBFT v0.38's shape, field by field, on a real chain of three
 * signed blocks served over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex, utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { verifyMerkleProof } from "../../../src/crypto/merkle.js";
import { silentLogger } from "../../../src/log.js";
import { RpcServer } from "../../../src/rpc/server.js";
import { encodeBlock, headerHash } from "../../../src/types/block.js";
import { CHAIN_ID, makeTx, seed, TestChain, txResultFor } from "./fixture.js";
import {
  B64,
  blockId,
  call,
  expectedBlock,
  expectedCommit,
  expectedHeader,
  HEX,
  http,
  result,
} from "./helpers.js";
import { type IndexedServer, startIndexedServer } from "./indexed.js";

let chain: TestChain;
let server: RpcServer;
let url: string;

beforeAll(async () => {
  chain = new TestChain();
  const [k1, k2, k3] = chain.keys;
  chain.produceBlock([]);
  chain.produceBlock([makeTx(k1!, 0), makeTx(k2!, 0), makeTx(k3!, 0)], [2]);
  chain.produceBlock([makeTx(k1!, 1)]);
  server = await RpcServer.start({ laddr: "tcp://127.0.0.1:0" }, chain.env(), silentLogger);
  url = server.url;
});

afterAll(async () => {
  await server.close();
});

const block = (h: number) => chain.blockStore.blocks.get(h)!;
const TIMES: Record<number, string> = {
  1: "2026-11-24T16:33:01Z",
  2: "2026-11-24T16:33:02.12Z",
  3: "2026-11-24T16:33:03Z",
};

describe("info methods", () => {
  it("health returns an empty object", async () => {
    expect(await call(url, "health")).toStrictEqual({ jsonrpc: "2.0", id: 1, result: {} });
  });

  it("status has node_info, sync_info and validator_info as CometBFT prints them", async () => {
    const r = await result(url, "status");
    expect(Object.keys(r)).toEqual(["node_info", "sync_info", "validator_info"]);
    expect(r.node_info).toStrictEqual({
      protocol_version: { p2p: "8", block: "11", app: "1" },
      id: toHex(addressFromPublicKey(seed(9))),
      listen_addr: "/ip4/127.0.0.1/tcp/26656",
      network: CHAIN_ID,
      version: "0.1.0",
      channels: "",
      moniker: "node-0",
      // This server has no event indexer.
      other: { tx_index: "off", rpc_address: server.laddr },
    });
    expect(r.sync_info).toStrictEqual({
      latest_block_hash: HEX(headerHash(block(3).header)),
      latest_app_hash: HEX(block(3).header.appHash),
      latest_block_height: "3",
      latest_block_time: TIMES[3],
      earliest_block_hash: HEX(headerHash(block(1).header)),
      earliest_app_hash: HEX(block(1).header.appHash),
      earliest_block_height: "1",
      earliest_block_time: TIMES[1],
      catching_up: false,
    });
    const key = chain.keys[0]!;
    expect(r.validator_info).toStrictEqual({
      address: HEX(addressFromPublicKey(key.publicKey)),
      pub_key: { type: "tendermint/PubKeyEd25519", value: B64(key.publicKey) },
      voting_power: "10",
    });
  });

  it("abci_info wraps the app's Info in `response` with omitempty fields", async () => {
    expect(await result(url, "abci_info")).toStrictEqual({
      response: {
        data: "rpc-test-app",
        version: "1.2.3",
        app_version: "1",
        last_block_height: "3",
        last_block_app_hash: B64(chain.appHash),
      },
    });
  });

  it("abci_query passes path, hex data, height and prove, and renders every jsonpb field", async () => {
    const r = await result(url, "abci_query", { path: "/echo", data: "0a0b", height: "2", prove: true });
    expect(r).toStrictEqual({
      response: {
        code: 0,
        log: "",
        info: "",
        index: "0",
        key: B64(Uint8Array.of(10, 11)),
        value: B64(new Uint8Array([...utf8("echo:"), 10, 11])),
        proofOps: { ops: [{ type: "test:echo", key: B64(Uint8Array.of(10, 11)), data: B64(utf8("proof")) }] },
        height: "2",
        codespace: "",
      },
    });
    const miss = await result(url, "abci_query", { path: "/nope" });
    expect(miss.response).toStrictEqual({
      code: 1,
      log: "unknown path /nope",
      info: "",
      index: "0",
      key: null,
      value: null,
      proofOps: null,
      height: "3",
      codespace: "test",
    });
  });

  it("genesis serves the genesis file verbatim, big numbers intact", async () => {
    const res = await http(`${url}/genesis`);
    expect(res.text).toContain('"balance":123456789012345678901234567890');
    expect(res.body.result.genesis.chain_id).toBe(CHAIN_ID);
    expect(res.body.result.genesis.validators).toHaveLength(3);
  });

  it("net_info lists this node's listener and no peers yet", async () => {
    expect(await result(url, "net_info")).toStrictEqual({
      listening: true,
      listeners: ["Listener(@/ip4/127.0.0.1/tcp/26656)"],
      n_peers: "0",
      peers: [],
    });
  });
});

describe("block methods", () => {
  it("block renders header, data, evidence and last_commit with absent signatures", async () => {
    const r = await result(url, "block", { height: "3" });
    expect(r).toStrictEqual({
      block_id: blockId(headerHash(block(3).header)),
      block: expectedBlock(block(3), TIMES[3]!),
    });
    // Validator 2 did not sign block 2: CometBFT's absent CommitSig.
    expect(r.block.last_commit.signatures[2]).toStrictEqual({
      block_id_flag: 1,
      validator_address: "",
      timestamp: "0001-01-01T00:00:00Z",
      signature: null,
    });
    expect(r.block.last_commit.signatures[0].block_id_flag).toBe(2);
  });

  it("block without height is the latest; the initial block has CometBFT's empty last commit", async () => {
    expect((await result(url, "block")).block.header.height).toBe("3");
    const first = await result(url, "block", { height: 1 });
    expect(first.block.header.last_block_id).toStrictEqual({ hash: "", parts: { total: 0, hash: "" } });
    expect(first.block.last_commit).toStrictEqual(expectedCommit(null));
    expect(first.block.data).toStrictEqual({ txs: [] });
  });

  it("block_by_hash takes base64 and finds the block; an unknown hash gives block null", async () => {
    const hash = headerHash(block(2).header);
    expect(await result(url, "block_by_hash", { hash: B64(hash) })).toStrictEqual({
      block_id: blockId(hash),
      block: expectedBlock(block(2), TIMES[2]!),
    });
    expect(await result(url, "block_by_hash", { hash: B64(sha256(utf8("x"))) })).toStrictEqual({
      block_id: { hash: "", parts: { total: 0, hash: "" } },
      block: null,
    });
  });

  it("blockchain returns block metas newest first within minHeight..maxHeight", async () => {
    const all = await result(url, "blockchain");
    expect(all.last_height).toBe("3");
    expect(all.block_metas.map((m: { header: { height: string } }) => m.header.height)).toEqual([
      "3",
      "2",
      "1",
    ]);
    const one = await result(url, "blockchain", { minHeight: "2", maxHeight: "2" });
    expect(one).toStrictEqual({
      last_height: "3",
      block_metas: [
        {
          block_id: blockId(headerHash(block(2).header)),
          block_size: String(encodeBlock(block(2)).length),
          header: expectedHeader(block(2).header, TIMES[2]!),
          num_txs: "3",
        },
      ],
    });
  });

  it("header and header_by_hash (hex) return the same header", async () => {
    const expected = { header: expectedHeader(block(2).header, TIMES[2]!) };
    expect(await result(url, "header", { height: "2" })).toStrictEqual(expected);
    expect(await result(url, "header_by_hash", { hash: HEX(headerHash(block(2).header)) })).toStrictEqual(
      expected,
    );
    expect(await result(url, "header_by_hash", { hash: "00" })).toStrictEqual({ header: null });
  });

  it("commit is canonical below the tip and the seen commit at the tip", async () => {
    expect(await result(url, "commit", { height: "2" })).toStrictEqual({
      signed_header: {
        header: expectedHeader(block(2).header, TIMES[2]!),
        commit: expectedCommit(block(3).lastCommit),
      },
      canonical: true,
    });
    const tip = await result(url, "commit");
    expect(tip.canonical).toBe(false);
    expect(tip.signed_header.commit).toStrictEqual(expectedCommit(chain.blockStore.seen.get(3)!));
    expect(tip.signed_header.header.height).toBe("3");
  });

  it("validators pages the set of the next height (latest + 1)", async () => {
    const expectedVal = (i: number) => {
      const v = chain.valset.validators[i]!;
      return {
        address: HEX(v.address),
        pub_key: { type: "tendermint/PubKeyEd25519", value: B64(v.pubKey) },
        voting_power: String(v.votingPower),
        proposer_priority: "0",
      };
    };
    expect(await result(url, "validators")).toStrictEqual({
      block_height: "4",
      validators: [expectedVal(0), expectedVal(1), expectedVal(2)],
      count: "3",
      total: "3",
    });
    expect(await result(url, "validators", { height: "2", page: "2", per_page: "2" })).toStrictEqual({
      block_height: "2",
      validators: [expectedVal(2)],
      count: "1",
      total: "3",
    });
    const bad = await call(url, "validators", { page: "3", per_page: "2" });
    expect(bad.error).toStrictEqual({
      code: -32603,
      message: "Internal error",
      data: "page should be within [1, 2] range, given 3",
    });
  });

  it("consensus_params renders types.ConsensusParams", async () => {
    expect(await result(url, "consensus_params", { height: "3" })).toStrictEqual({
      block_height: "3",
      consensus_params: {
        block: { max_bytes: String(chain.params.block.maxBytes), max_gas: String(chain.params.block.maxGas) },
        evidence: {
          max_age_num_blocks: String(chain.params.evidence.maxAgeBlocks),
          max_age_duration: "0",
          max_bytes: String(chain.params.evidence.maxBytes),
        },
        validator: { pub_key_types: ["ed25519"] },
        version: { app: "0" },
        abci: { vote_extensions_enable_height: "0" },
      },
    });
  });

  it("block_results has v0.38's fields: txs_results, finalize_block_events, updates, app_hash", async () => {
    const txs = block(2).txs;
    const r = await result(url, "block_results", { height: "2" });
    expect(Object.keys(r)).toEqual([
      "height",
      "txs_results",
      "finalize_block_events",
      "validator_updates",
      "consensus_param_updates",
      "app_hash",
    ]);
    expect(r.height).toBe("2");
    expect(r.txs_results).toHaveLength(3);
    expect(r.txs_results[0]).toStrictEqual({
      code: 0,
      data: B64(sha256(txs[0]!).slice(0, 4)),
      log: "",
      info: "",
      gas_wanted: "50000",
      gas_used: "21000",
      events: [
        {
          type: "transfer",
          attributes: [
            { key: "index", value: "0", index: true },
            { key: "memo", value: "", index: false },
          ],
        },
      ],
      codespace: "",
    });
    expect(r.txs_results[1]).toMatchObject({
      code: 7,
      data: null,
      log: "insufficient funds",
      codespace: "bank",
    });
    expect(r.finalize_block_events).toStrictEqual([
      { type: "begin" },
      { type: "end", attributes: [{ key: "height", value: "2", index: true }] },
    ]);
    expect(r.validator_updates).toStrictEqual([
      {
        pub_key: {
          Sum: {
            type: "tendermint.crypto.PublicKey_Ed25519",
            value: { ed25519: B64(chain.keys[0]!.publicKey) },
          },
        },
        power: "15",
      },
    ]);
    expect(r.consensus_param_updates).toStrictEqual({
      block: { max_bytes: String(chain.params.block.maxBytes), max_gas: String(chain.params.block.maxGas) },
      evidence: {
        max_age_num_blocks: String(chain.params.evidence.maxAgeBlocks),
        max_age_duration: "0",
        max_bytes: String(chain.params.evidence.maxBytes),
      },
    });
    // The app hash after block 2 is the one block 3's header carries.
    expect(r.app_hash).toBe(B64(block(3).header.appHash));
  });

  it("block_results of an empty block has null lists; the latest block's app hash is the state's", async () => {
    const r = await result(url, "block_results", { height: "1" });
    expect(r).toMatchObject({ txs_results: null, validator_updates: null, consensus_param_updates: null });
    expect((await result(url, "block_results")).app_hash).toBe(B64(chain.appHash));
  });
});

describe("tx and mempool methods", () => {
  it("tx without an event index is CometBFT's indexing-disabled error", async () => {
    const hash = sha256(block(2).txs[0]!);
    expect((await call(url, "tx", { hash: B64(hash) })).error).toStrictEqual({
      code: -32603,
      message: "Internal error",
      data: "transaction indexing is disabled",
    });
  });

  it("check_tx runs the app's CheckTx without touching the mempool", async () => {
    const tx = makeTx(chain.keys[2]!, 9);
    const before = chain.mempool.size();
    expect(await result(url, "check_tx", { tx: B64(tx) })).toStrictEqual({
      code: 0,
      data: B64(utf8("ok")),
      log: "",
      info: "",
      gas_wanted: "50000",
      gas_used: "1000",
      events: [
        {
          type: "check",
          attributes: [
            { key: "sender", value: toHex(addressFromPublicKey(chain.keys[2]!.publicKey)), index: true },
          ],
        },
      ],
      codespace: "",
    });
    expect(chain.mempool.size()).toBe(before);
  });

  it("broadcast_tx_sync returns CheckTx's code, hex data and the tx hash; txs then show as unconfirmed", async () => {
    const tx = makeTx(chain.keys[1]!, 5, "pending");
    expect(await result(url, "broadcast_tx_sync", { tx: B64(tx) })).toStrictEqual({
      code: 0,
      data: "6F6B",
      log: "",
      codespace: "",
      hash: HEX(sha256(tx)),
    });
    expect(await result(url, "unconfirmed_txs", { limit: "5" })).toStrictEqual({
      n_txs: "1",
      total: "1",
      total_bytes: String(tx.length),
      txs: [B64(tx)],
    });
    expect(await result(url, "num_unconfirmed_txs")).toStrictEqual({
      n_txs: "1",
      total: "1",
      total_bytes: String(tx.length),
      txs: null,
    });
    // A second submission is refused by the mempool's cache, as CometBFT reports it.
    expect((await call(url, "broadcast_tx_sync", { tx: B64(tx) })).error).toStrictEqual({
      code: -32603,
      message: "Internal error",
      data: "tx already exists in cache",
    });
  });

  it("broadcast_tx_sync reports an app rejection as a result with its code and log", async () => {
    const tx = makeTx(chain.keys[1]!, 6);
    tx[tx.length - 1]! ^= 1; // break the signature
    expect(await result(url, "broadcast_tx_sync", { tx: B64(tx) })).toStrictEqual({
      code: 4,
      data: "",
      log: "signature verification failed",
      codespace: "test",
      hash: HEX(sha256(tx)),
    });
  });
});

describe("heights out of range", () => {
  it.each([
    ["block", { height: "4" }, "height 4 must be less than or equal to the current blockchain height 3"],
    ["header", { height: "99" }, "height 99 must be less than or equal to the current blockchain height 3"],
    ["commit", { height: "0" }, "height must be greater than 0, but got 0"],
    ["block_results", { height: "-1" }, "height must be greater than 0, but got -1"],
    ["validators", { height: "5" }, "height 5 must be less than or equal to the current blockchain height 4"],
    ["blockchain", { minHeight: "-1" }, "heights must be non-negative"],
  ])("%s %j fails with CometBFT's text", async (method, params, data) => {
    expect((await call(url, method, params)).error).toStrictEqual({
      code: -32603,
      message: "Internal error",
      data,
    });
  });
});

describe("tx by hash (from the event index)", () => {
  let indexed: IndexedServer;
  const indexedBlock = (h: number) => indexed.chain.blockStore.blocks.get(h)!;

  beforeAll(async () => {
    indexed = await startIndexedServer();
    // The same blocks and results as the chain above, indexed as they commit.
    indexed.chain.resultFor = txResultFor;
    const c = indexed.chain;
    const [k1, k2, k3] = c.keys;
    c.produceBlock([]);
    c.produceBlock([makeTx(k1!, 0), makeTx(k2!, 0), makeTx(k3!, 0)], [2]);
    c.produceBlock([makeTx(k1!, 1)]);
  });

  afterAll(async () => {
    await indexed.close();
  });

  it("tx finds a committed tx by base64 hash, with its result and no proof by default", async () => {
    const tx = indexedBlock(2).txs[1]!;
    const r = await result(indexed.server.url, "tx", { hash: B64(sha256(tx)) });
    expect(r).toStrictEqual({
      hash: HEX(sha256(tx)),
      height: "2",
      index: 1,
      tx_result: {
        code: 7,
        data: null,
        log: "insufficient funds",
        info: "",
        gas_wanted: "50000",
        gas_used: "21001",
        events: [
          {
            type: "transfer",
            attributes: [
              { key: "index", value: "1", index: true },
              { key: "memo", value: "", index: false },
            ],
          },
        ],
        codespace: "bank",
      },
      tx: B64(tx),
    });
  });

  it("tx with prove returns a Merkle proof that verifies against the header's data hash", async () => {
    const txs = indexedBlock(2).txs;
    const r = await result(indexed.server.url, "tx", { hash: B64(sha256(txs[2]!)), prove: true });
    expect(r.proof.root_hash).toBe(HEX(indexedBlock(2).header.dataHash));
    expect(r.proof.data).toBe(B64(txs[2]!));
    expect(r.proof.proof.total).toBe("3");
    expect(r.proof.proof.index).toBe("2");
    const proof = {
      total: Number(r.proof.proof.total),
      index: Number(r.proof.proof.index),
      leafHash: Buffer.from(r.proof.proof.leaf_hash, "base64"),
      aunts: r.proof.proof.aunts.map((a: string) => Buffer.from(a, "base64")),
    };
    // As in CometBFT v0.38, the tree's items are the txs' hashes, not their bytes.
    expect(verifyMerkleProof(proof, indexedBlock(2).header.dataHash, sha256(txs[2]!))).toBe(true);
    expect(verifyMerkleProof(proof, indexedBlock(2).header.dataHash, sha256(txs[1]!))).toBe(false);
    expect(verifyMerkleProof(proof, indexedBlock(2).header.dataHash, txs[2]!)).toBe(false);
    // The root by hand (RFC 6962 over 3 leaves): H(1 ‖ H(1 ‖ L0 ‖ L1) ‖ L2), Li = H(0 ‖ sha256(tx i)).
    const leaf = (tx: Uint8Array) => sha256(Uint8Array.of(0), sha256(tx));
    const inner = (a: Uint8Array, b: Uint8Array) => sha256(Uint8Array.of(1), a, b);
    const root = inner(inner(leaf(txs[0]!), leaf(txs[1]!)), leaf(txs[2]!));
    expect(HEX(root)).toBe(HEX(indexedBlock(2).header.dataHash));
    expect(r.proof.proof.leaf_hash).toBe(B64(leaf(txs[2]!)));
  });

  it("tx of an unknown hash is CometBFT's not-found error", async () => {
    const hash = sha256(utf8("never sent"));
    expect((await call(indexed.server.url, "tx", { hash: B64(hash) })).error).toStrictEqual({
      code: -32603,
      message: "Internal error",
      data: `tx (${HEX(hash)}) not found`,
    });
  });
});
