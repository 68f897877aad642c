/** block, block_by_hash, blockchain, header, header_by_hash, commit, block_results, validators, consensus_params. */
import { headerHash } from "../../types/block.js";
import type { RpcBlockMeta, RpcEnv } from "../env.js";
import { RpcError } from "../errors.js";
import {
  int64,
  renderBlock,
  renderBlockId,
  renderBlockMeta,
  renderBlockResults,
  renderCommit,
  renderConsensusParams,
  renderHeader,
  renderValidator,
} from "../format.js";
import type { JsonValue } from "../json.js";
import type { ParamSpec } from "../params.js";
import { headerVersion, latestUncommittedHeight, storedRange } from "./chain-view.js";
import { filterMinMax, resolveHeight, resolvePage, resolvePerPage } from "./heights.js";
import type { RpcMethod } from "./types.js";

const HEIGHT: readonly ParamSpec[] = [{ name: "height", kind: "int" }];
/** blockchain returns at most this many block metas (CometBFT's limit). */
const BLOCKCHAIN_LIMIT = 20;

export function blockMethods(env: RpcEnv): Record<string, RpcMethod> {
  const loadMeta = async (height: number): Promise<RpcBlockMeta | null> =>
    height > 0 ? ((await env.blockStore.loadBlockMeta(height)) ?? null) : null;

  const renderBlockResult = (block: Parameters<typeof renderBlock>[0] | null | undefined): JsonValue =>
    block
      ? { block_id: renderBlockId(headerHash(block.header)), block: renderBlock(block, headerVersion(env)) }
      : { block_id: renderBlockId(null), block: null };

  return {
    block: {
      params: HEIGHT,
      call: async (args) => {
        const { latest, base } = await storedRange(env);
        const height = resolveHeight(args.int("height"), latest, base);
        return renderBlockResult(height > 0 ? await env.blockStore.loadBlock(height) : null);
      },
    },

    block_by_hash: {
      params: [{ name: "hash", kind: "bytes" }],
      call: async (args) => {
        const hash = args.bytes("hash");
        return renderBlockResult(hash ? await env.blockStore.loadBlockByHash(hash) : null);
      },
    },

    blockchain: {
      params: [
        { name: "minHeight", kind: "int" },
        { name: "maxHeight", kind: "int" },
      ],
      call: async (args) => {
        const { latest, base } = await storedRange(env);
        const { min, max } = filterMinMax(
          base,
          latest,
          args.int("minHeight") ?? 0,
          args.int("maxHeight") ?? 0,
          BLOCKCHAIN_LIMIT,
        );
        const heights: number[] = [];
        for (let h = max; h >= min; h--) heights.push(h);
        const metas = await Promise.all(heights.map(loadMeta));
        const version = headerVersion(env);
        return {
          last_height: int64(latest),
          block_metas: metas.filter((m) => m !== null).map((m) => renderBlockMeta(m, version)),
        };
      },
    },

    header: {
      params: HEIGHT,
      call: async (args) => {
        const { latest, base } = await storedRange(env);
        const meta = await loadMeta(resolveHeight(args.int("height"), latest, base));
        return { header: meta ? renderHeader(meta.header, headerVersion(env)) : null };
      },
    },

    header_by_hash: {
      params: [{ name: "hash", kind: "hex" }],
      call: async (args) => {
        const hash = args.bytes("hash");
        const block = hash ? await env.blockStore.loadBlockByHash(hash) : null;
        return { header: block ? renderHeader(block.header, headerVersion(env)) : null };
      },
    },

    commit: {
      params: HEIGHT,
      call: async (args) => {
        const { latest, base } = await storedRange(env);
        const height = resolveHeight(args.int("height"), latest, base);
        const meta = await loadMeta(height);
        if (meta === null) return null;
        // The latest block's commit is only the one this node saw; the canonical one arrives
        // with the next block.
        const canonical = height !== latest;
        const commit = canonical
          ? await env.blockStore.loadCommit(height)
          : await env.blockStore.loadSeenCommit(height);
        return {
          signed_header: {
            header: renderHeader(meta.header, headerVersion(env)),
            commit: commit ? renderCommit(commit) : null,
          },
          canonical,
        };
      },
    },

    block_results: {
      params: HEIGHT,
      call: async (args) => {
        const { latest, base } = await storedRange(env);
        const height = resolveHeight(args.int("height"), latest, base);
        const results = height > 0 ? await env.stateStore.loadAbciResponses(height) : null;
        if (!results) throw RpcError.internal(`could not find results for height #${height}`);
        // The app hash after this block is in the next header, or the state for the latest block.
        const state = await env.chainState();
        const appHash =
          height === state.lastBlockHeight
            ? state.appHash
            : ((await loadMeta(height + 1))?.header.appHash ?? null);
        return renderBlockResults(height, results, appHash);
      },
    },

    validators: {
      params: [
        { name: "height", kind: "int" },
        { name: "page", kind: "int" },
        { name: "per_page", kind: "int" },
      ],
      call: async (args) => {
        const { latest, base } = await storedRange(env);
        const height = resolveHeight(args.int("height"), latestUncommittedHeight(env, latest), base);
        const set = await env.stateStore.loadValidators(height);
        if (!set) throw RpcError.internal(`could not find validator set for height #${height}`);
        const total = set.validators.length;
        const perPage = resolvePerPage(args.int("per_page"));
        const page = resolvePage(args.int("page"), perPage, total);
        const skip = (page - 1) * perPage;
        const shown = set.validators.slice(skip, skip + perPage);
        return {
          block_height: int64(height),
          validators: shown.map(renderValidator),
          count: int64(shown.length),
          total: int64(total),
        };
      },
    },

    consensus_params: {
      params: HEIGHT,
      call: async (args) => {
        const { latest, base } = await storedRange(env);
        const height = resolveHeight(args.int("height"), latestUncommittedHeight(env, latest), base);
        const params = await env.stateStore.loadConsensusParams(height);
        if (!params) throw RpcError.internal(`could not find consensus params for height #${height}`);
        return { block_height: int64(height), consensus_params: renderConsensusParams(params) };
      },
    },
  };
}
