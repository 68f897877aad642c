/**
 * The tx event keys of one block, grouped: each distinct (tag, value) becomes one key of the
 * block's height whose value lists every (tx index, event seq) it occurred at (keys.ts). A
 * block of transfers repeats most attributes, so this turns ~9 keys per tx into a few.
 *
 * Keys are first built in a scratch buffer to be looked up; only the first occurrence of each
 * is copied into the batch's arena.
 */
import { bytesKey, Scratch } from "../codec/bytes.js";
import type { ByteArena } from "./arena.js";
import type { IndexedAttribute } from "./event-scan.js";
import { encodePostings, scannedTxEventKey } from "./keys.js";

interface Group {
  readonly key: Uint8Array;
  /** (index, seq) pairs in the order added: ascending, since txs are added in block order. */
  readonly flat: number[];
}

export class TxEventGroups {
  private readonly groups = new Map<string, Group>();
  private readonly scratch = new Scratch();

  constructor(
    private readonly arena: ByteArena,
    private readonly height: number,
  ) {}

  /** Records that tx `index` has attribute `a` (in its event `a.seq`). */
  add(a: IndexedAttribute, index: number): void {
    const probe = scannedTxEventKey(this.scratch, a, this.height);
    const id = bytesKey(probe);
    const group = this.groups.get(id);
    if (group !== undefined) {
      group.flat.push(index, a.seq);
      return;
    }
    const key = this.arena.alloc(probe.length);
    key.set(probe);
    this.groups.set(id, { key, flat: [index, a.seq] });
  }

  /** The grouped keys, each once. */
  *keys(): Generator<Uint8Array> {
    for (const g of this.groups.values()) yield g.key;
  }

  /** Each grouped key with its encoded posting list. */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const g of this.groups.values()) yield [g.key, encodePostings(g.flat, this.arena)];
  }
}
