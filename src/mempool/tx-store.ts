/**
 * Book-keeping of the txs the mempool holds: `pending` txs passed CheckTx and may be reaped;
 * `parked` txs wait for a missing earlier nonce of their sender. Both count against the
 * global limits. No app calls and no policy here — just indexes that stay consistent.
 */

/** Where a tx sits in its sender's sequence (known when the app reported sender and nonce). */
export interface TxOrder {
  readonly sender: Uint8Array;
  readonly senderKey: string;
  readonly nonce: number;
}

export interface MempoolEntry {
  readonly tx: Uint8Array;
  readonly hash: Uint8Array;
  /** Lower-case hex of `hash`, the key of every index. */
  readonly key: string;
  readonly size: number;
  /** From the latest CheckTx; recheck may refresh it. */
  gasWanted: number;
  readonly order: TxOrder | undefined;
  /** Arrival order (pending) or parking order (parked); strictly increasing across both. */
  readonly seq: number;
  /** The mempool height when the tx entered its current state. */
  readonly height: number;
}

export type NewEntry = Omit<MempoolEntry, "seq">;

export class TxStore {
  // Maps iterate in insertion order; entries are only ever appended with a fresh seq, so
  // iterating `pending` is iterating in arrival order.
  private readonly pending = new Map<string, MempoolEntry>();
  private readonly parked = new Map<string, MempoolEntry>();
  /** Per sender, ascending nonce. */
  private readonly pendingBySender = new Map<string, MempoolEntry[]>();
  private readonly parkedBySender = new Map<string, MempoolEntry[]>();
  private pendingBytesTotal = 0;
  private parkedBytesTotal = 0;
  private nextSeq = 0;

  get pendingCount(): number {
    return this.pending.size;
  }
  get parkedCount(): number {
    return this.parked.size;
  }
  get count(): number {
    return this.pending.size + this.parked.size;
  }
  get pendingBytes(): number {
    return this.pendingBytesTotal;
  }
  get bytes(): number {
    return this.pendingBytesTotal + this.parkedBytesTotal;
  }

  has(key: string): boolean {
    return this.pending.has(key) || this.parked.has(key);
  }
  get(key: string): MempoolEntry | undefined {
    return this.pending.get(key) ?? this.parked.get(key);
  }
  isPending(key: string): boolean {
    return this.pending.has(key);
  }

  addPending(fields: NewEntry): MempoolEntry {
    const entry = this.stamp(fields);
    this.pending.set(entry.key, entry);
    this.pendingBytesTotal += entry.size;
    if (entry.order) insertByNonce(this.pendingBySender, entry.order.senderKey, entry);
    return entry;
  }

  /** Parks a tx; it must carry an order (sender + nonce). */
  addParked(fields: NewEntry & { readonly order: TxOrder }): MempoolEntry {
    const entry = this.stamp(fields);
    this.parked.set(entry.key, entry);
    this.parkedBytesTotal += entry.size;
    insertByNonce(this.parkedBySender, fields.order.senderKey, entry);
    return entry;
  }

  /** Removes a tx from whichever state holds it. */
  remove(key: string): MempoolEntry | undefined {
    const pending = this.pending.get(key);
    if (pending) {
      this.pending.delete(key);
      this.pendingBytesTotal -= pending.size;
      if (pending.order) removeFromSender(this.pendingBySender, pending.order.senderKey, pending);
      return pending;
    }
    const parked = this.parked.get(key);
    if (parked) {
      this.parked.delete(key);
      this.parkedBytesTotal -= parked.size;
      if (parked.order) removeFromSender(this.parkedBySender, parked.order.senderKey, parked);
      return parked;
    }
    return undefined;
  }

  /** The sender's parked txs, ascending nonce. */
  parkedOf(senderKey: string): readonly MempoolEntry[] {
    return this.parkedBySender.get(senderKey) ?? [];
  }

  parkedAt(senderKey: string, nonce: number): MempoolEntry | undefined {
    return this.parkedOf(senderKey).find((e) => e.order?.nonce === nonce);
  }

  /** Senders with parked txs, in the order they first parked one. */
  parkedSenders(): string[] {
    return [...this.parkedBySender.keys()];
  }

  /** Parked txs in parking order. */
  parkedInOrder(): MempoolEntry[] {
    return [...this.parked.values()];
  }

  /**
   * Pending txs in arrival order, except that a sender's txs always come in ascending nonce:
   * a tx that arrived before an earlier nonce of its sender moves to just after it.
   */
  reapOrder(): MempoolEntry[] {
    // An entry's effective position is the latest arrival among itself and its sender's
    // earlier nonces; usually that is its own seq and the arrival order stands as is.
    const effective = new Map<MempoolEntry, number>();
    for (const list of this.pendingBySender.values()) {
      let latest = -1;
      for (const e of list) {
        if (e.seq < latest) effective.set(e, latest);
        else latest = e.seq;
      }
    }
    const all = [...this.pending.values()];
    if (effective.size === 0) return all;
    const pos = (e: MempoolEntry): number => effective.get(e) ?? e.seq;
    // Equal positions only occur within one sender's chain, where nonce decides.
    return all.sort((a, b) => pos(a) - pos(b) || (a.order?.nonce ?? 0) - (b.order?.nonce ?? 0));
  }

  /**
   * The parked tx to give up first when an executable tx needs room: the highest nonce of the
   * sender parking the most (so one spammer pays before everyone else, and no chain gets a hole).
   */
  evictionCandidate(): MempoolEntry | undefined {
    let worst: MempoolEntry[] | undefined;
    for (const list of this.parkedBySender.values()) {
      if (worst === undefined || list.length > worst.length) worst = list;
    }
    return worst?.[worst.length - 1];
  }

  clear(): void {
    this.pending.clear();
    this.parked.clear();
    this.pendingBySender.clear();
    this.parkedBySender.clear();
    this.pendingBytesTotal = 0;
    this.parkedBytesTotal = 0;
  }

  private stamp(f: NewEntry): MempoolEntry {
    // Spelled out rather than spread: one object of one shape for every entry.
    return {
      tx: f.tx,
      hash: f.hash,
      key: f.key,
      size: f.size,
      gasWanted: f.gasWanted,
      order: f.order,
      seq: this.nextSeq++,
      height: f.height,
    };
  }
}

function insertByNonce(index: Map<string, MempoolEntry[]>, senderKey: string, entry: MempoolEntry): void {
  const nonce = entry.order?.nonce ?? 0;
  let list = index.get(senderKey);
  if (list === undefined) {
    list = [];
    index.set(senderKey, list);
  }
  // Nonces mostly arrive in order, so scan from the end.
  let at = list.length;
  while (at > 0 && (list[at - 1]?.order?.nonce ?? 0) > nonce) at--;
  if (at === list.length) list.push(entry);
  else list.splice(at, 0, entry);
}

function removeFromSender(index: Map<string, MempoolEntry[]>, senderKey: string, entry: MempoolEntry): void {
  const list = index.get(senderKey);
  if (list === undefined) return;
  // Txs mostly leave in nonce order (committed), i.e. from the front.
  if (list[0] === entry) list.shift();
  else {
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
  }
  if (list.length === 0) index.delete(senderKey);
}
