/** Host options from the node configuration (`[p2p]`, `[mempool]`) and the genesis block limit. */
import { join } from "node:path";
import { resolveInHome } from "../config/home.js";
import type { NodeConfig } from "../config/types.js";
import type { P2pHostOptions } from "./host.js";

export interface P2pConfigInputs {
  readonly chainId: string;
  /** Seed of `config/node_key.json` (see config/node-key.ts `loadNodeKey`). */
  readonly nodeKeySeed: Uint8Array;
  /** The chain's `consensusParams.block.maxBytes` (a proposal carries one block). */
  readonly maxBlockBytes: number;
}

/** The peer table lives next to the databases: `<home>/<db_dir>/peers.json`. */
export function peerBookPath(cfg: NodeConfig): string {
  return join(resolveInHome(cfg.home, cfg.dbDir), "peers.json");
}

export function p2pHostOptionsFromConfig(cfg: NodeConfig, inputs: P2pConfigInputs): P2pHostOptions {
  return {
    chainId: inputs.chainId,
    nodeKeySeed: inputs.nodeKeySeed,
    listen: [cfg.p2p.laddr],
    bootstrapPeers: cfg.p2p.bootstrapPeers,
    persistentPeers: cfg.p2p.persistentPeers,
    peerBookPath: peerBookPath(cfg),
    agentVersion: `dccn-node/${cfg.moniker}`,
    gossipLimits: {
      maxTxBytes: cfg.mempool.maxTxBytes,
      maxProposalBytes: inputs.maxBlockBytes + 64 * 1024,
      maxVoteBytes: 1024,
    },
  };
}
