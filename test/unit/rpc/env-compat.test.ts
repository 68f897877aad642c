import { describe, expect, it } from "vitest";
import type { EventIndexer } from "../../../src/indexer/indexer.js";
import type { Mempool } from "../../../src/mempool/mempool.js";
import type {
  RpcBlockStore,
  RpcChainState,
  RpcEnv,
  RpcMempool,
  RpcStateStore,
} from "../../../src/rpc/env.js";
import type { StateStore } from "../../../src/state/state-store.js";
import type { ChainState } from "../../../src/state/types.js";
import type { BlockStore } from "../../../src/store/block-store.js";

// Compile-time: the node's real stores, mempool and state fit the RPC env as they are.
const asBlockStore = (s: BlockStore): RpcBlockStore => s;
const asStateStore = (s: StateStore): RpcStateStore => s;
const asMempool = (m: Mempool): RpcMempool => m;
const asChainState = (s: ChainState): RpcChainState => s;

describe("RpcEnv", () => {
  it("accepts the node's stores, mempool and chain state", () => {
    expect([asBlockStore, asStateStore, asMempool, asChainState].every((f) => typeof f === "function")).toBe(
      true,
    );
  });
});

// Compile-time: the indexer is what RpcEnv.indexer reads.
const asIndexReader = (i: EventIndexer): NonNullable<RpcEnv["indexer"]> => i;

describe("RpcEnv.indexer", () => {
  it("accepts the event indexer", () => {
    expect(typeof asIndexReader).toBe("function");
  });
});
