/** Adapts the node's parts to the narrow view the RPC layer needs. */
import type { Application, CheckTxResult } from "../abci/types.js";
import { toHex } from "../codec/bytes.js";
import type { NodeConfig } from "../config/types.js";
import { sha256 } from "../crypto/hash.js";
import type { EventBus } from "../events/bus.js";
import type { EvidencePool } from "../evidence/pool.js";
import { serializeGenesis } from "../genesis/genesis.js";
import type { GenesisDoc } from "../genesis/types.js";
import type { EventIndexReader } from "../indexer/indexer.js";
import type { Mempool } from "../mempool/mempool.js";
import { parsePeerAddress } from "../p2p/addrs.js";
import type { Signer } from "../privval/signer.js";
import type { RpcDialOptions, RpcEnv, RpcNetInfo } from "../rpc/env.js";
import type { StateStore } from "../state/state-store.js";
import type { BlockStore } from "../store/block-store.js";
import type { ConsensusHost } from "./consensus-host.js";
import type { NodeNetwork } from "./network.js";
import { APP_PROTOCOL, BLOCK_PROTOCOL, P2P_PROTOCOL } from "./version.js";

export interface RpcEnvParts {
  readonly config: NodeConfig;
  readonly genesisJson: GenesisDoc;
  readonly nodeId: string;
  readonly blockStore: BlockStore;
  readonly stateStore: StateStore;
  readonly app: Application & { dryRunCheckTx?(tx: Uint8Array): Promise<CheckTxResult> };
  readonly mempool: Mempool;
  readonly eventBus: EventBus;
  readonly host: ConsensusHost;
  readonly signer: Signer | null;
  readonly version: string;
  readonly indexer: EventIndexReader | null;
  readonly network: NodeNetwork | null;
  readonly evidence: EvidencePool;
}

export function buildRpcEnv(p: RpcEnvParts): RpcEnv {
  const genesisJson = serializeGenesis(p.genesisJson);
  return {
    blockStore: p.blockStore,
    stateStore: p.stateStore,
    chainState: () => p.host.chainState,
    nodeInfo: () => ({
      id: p.nodeId,
      listenAddr: p.config.p2p.laddr,
      network: p.genesisJson.chainId,
      version: p.version,
      moniker: p.config.moniker,
      protocolVersion: { p2p: P2P_PROTOCOL, block: BLOCK_PROTOCOL, app: APP_PROTOCOL },
    }),
    validatorKey: p.signer ? { address: p.signer.address, pubKey: p.signer.publicKey } : null,
    isCatchingUp: () => p.network?.catchingUp ?? false,
    genesisJson,
    mempool: {
      checkTx: async (tx) => {
        const res = await p.mempool.checkTx(tx);
        if (res.code === 0) p.network?.broadcastTx(tx);
        return res;
      },
      size: () => p.mempool.size(),
      sizeBytes: () => p.mempool.sizeBytes(),
      unconfirmedTxs: (limit) => p.mempool.unconfirmedTxs(limit),
    },
    app: {
      info: () => p.app.info(),
      query: (req) => p.app.query(req),
      // check_tx must not reserve the tx's nonce in the mempool's check state.
      checkTx: (tx, mode) => (p.app.dryRunCheckTx ? p.app.dryRunCheckTx(tx) : p.app.checkTx(tx, mode)),
    },
    eventBus: p.eventBus,
    ...(p.indexer === null ? {} : { indexer: p.indexer }),
    consensusState: () => p.host.snapshot(),
    broadcastEvidence: async (bytes) => {
      await p.evidence.add(bytes, p.host.chainState);
      return sha256(bytes);
    },
    netInfo: () => netInfo(p),
    flushMempool: () => p.mempool.flush(),
    ...dialer(p.network),
  };
}

export const nodeIdHex = (id: Uint8Array): string => toHex(id);

function netInfo(p: RpcEnvParts): RpcNetInfo {
  const net = p.network;
  if (net === null) return { listening: false, listeners: [], peers: [] };
  return {
    listening: true,
    listeners: net.host.multiaddrs(),
    peers: net.host.peers().map((peer) => ({
      nodeInfo: {
        id: peer.id,
        listenAddr: peer.remoteAddr,
        network: p.genesisJson.chainId,
        version: "",
        moniker: "",
        protocolVersion: { p2p: P2P_PROTOCOL, block: BLOCK_PROTOCOL, app: APP_PROTOCOL },
      },
      isOutbound: peer.outbound,
      remoteIp: /\/ip[46]\/([^/]+)/.exec(peer.remoteAddr)?.[1] ?? "",
      connectedForMs: peer.openedAtMs === 0 ? 0 : Date.now() - peer.openedAtMs,
    })),
  };
}

function dialer(net: NodeNetwork | null): Pick<RpcEnv, "dialPeers"> {
  if (net === null) return {};
  return {
    dialPeers: async (peers: readonly string[], opts: RpcDialOptions) => {
      // Parse all first so one bad address refuses the whole call.
      for (const peer of peers) parsePeerAddress(peer);
      await Promise.all(peers.map((peer) => net.host.dialAddress(peer, opts.persistent)));
    },
  };
}
