/** health, status, net_info, genesis, abci_info, abci_query. */

import type { Logger } from "../../log.js";
import type { RpcEnv } from "../env.js";
import { RpcError } from "../errors.js";
import {
  hex,
  int64,
  renderInfoResponse,
  renderNodeInfo,
  renderPubKey,
  renderQueryResponse,
  rfc3339,
} from "../format.js";
import { cometGenesisJson } from "../genesis.js";
import { RawJson } from "../json.js";
import { latestUncommittedHeight, storedRange } from "./chain-view.js";
import type { RpcMethod } from "./types.js";

export interface InfoMethodOptions {
  /** Where this server listens, as `tcp://host:port` (shown in status.node_info.other). */
  readonly rpcAddress: () => string;
  readonly logger: Logger;
}

/** CometBFT serves the genesis file in base64 chunks of 16 MiB. */
export const GENESIS_CHUNK_BYTES = 16 * 1024 * 1024;

function genesisChunks(json: string): string[] {
  const bytes = Buffer.from(json, "utf8");
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += GENESIS_CHUNK_BYTES) {
    out.push(bytes.subarray(at, at + GENESIS_CHUNK_BYTES).toString("base64"));
  }
  return out.length === 0 ? [""] : out;
}

export function infoMethods(env: RpcEnv, opts: InfoMethodOptions): Record<string, RpcMethod> {
  let chunks: string[] | undefined;
  let genesisText: string | undefined;
  const genesis = (): string => {
    genesisText ??= cometGenesisJson(env.genesisJson, opts.logger);
    return genesisText;
  };
  return {
    health: { params: [], call: async () => ({}) },

    status: {
      params: [],
      call: async () => {
        const { latest, base } = await storedRange(env);
        const [earliestMeta, latestMeta] = await Promise.all([
          base > 0 ? env.blockStore.loadBlockMeta(base) : null,
          latest > 0 ? env.blockStore.loadBlockMeta(latest) : null,
        ]);
        const key = env.validatorKey;
        let votingPower = 0;
        if (key !== null) {
          // The power this validator will have next, not the one it had in the last block.
          const vals = await Promise.resolve(
            env.stateStore.loadValidators(latestUncommittedHeight(env, latest)),
          ).catch(() => null);
          votingPower = vals?.getByAddress(key.address)?.votingPower ?? 0;
        }
        return {
          node_info: renderNodeInfo(env.nodeInfo(), opts.rpcAddress(), env.indexer !== undefined),
          sync_info: {
            latest_block_hash: latestMeta ? hex(latestMeta.blockHash) : "",
            latest_app_hash: latestMeta ? hex(latestMeta.header.appHash) : "",
            latest_block_height: int64(latest),
            latest_block_time: rfc3339(latestMeta ? latestMeta.header.timeMs : 0),
            earliest_block_hash: earliestMeta ? hex(earliestMeta.blockHash) : "",
            earliest_app_hash: earliestMeta ? hex(earliestMeta.header.appHash) : "",
            earliest_block_height: int64(earliestMeta ? earliestMeta.header.height : 0),
            earliest_block_time: rfc3339(earliestMeta ? earliestMeta.header.timeMs : 0),
            catching_up: env.isCatchingUp(),
          },
          validator_info: {
            address: key ? hex(key.address) : "",
            pub_key: key ? renderPubKey(key.pubKey) : null,
            voting_power: int64(votingPower),
          },
        };
      },
    },

    net_info: {
      params: [],
      call: async () => {
        const info = env.netInfo
          ? await env.netInfo()
          : { listening: true, listeners: [`Listener(@${env.nodeInfo().listenAddr})`], peers: [] };
        return {
          listening: info.listening,
          listeners: [...info.listeners],
          n_peers: int64(info.peers.length),
          peers: info.peers.map((p) => ({
            node_info: renderNodeInfo(p.nodeInfo, ""),
            is_outbound: p.isOutbound,
            connection_status: { Duration: (BigInt(Math.max(0, p.connectedForMs)) * 1_000_000n).toString() },
            remote_ip: p.remoteIp,
          })),
        };
      },
    },

    genesis: { params: [], call: async () => ({ genesis: new RawJson(genesis()) }) },

    genesis_chunked: {
      params: [{ name: "chunk", kind: "int" }],
      call: async (args) => {
        chunks ??= genesisChunks(genesis());
        const id = args.int("chunk") ?? 0;
        if (id < 0 || id > chunks.length - 1) {
          throw RpcError.internal(`there are ${chunks.length - 1} chunks, ${id} is invalid`);
        }
        return { chunk: int64(id), total: int64(chunks.length), data: chunks[id] ?? "" };
      },
    },

    abci_info: {
      params: [],
      call: async () => ({ response: renderInfoResponse(await env.app.info()) }),
    },

    abci_query: {
      params: [
        { name: "path", kind: "string" },
        { name: "data", kind: "hex" },
        { name: "height", kind: "int" },
        { name: "prove", kind: "bool" },
      ],
      call: async (args) => {
        const height = args.int("height") ?? 0;
        if (height < 0) throw RpcError.internal(`height must be non-negative, but got ${height}`);
        const res = await env.app.query({
          path: args.string("path") ?? "",
          data: args.bytes("data") ?? new Uint8Array(0),
          height,
          prove: args.bool("prove") ?? false,
        });
        return { response: renderQueryResponse(res) };
      },
    },
  };
}
