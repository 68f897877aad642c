/**
 * Decoded forms of state values. Stored values are never modified (see `KvReader.get`), so a
 * decoded form stays valid as long as its bytes live: an account read through the msg layer,
 * the block working set, the check state and the committed cache is decoded once, and an
 * account just written is never decoded at all.
 *
 * Bytes this process encoded carry their value (`encode`), which costs nothing to look up; bytes
 * read from disk are remembered in a WeakMap on first decode. (Remembering every write in the
 * WeakMap cost ~0.35 µs per write plus an ephemeron for the GC to trace, several per tx.)
 *
 * Every reader of those bytes gets the same object, so decoded forms must be immutable.
 */

/**
 * Encoded bytes and the value they encode (a private field: to everything else, these are just
 * the bytes). Slices and copies are plain Uint8Arrays.
 */
class Carrier<T> extends Uint8Array {
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  readonly #value: T;

  constructor(bytes: Uint8Array, value: T) {
    super(bytes.length);
    this.set(bytes);
    this.#value = value;
  }

  get value(): T {
    return this.#value;
  }
}

export class DecodedValues<T> {
  private readonly byBytes = new WeakMap<Uint8Array, T>();

  constructor(
    private readonly decodeBytes: (bytes: Uint8Array) => T,
    private readonly encodeValue: (value: T) => Uint8Array,
  ) {}

  /** The decoded form of `bytes`, decoding (strictly) on first use. */
  of(bytes: Uint8Array): T {
    if (bytes instanceof Carrier) return bytes.value as T;
    let value = this.byBytes.get(bytes);
    if (value === undefined) {
      value = this.decodeBytes(bytes);
      this.byBytes.set(bytes, value);
    }
    return value;
  }

  /** The canonical encoding of `value`, carrying `value` itself for `of`. */
  encode(value: T): Uint8Array {
    return new Carrier(this.encodeValue(value), value);
  }
}
