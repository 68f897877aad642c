/** tx_search and block_search over the event index, with CometBFT's paging and ordering. */
import { toBase64 } from "../../codec/bytes.js";
import { isDccnError } from "../../errors.js";
import type { IndexedTx } from "../../indexer/codec.js";
import type { EventIndexReader } from "../../indexer/indexer.js";
import { parseQuery, type Query } from "../../indexer/query.js";
import { headerHash } from "../../types/block.js";
import type { RpcEnv } from "../env.js";
import { RpcError } from "../errors.js";
import { hex, int64, renderBlock, renderBlockId, renderTxProof, renderTxResult } from "../format.js";
import type { JsonValue } from "../json.js";
import type { ParamSpec } from "../params.js";
import { headerVersion } from "./chain-view.js";
import { resolvePage, resolvePerPage } from "./heights.js";
import type { RpcMethod } from "./types.js";

/** Longest search query accepted (CometBFT's maxQueryLength). */
export const MAX_QUERY_LENGTH = 512;

/** Parses a query parameter; syntax errors come back as CometBFT reports them. */
export function queryParam(text: string | undefined): Query {
  if (text === undefined || text.trim() === "") {
    throw RpcError.invalidParams("query is required, e.g. \"tm.event = 'Tx' AND tx.height = 5\"");
  }
  try {
    return parseQuery(text, MAX_QUERY_LENGTH);
  } catch (err) {
    if (isDccnError(err, "QUERY_TOO_LONG")) throw RpcError.internal("maximum query length exceeded");
    if (isDccnError(err)) throw RpcError.internal(`failed to parse query: ${err.message}`);
    throw err;
  }
}

function orderParam(text: string | undefined, fallback: "asc" | "desc"): "asc" | "desc" {
  if (text === undefined || text === "") return fallback;
  if (text === "asc" || text === "desc") return text;
  throw RpcError.internal("expected order_by to be either `asc` or `desc` or empty");
}

/** One page of `items` (already in the requested order). */
function page<T>(items: readonly T[], pageArg: number | undefined, perPageArg: number | undefined): T[] {
  const perPage = resolvePerPage(perPageArg);
  const p = resolvePage(pageArg, perPage, items.length);
  const skip = (p - 1) * perPage;
  return items.slice(skip, skip + perPage);
}

export function renderIndexedTx(t: IndexedTx, proof: JsonValue | undefined): JsonValue {
  return {
    hash: hex(t.hash),
    height: int64(t.height),
    index: t.index,
    tx_result: renderTxResult(t.result),
    tx: toBase64(t.tx),
    proof,
  };
}

export function requireIndexer(env: RpcEnv, what: "transaction" | "block"): EventIndexReader {
  if (env.indexer === undefined) throw RpcError.internal(`${what} indexing is disabled`);
  return env.indexer;
}

const PAGING: readonly ParamSpec[] = [
  { name: "page", kind: "int" },
  { name: "per_page", kind: "int" },
  { name: "order_by", kind: "string" },
];

export function searchMethods(env: RpcEnv): Record<string, RpcMethod> {
  return {
    tx_search: {
      params: [{ name: "query", kind: "string" }, { name: "prove", kind: "bool" }, ...PAGING],
      call: async (args, ctx) => {
        const indexer = requireIndexer(env, "transaction");
        const query = queryParam(args.string("query"));
        const order = orderParam(args.string("order_by"), "asc");
        await indexer.idle();
        const refs = await indexer.searchTxs(query, ctx.signal);
        if (order === "desc") refs.reverse();
        const shown = page(refs, args.int("page"), args.int("per_page"));
        const prove = args.bool("prove") ?? false;
        const txs: JsonValue[] = [];
        for (const ref of shown) {
          const t = await indexer.loadTx(ref);
          if (t === undefined) continue; // pruned between the search and this read
          let proof: JsonValue | undefined;
          if (prove) {
            const block = await env.blockStore.loadBlock(t.height);
            if (block) proof = renderTxProof(block.txs, t.index, block.header.dataHash);
          }
          txs.push(renderIndexedTx(t, proof));
        }
        return { txs, total_count: int64(refs.length) };
      },
    },

    block_search: {
      params: [{ name: "query", kind: "string" }, ...PAGING],
      call: async (args, ctx) => {
        const indexer = requireIndexer(env, "block");
        const query = queryParam(args.string("query"));
        const order = orderParam(args.string("order_by"), "desc");
        await indexer.idle();
        const heights = await indexer.searchBlocks(query, ctx.signal);
        if (order === "desc") heights.reverse();
        const shown = page(heights, args.int("page"), args.int("per_page"));
        const version = headerVersion(env);
        const blocks: JsonValue[] = [];
        for (const h of shown) {
          const block = await env.blockStore.loadBlock(h);
          if (!block) continue; // pruned from the block store
          blocks.push({
            block_id: renderBlockId(headerHash(block.header)),
            block: renderBlock(block, version),
          });
        }
        return { blocks, total_count: int64(heights.length) };
      },
    },
  };
}
