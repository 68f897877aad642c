/**
 * tx_search, block_search, genesis_chunked, consensus_state, dump_consensus_state,
 * broadcast_evidence and the unsafe methods over JSON-RPC (POST and URI GET), with their
 * CometBFT shapes and error texts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHexUpper, utf8 } from "../../../src/codec/bytes.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { isDccnError } from "../../../src/errors.js";
import { silentLogger } from "../../../src/log.js";
import type { RpcConsensusState, RpcDialOptions } from "../../../src/rpc/env.js";
import { RpcServer } from "../../../src/rpc/server.js";
import { VoteType } from "../../../src/types/vote.js";
import { makeTx, TestChain } from "./fixture.js";
import { call, http, post, result } from "./helpers.js";
import { type IndexedServer, senderOf, startIndexedServer } from "./indexed.js";

let s: IndexedServer;
let url: string;
const dialed: { peers: readonly string[]; opts: RpcDialOptions }[] = [];
let flushed = 0;
const evidence: Uint8Array[] = [];
const ADMIN = "an-admin-token-of-some-length";

function consensusState(chain: TestChain): RpcConsensusState {
  const v = chain.valset.validators;
  return {
    height: chain.height + 1,
    round: 1,
    step: "prevote",
    startTimeMs: Date.UTC(2026, 0, 2, 3, 4, 5, 600),
    validators: chain.valset,
    proposerIndex: 2,
    proposalBlockHash: sha256(utf8("proposal")),
    lockedRound: -1,
    lockedBlockHash: null,
    validRound: 0,
    validBlockHash: sha256(utf8("valid")),
    votes: [
      {
        round: 0,
        prevotes: [
          {
            type: VoteType.Prevote,
            height: chain.height + 1,
            round: 0,
            blockHash: null,
            validatorAddress: v[0]!.address,
            validatorIndex: 0,
            signature: new Uint8Array(64).fill(7),
          },
          null,
          null,
        ],
        precommits: [null, null, null],
      },
    ],
    peers: [{ nodeAddress: "abcd@127.0.0.1:26656", height: chain.height, round: 0, step: "commit" }],
  };
}

beforeAll(async () => {
  const chain = new TestChain();
  s = await startIndexedServer(
    { unsafe: true, adminToken: ADMIN },
    {
      consensusState: () => consensusState(chain),
      broadcastEvidence: (ev) => {
        if (ev[0] === 0) throw new Error("evidence is too old");
        evidence.push(ev);
        return sha256(ev);
      },
      dialPeers: (peers, opts) => {
        dialed.push({ peers, opts });
      },
      flushMempool: () => {
        flushed++;
      },
    },
    chain,
  );
  url = s.server.url;
  const [a, b] = [chain.keys[0]!, chain.keys[1]!];
  for (let h = 0; h < 12; h++) chain.produceBlock([makeTx(a, h), ...(h % 3 === 0 ? [makeTx(b, h)] : [])]);
});

afterAll(async () => {
  await s.close();
});

describe("tx_search", () => {
  it("returns txs with hash, height, index, result and tx, and total_count", async () => {
    const bob = senderOf(s.chain, 1);
    const res = await result(url, "tx_search", { query: `transfer.sender = '${bob}'` });
    expect(res.total_count).toBe("4");
    expect(res.txs.map((t: { height: string; index: number }) => [t.height, t.index])).toStrictEqual([
      ["1", 1],
      ["4", 1],
      ["7", 1],
      ["10", 1],
    ]);
    const tx = s.chain.blockStore.blocks.get(4)!.txs[1]!;
    expect(res.txs[1]).toMatchObject({
      hash: toHexUpper(sha256(tx)),
      tx: Buffer.from(tx).toString("base64"),
      tx_result: { code: 0, gas_wanted: "50000" },
    });
    expect(res.txs[1].proof).toBeUndefined();
  });

  it("pages with page/per_page, orders with order_by, and proves on request", async () => {
    const alice = senderOf(s.chain, 0);
    const q = `transfer.sender = '${alice}' AND tx.height > 2`;
    const p2 = await result(url, "tx_search", { query: q, page: "2", per_page: "4", order_by: "desc" });
    expect(p2.total_count).toBe("10");
    expect(p2.txs.map((t: { height: string }) => t.height)).toStrictEqual(["8", "7", "6", "5"]);
    const last = await result(url, "tx_search", { query: q, page: "3", per_page: "4" });
    expect(last.txs.map((t: { height: string }) => t.height)).toStrictEqual(["11", "12"]);
    const proved = await result(url, "tx_search", { query: "tx.height = 5", prove: true });
    expect(proved.txs[0].proof.root_hash).toBe(toHexUpper(s.chain.blockStore.blocks.get(5)!.header.dataHash));
    const capped = await result(url, "tx_search", { query: "tm.event = 'Tx'", per_page: "1000" });
    expect(capped.txs).toHaveLength(16);
  });

  it("works over URI GET with a quoted query", async () => {
    const q = encodeURIComponent(`"transfer.amount >= 10 AND transfer.amount < 12"`);
    const res = await http(`${url}/tx_search?query=${q}&order_by="asc"`);
    expect(res.body.result.txs.map((t: { height: string }) => t.height)).toStrictEqual(["11", "12"]);
  });

  it("reports bad queries, pages and orders with CometBFT's messages", async () => {
    const err = async (params: unknown) => (await call(url, "tx_search", params)).error;
    expect(await err({ query: "tx.height >" })).toMatchObject({ code: -32603 });
    expect((await err({ query: "tx.height >" })).data).toMatch(/^failed to parse query: offset 11/);
    expect((await err({})).data).toContain("query is required");
    expect((await err({ query: "tx.height = 1", page: "3" })).data).toBe(
      "page should be within [1, 1] range, given 3",
    );
    expect((await err({ query: "tx.height = 1", order_by: "sideways" })).data).toBe(
      "expected order_by to be either `asc` or `desc` or empty",
    );
    expect((await err({ query: `a.b = '${"x".repeat(600)}'` })).data).toBe("maximum query length exceeded");
    expect((await err({ query: 5 })).code).toBe(-32602);
  });
});

describe("block_search", () => {
  it("finds blocks by height and block events, newest first by default", async () => {
    const res = await result(url, "block_search", { query: "block.height >= 3 AND end.height <= 5" });
    expect(res.total_count).toBe("3");
    expect(
      res.blocks.map((b: { block: { header: { height: string } } }) => b.block.header.height),
    ).toStrictEqual(["5", "4", "3"]);
    expect(res.blocks[0].block_id.hash).toBe(toHexUpper(s.chain.blockStore.metas.get(5)!.blockHash));
    const asc = await result(url, "block_search", { query: "end.height > 10", order_by: "asc" });
    expect(
      asc.blocks.map((b: { block: { header: { height: string } } }) => b.block.header.height),
    ).toStrictEqual(["11", "12"]);
  });

  it("says indexing is disabled when the node has no indexer", async () => {
    const chain = new TestChain();
    const plain = await RpcServer.start({ laddr: "tcp://127.0.0.1:0" }, chain.env(), silentLogger);
    try {
      expect((await call(plain.url, "block_search", { query: "block.height > 0" })).error.data).toBe(
        "block indexing is disabled",
      );
      expect((await call(plain.url, "tx_search", { query: "tx.height > 0" })).error.data).toBe(
        "transaction indexing is disabled",
      );
    } finally {
      await plain.close();
    }
  });
});

describe("genesis_chunked", () => {
  it("serves the genesis file as base64 chunks and rejects a chunk past the end", async () => {
    const res = await result(url, "genesis_chunked", { chunk: "0" });
    expect(res.chunk).toBe("0");
    expect(res.total).toBe("1");
    expect(Buffer.from(res.data, "base64").toString()).toBe(s.chain.genesisJson().trim());
    expect((await call(url, "genesis_chunked", { chunk: "1" })).error.data).toBe(
      "there are 0 chunks, 1 is invalid",
    );
  });
});

describe("consensus_state and dump_consensus_state", () => {
  it("render the node's round state in CometBFT's shape", async () => {
    const h = s.chain.height + 1;
    const cs = await result(url, "consensus_state");
    expect(cs.round_state).toMatchObject({
      "height/round/step": `${h}/1/4`,
      start_time: "2026-01-02T03:04:05.6Z",
      proposal_block_hash: toHexUpper(sha256(utf8("proposal"))),
      locked_block_hash: "",
      proposer: { address: toHexUpper(s.chain.valset.validators[2]!.address), index: 2 },
    });
    expect(cs.round_state.height_vote_set[0].prevotes[1]).toBe("nil-Vote");
    expect(cs.round_state.height_vote_set[0].prevotes[0]).toMatch(
      /^Vote\{0:[0-9A-F]{12} \d+\/00\/SIGNED_MSG_TYPE_PREVOTE/,
    );
    expect(cs.round_state.height_vote_set[0].prevotes_bit_array).toBe("BA{3:x__} 10/33 = 0.30");

    const dump = await result(url, "dump_consensus_state");
    expect(dump.round_state).toMatchObject({
      height: String(h),
      round: 1,
      step: 4,
      locked_round: -1,
      valid_round: 0,
    });
    expect(dump.round_state.validators.validators).toHaveLength(3);
    expect(dump.peers).toStrictEqual([
      {
        node_address: "abcd@127.0.0.1:26656",
        peer_state: { round_state: { height: String(h - 1), round: 0, step: 8 } },
      },
    ]);
  });
});

describe("broadcast_evidence", () => {
  it("hands the evidence bytes to the node and returns their hash; errors are explained", async () => {
    const ev = utf8("duplicate-vote-evidence");
    const res = await result(url, "broadcast_evidence", { evidence: Buffer.from(ev).toString("base64") });
    expect(res.hash).toBe(toHexUpper(sha256(ev)));
    expect(evidence.at(-1)).toStrictEqual(ev);
    expect((await call(url, "broadcast_evidence", {})).error.data).toBe("no evidence was provided");
    expect((await call(url, "broadcast_evidence", { evidence: "AAE=" })).error.data).toBe(
      "failed to add evidence: evidence is too old",
    );
  });
});

describe("unsafe methods", () => {
  it("need the admin token, then dial peers and flush the mempool", async () => {
    const params = { peers: ["id@127.0.0.1:26656"], persistent: true };
    const denied = await call(url, "dial_peers", params);
    expect(denied.error).toMatchObject({ code: -32000 });
    expect(denied.error.data).toContain("unauthorized");
    const wrong = await post(
      url,
      { jsonrpc: "2.0", id: 1, method: "dial_peers", params },
      { Authorization: "Bearer nope" },
    );
    expect(wrong.body.error.data).toContain("unauthorized");
    expect(dialed).toHaveLength(0);

    const auth = { Authorization: `Bearer ${ADMIN}` };
    const ok = await post(url, { jsonrpc: "2.0", id: 1, method: "dial_peers", params }, auth);
    expect(ok.body.result).toStrictEqual({ log: "Dialing peers in progress. See /net_info for details" });
    expect(dialed).toStrictEqual([
      { peers: ["id@127.0.0.1:26656"], opts: { persistent: true, unconditional: false, private: false } },
    ]);
    const none = await post(
      url,
      { jsonrpc: "2.0", id: 1, method: "dial_peers", params: { peers: [] } },
      auth,
    );
    expect(none.body.error.data).toBe("no peers provided");
    const uri = await http(`${url}/dial_peers?peers=["a@127.0.0.1:1","b@127.0.0.1:2"]`, { headers: auth });
    expect(uri.body.result).toBeDefined();
    expect(dialed.at(-1)?.peers).toStrictEqual(["a@127.0.0.1:1", "b@127.0.0.1:2"]);

    expect(
      (await post(url, { jsonrpc: "2.0", id: 2, method: "unsafe_flush_mempool" }, auth)).body.result,
    ).toStrictEqual({});
    expect(flushed).toBe(1);
  });

  it("are not served unless enabled, and cannot be enabled without a strong admin token", async () => {
    const chain = new TestChain();
    const plain = await RpcServer.start({ laddr: "tcp://127.0.0.1:0" }, chain.env(), silentLogger);
    try {
      const res = await post(
        plain.url,
        { jsonrpc: "2.0", id: 1, method: "unsafe_flush_mempool" },
        { Authorization: `Bearer ${ADMIN}` },
      );
      expect(res.body.error).toMatchObject({ code: -32601 });
    } finally {
      await plain.close();
    }
    await expect(
      RpcServer.start(
        { laddr: "tcp://127.0.0.1:0", unsafe: true, adminToken: "short" },
        chain.env(),
        silentLogger,
      ),
    ).rejects.toSatisfy((e) => isDccnError(e, "RPC_BAD_OPTIONS"));
  });
});
