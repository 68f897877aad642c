/**
 * Decoded forms of state values, remembered by the bytes object they were decoded from (or
 * encoded to). Stored values are never modified (see `KvReader.get`), so a decoded form stays
 * valid as long as its bytes live, and a WeakMap lets it go with them: an account read through
 * the msg layer, the block working set, the check state and the committed cache is decoded once,
 * and an account just written is never decoded at all.
 *
 * Every reader of those bytes gets the same object, so decoded forms must be immutable.
 */
export class DecodedValues<T> {
  private readonly byBytes = new WeakMap<Uint8Array, T>();

  constructor(private readonly decode: (bytes: Uint8Array) => T) {}

  /** The decoded form of `bytes`, decoding (strictly) on first use. */
  of(bytes: Uint8Array): T {
    let value = this.byBytes.get(bytes);
    if (value === undefined) {
      value = this.decode(bytes);
      this.byBytes.set(bytes, value);
    }
    return value;
  }

  /** Records `value` as the decoded form of `bytes`, which must be its canonical encoding. */
  remember(bytes: Uint8Array, value: T): void {
    this.byBytes.set(bytes, value);
  }
}
