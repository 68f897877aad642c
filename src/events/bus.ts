/**
 * In-process event bus for what the chain publishes (new blocks, txs). The RPC layer's
 * broadcast_tx_commit and websocket subscriptions listen here; consensus never does.
 */
import { EventEmitter } from "node:events";
import type { AbciEvent, BeginBlockResponse, EndBlockResponse, ExecTxResult } from "../abci/types.js";
import type { Block } from "../types/block.js";

export interface NewBlockEvent {
  readonly block: Block;
  readonly blockHash: Uint8Array;
  readonly blockSize: number;
  readonly beginBlock: BeginBlockResponse;
  readonly endBlock: EndBlockResponse;
  readonly txResults: readonly ExecTxResult[];
  /** SHA-256 of each tx, index-aligned with block.txs, so subscribers need not hash again. */
  readonly txHashes?: readonly Uint8Array[];
  /**
   * The ABCI responses as the state store saved them (`encodeAbciResponses`), so a subscriber
   * that needs them as bytes (the event indexer's worker) need not encode them again. Shared:
   * copy before transferring or mutating.
   */
  readonly encodedResponses?: Uint8Array;
}

export interface TxEvent {
  readonly height: number;
  readonly index: number;
  readonly tx: Uint8Array;
  readonly hash: Uint8Array;
  readonly result: ExecTxResult;
}

export interface ChainEvents {
  NewBlock: [NewBlockEvent];
  Tx: [TxEvent];
}

/** Flattens events into CometBFT's `type.key -> [values]` form used by queries. */
export function flattenEvents(events: readonly AbciEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    for (const a of e.attributes) {
      const k = `${e.type}.${a.key}`;
      const list = out.get(k);
      if (list) list.push(a.value);
      else out.set(k, [a.value]);
    }
  }
  return out;
}

export class EventBus extends EventEmitter<ChainEvents> {
  constructor() {
    super();
    // Many RPC waiters (broadcast_tx_commit) may listen at once.
    this.setMaxListeners(0);
  }
}
