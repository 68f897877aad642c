/** What consensus agrees on: a block, identified by its hash (the paper's id(v)). */
import { toHex } from "../codec/bytes.js";
import { type Block, blockHash } from "../types/block.js";

/** Anything the state machine can decide on; values are equal when their ids are equal. */
export interface ConsensusValue {
  readonly id: string;
}

export interface BlockValue extends ConsensusValue {
  readonly hash: Uint8Array;
  readonly block: Block;
}

/** Hashes the block once; `id` is the lower-case hex of that hash (a cheap Map key). */
export function blockValue(block: Block): BlockValue {
  const hash = blockHash(block);
  return { id: toHex(hash), hash, block };
}
