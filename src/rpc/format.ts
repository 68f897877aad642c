/**
 * CometBFT v0.38 JSON shapes of the domain types.
 *
 * Encoding rules CometBFT follows (libs/json, and gogoproto jsonpb for ABCI results):
 *  - 64-bit integers are decimal strings, 32-bit ones (round, code, index, parts.total,
 *    block_id_flag) are numbers;
 *  - hashes, addresses and HexBytes are upper-case hex, other bytes are base64;
 *  - times are RFC3339 with nanoseconds and trailing zeros trimmed, in UTC;
 *  - ABCI results (CheckTx, ExecTxResult, Query) emit every field: empty bytes as null,
 *    empty lists as [].
 *
 * Our blocks are not split into parts; a block id's part-set header is rendered as one part
 * identified by the block hash, so `block_id` is the same wherever a block is referenced.
 */
import type {
  AbciEvent,
  CheckTxResult,
  EndBlockResponse,
  ExecTxResult,
  InfoResponse,
  QueryResponse,
  ValidatorUpdate,
} from "../abci/types.js";
import { toBase64, toHexUpper } from "../codec/bytes.js";
import { merkleProof } from "../crypto/merkle.js";
import type { Block, Commit, CommitSig, Header } from "../types/block.js";
import type { ConsensusParams } from "../types/params.js";
import { txHash } from "../types/tx.js";
import type { Validator } from "../types/validator.js";
import type { RpcBlockMeta, RpcNodeInfo } from "./env.js";
import type { JsonValue } from "./json.js";

type JsonObject = { readonly [key: string]: JsonValue | undefined };

/** Go's zero time, which CometBFT prints for absent timestamps. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";
export const PUBKEY_TYPE_ED25519 = "tendermint/PubKeyEd25519";
const PROTO_PUBKEY_TYPE_ED25519 = "tendermint.crypto.PublicKey_Ed25519";

/** The header's `version` (CometBFT's block and app protocol versions). */
export interface HeaderVersion {
  readonly block: number;
  readonly app: number;
}

export const int64 = (n: number): string => String(n);
export const hex = (bytes: Uint8Array): string => toHexUpper(bytes);
/** base64, or null for empty bytes (Go's nil []byte). */
export const base64OrNull = (bytes: Uint8Array): string | null =>
  bytes.length === 0 ? null : toBase64(bytes);

/** RFC3339 with up to nanosecond precision, trailing zeros trimmed, as Go's time.RFC3339Nano. */
export function rfc3339(unixMs: number): string {
  const iso = new Date(unixMs).toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ
  const fraction = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 19)}${fraction === "" ? "" : `.${fraction}`}Z`;
}

export function renderBlockId(blockHash: Uint8Array | null): JsonObject {
  if (blockHash === null || blockHash.length === 0) {
    return { hash: "", parts: { total: 0, hash: "" } };
  }
  const h = hex(blockHash);
  return { hash: h, parts: { total: 1, hash: h } };
}

export function renderHeader(h: Header, version: HeaderVersion): JsonObject {
  return {
    version: { block: int64(version.block), app: int64(version.app) },
    chain_id: h.chainId,
    height: int64(h.height),
    time: rfc3339(h.timeMs),
    last_block_id: renderBlockId(h.lastBlockHash),
    last_commit_hash: hex(h.lastCommitHash),
    data_hash: hex(h.dataHash),
    validators_hash: hex(h.validatorsHash),
    next_validators_hash: hex(h.nextValidatorsHash),
    consensus_hash: hex(h.consensusHash),
    app_hash: hex(h.appHash),
    last_results_hash: hex(h.lastResultsHash),
    evidence_hash: hex(h.evidenceHash),
    proposer_address: hex(h.proposerAddress),
  };
}

function renderCommitSig(s: CommitSig): JsonObject {
  return {
    block_id_flag: s.flag,
    validator_address: hex(s.validatorAddress),
    // Votes carry no timestamp on this chain (block time is the proposer's), so Go's zero time.
    timestamp: ZERO_TIME,
    signature: base64OrNull(s.signature),
  };
}

/** A commit; null renders CometBFT's empty commit (the initial height has no last commit). */
export function renderCommit(c: Commit | null): JsonObject {
  if (c === null) {
    return { height: "0", round: 0, block_id: renderBlockId(null), signatures: [] };
  }
  return {
    height: int64(c.height),
    round: c.round,
    block_id: renderBlockId(c.blockHash),
    signatures: c.signatures.map(renderCommitSig),
  };
}

export function renderBlock(b: Block, version: HeaderVersion): JsonObject {
  return {
    header: renderHeader(b.header, version),
    data: { txs: b.txs.map(toBase64) },
    // Evidence is opaque on the wire here; each item is its encoded bytes.
    evidence: { evidence: b.evidence.map(toBase64) },
    last_commit: renderCommit(b.lastCommit),
  };
}

export function renderBlockMeta(m: RpcBlockMeta, version: HeaderVersion): JsonObject {
  return {
    block_id: renderBlockId(m.blockHash),
    block_size: int64(m.blockSize),
    header: renderHeader(m.header, version),
    num_txs: int64(m.numTxs),
  };
}

export function renderPubKey(pubKey: Uint8Array): JsonObject {
  return { type: PUBKEY_TYPE_ED25519, value: toBase64(pubKey) };
}

export function renderValidator(v: Validator): JsonObject {
  return {
    address: hex(v.address),
    pub_key: renderPubKey(v.pubKey),
    voting_power: int64(v.votingPower),
    // Proposers are drawn by weighted lottery (SLSBFT), not by rotating priorities.
    proposer_priority: "0",
  };
}

/** Events inside an ABCI result (jsonpb: every field present). */
export function renderAbciEvents(events: readonly AbciEvent[]): JsonValue[] {
  return events.map((e) => ({
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
  }));
}

/** ExecTxResult / ResponseCheckTx (identical JSON in v0.38). */
export function renderTxResult(r: ExecTxResult | CheckTxResult): JsonObject {
  return {
    code: r.code,
    data: base64OrNull(r.data),
    log: r.log,
    info: r.info,
    gas_wanted: int64(r.gasWanted),
    gas_used: int64(r.gasUsed),
    events: renderAbciEvents(r.events),
    codespace: r.codespace,
  };
}

export const EMPTY_TX_RESULT: ExecTxResult = {
  code: 0,
  codespace: "",
  log: "",
  info: "",
  data: new Uint8Array(0),
  gasWanted: 0,
  gasUsed: 0,
  events: [],
};

export function renderQueryResponse(r: QueryResponse): JsonObject {
  return {
    code: r.code,
    log: r.log,
    info: r.info,
    index: int64(r.index),
    key: base64OrNull(r.key),
    value: base64OrNull(r.value),
    proofOps:
      r.proofOps === null
        ? null
        : {
            ops: r.proofOps.map((op) => ({ type: op.type, key: toBase64(op.key), data: toBase64(op.data) })),
          },
    height: int64(r.height),
    codespace: r.codespace,
  };
}

/** ResponseInfo is plain JSON with `omitempty`: zero values are left out. */
export function renderInfoResponse(r: InfoResponse): JsonObject {
  return {
    data: r.data === "" ? undefined : r.data,
    version: r.version === "" ? undefined : r.version,
    app_version: r.appVersion === 0 ? undefined : int64(r.appVersion),
    last_block_height: r.lastBlockHeight === 0 ? undefined : int64(r.lastBlockHeight),
    last_block_app_hash: r.lastBlockAppHash.length === 0 ? undefined : toBase64(r.lastBlockAppHash),
  };
}

/**
 * types.ConsensusParams. This chain ages evidence by blocks only, so max_age_duration is 0;
 * validators use Ed25519; vote extensions are not used.
 */
export function renderConsensusParams(p: ConsensusParams): JsonObject {
  return {
    block: { max_bytes: int64(p.block.maxBytes), max_gas: int64(p.block.maxGas) },
    evidence: {
      max_age_num_blocks: int64(p.evidence.maxAgeBlocks),
      max_age_duration: "0",
      max_bytes: int64(p.evidence.maxBytes),
    },
    validator: { pub_key_types: ["ed25519"] },
    version: { app: "0" },
    abci: { vote_extensions_enable_height: "0" },
  };
}

/** The protobuf ConsensusParams of an EndBlock update (unset sections are left out). */
export function renderConsensusParamUpdates(p: ConsensusParams): JsonObject {
  return {
    block: { max_bytes: int64(p.block.maxBytes), max_gas: int64(p.block.maxGas) },
    evidence: {
      max_age_num_blocks: int64(p.evidence.maxAgeBlocks),
      max_age_duration: "0",
      max_bytes: int64(p.evidence.maxBytes),
    },
  };
}

/** abci.ValidatorUpdate: the protobuf PublicKey oneof is printed as `Sum`, power omitted when 0. */
export function renderValidatorUpdate(u: ValidatorUpdate): JsonObject {
  return {
    pub_key: { Sum: { type: PROTO_PUBKEY_TYPE_ED25519, value: { ed25519: toBase64(u.pubKey) } } },
    power: u.power === 0 ? undefined : int64(u.power),
  };
}

/** Block-level events are plain JSON with `omitempty` on the event (attributes stay jsonpb). */
function renderBlockEvent(e: AbciEvent): JsonObject {
  return {
    type: e.type === "" ? undefined : e.type,
    attributes:
      e.attributes.length === 0
        ? undefined
        : e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
  };
}

/** Go prints a nil slice as null; results loaded from the store have nil for empty lists. */
const listOrNull = <T>(items: readonly T[], render: (item: T) => JsonValue): JsonValue =>
  items.length === 0 ? null : items.map(render);

export function renderBlockResults(
  height: number,
  r: {
    readonly beginBlock: { readonly events: readonly AbciEvent[] };
    readonly txResults: readonly ExecTxResult[];
    readonly endBlock: EndBlockResponse;
  },
  appHash: Uint8Array | null,
): JsonObject {
  return {
    height: int64(height),
    txs_results: listOrNull(r.txResults, renderTxResult),
    // v0.38 has one FinalizeBlock; our BeginBlock and EndBlock events together are its events.
    finalize_block_events: listOrNull([...r.beginBlock.events, ...r.endBlock.events], renderBlockEvent),
    validator_updates: listOrNull(r.endBlock.validatorUpdates, renderValidatorUpdate),
    consensus_param_updates:
      r.endBlock.consensusParamUpdates === undefined
        ? null
        : renderConsensusParamUpdates(r.endBlock.consensusParamUpdates),
    app_hash: appHash === null ? null : base64OrNull(appHash),
  };
}

/**
 * types.TxProof of tx `index` against the block's data hash: as in CometBFT, the tree's items are
 * the txs' hashes, so the proof's leaf is H(0x00 ‖ sha256(tx)).
 */
export function renderTxProof(txs: readonly Uint8Array[], index: number, dataHash: Uint8Array): JsonObject {
  const proof = merkleProof(txs.map(txHash), index);
  const tx = txs[index] ?? new Uint8Array(0);
  return {
    root_hash: hex(dataHash),
    data: toBase64(tx),
    proof: {
      total: int64(proof.total),
      index: int64(proof.index),
      leaf_hash: toBase64(proof.leafHash),
      // CometBFT omits an empty list; cosmjs requires the array, so it is always present.
      aunts: proof.aunts.map(toBase64),
    },
  };
}

export function renderNodeInfo(info: RpcNodeInfo, rpcAddress: string, txIndex = true): JsonObject {
  return {
    protocol_version: {
      p2p: int64(info.protocolVersion.p2p),
      block: int64(info.protocolVersion.block),
      app: int64(info.protocolVersion.app),
    },
    id: info.id,
    listen_addr: info.listenAddr,
    network: info.network,
    version: info.version,
    channels: info.channels ?? "",
    moniker: info.moniker,
    other: { tx_index: txIndex ? "on" : "off", rpc_address: rpcAddress },
  };
}
