// Unsigned 128-bit integers for ANKR amounts (18 decimals: u64 is not enough). Arithmetic is
// checked: overflow, underflow and division by zero abort the call.

const MASK32: u64 = 0xffffffff;

export class U128 {
  constructor(
    public lo: u64 = 0,
    public hi: u64 = 0,
  ) {}

  static zero(): U128 {
    return new U128(0, 0);
  }

  static fromU64(value: u64): U128 {
    return new U128(value, 0);
  }

  /** Parses a non-negative decimal integer; aborts on anything else or on overflow. */
  static fromString(text: string): U128 {
    const n = text.length;
    if (n == 0 || n > 39) throw new Error("invalid amount: " + text);
    // The first 19 digits always fit in u64; only longer numbers need 128-bit steps.
    let lo: u64 = 0;
    const head = n < 19 ? n : 19;
    for (let i = 0; i < head; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) throw new Error("invalid amount: " + text);
      lo = lo * 10 + <u64>(c - 48);
    }
    let r = U128.fromU64(lo);
    for (let i = head; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) throw new Error("invalid amount: " + text);
      r = r.mulU64(10).add(U128.fromU64(<u64>(c - 48)));
    }
    return r;
  }

  /** 16 bytes little-endian (the host ABI encoding). */
  static fromBytes(bytes: Uint8Array): U128 {
    if (bytes.length != 16) throw new Error("U128 needs 16 bytes");
    return new U128(load<u64>(bytes.dataStart), load<u64>(bytes.dataStart + 8));
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(16);
    store<u64>(out.dataStart, this.lo);
    store<u64>(out.dataStart + 8, this.hi);
    return out;
  }

  isZero(): bool {
    return this.lo == 0 && this.hi == 0;
  }

  cmp(other: U128): i32 {
    if (this.hi != other.hi) return this.hi < other.hi ? -1 : 1;
    if (this.lo != other.lo) return this.lo < other.lo ? -1 : 1;
    return 0;
  }

  eq(other: U128): bool {
    return this.cmp(other) == 0;
  }

  lt(other: U128): bool {
    return this.cmp(other) < 0;
  }

  le(other: U128): bool {
    return this.cmp(other) <= 0;
  }

  gt(other: U128): bool {
    return this.cmp(other) > 0;
  }

  ge(other: U128): bool {
    return this.cmp(other) >= 0;
  }

  add(other: U128): U128 {
    const lo = this.lo + other.lo;
    const carry: u64 = lo < this.lo ? 1 : 0;
    const hi1 = this.hi + other.hi;
    if (hi1 < this.hi) throw new Error("amount overflow");
    const hi = hi1 + carry;
    if (hi < hi1) throw new Error("amount overflow");
    return new U128(lo, hi);
  }

  sub(other: U128): U128 {
    if (this.lt(other)) throw new Error("amount underflow");
    const borrow: u64 = this.lo < other.lo ? 1 : 0;
    return new U128(this.lo - other.lo, this.hi - other.hi - borrow);
  }

  /** this × m; aborts on overflow. */
  mulU64(m: u64): U128 {
    // 32-bit limbs: a = a3:a2:a1:a0, m = m1:m0; 32×32 products fit in u64.
    const a0 = this.lo & MASK32;
    const a1 = this.lo >> 32;
    const a2 = this.hi & MASK32;
    const a3 = this.hi >> 32;
    const m0 = m & MASK32;
    const m1 = m >> 32;
    let t = a0 * m0;
    const r0 = t & MASK32;
    t = (t >> 32) + a1 * m0;
    let u = (t & MASK32) + a0 * m1;
    const r1 = u & MASK32;
    let carry = (t >> 32) + (u >> 32);
    t = carry + a2 * m0;
    u = (t & MASK32) + a1 * m1;
    const r2 = u & MASK32;
    carry = (t >> 32) + (u >> 32);
    t = carry + a3 * m0;
    u = (t & MASK32) + a2 * m1;
    const r3 = u & MASK32;
    carry = (t >> 32) + (u >> 32);
    if (carry != 0 || (a3 != 0 && m1 != 0)) throw new Error("amount overflow");
    return new U128((r1 << 32) | r0, (r3 << 32) | r2);
  }

  /** this ÷ d (rounded down); aborts on d = 0. */
  divU32(d: u32): U128 {
    if (d == 0) throw new Error("division by zero");
    // Long division over 32-bit limbs: every partial dividend (rem << 32 | limb) fits in u64.
    const dd = <u64>d;
    let cur = this.hi >> 32;
    const q3 = cur / dd;
    cur = ((cur % dd) << 32) | (this.hi & MASK32);
    const q2 = cur / dd;
    cur = ((cur % dd) << 32) | (this.lo >> 32);
    const q1 = cur / dd;
    cur = ((cur % dd) << 32) | (this.lo & MASK32);
    const q0 = cur / dd;
    return new U128((q1 << 32) | q0, (q3 << 32) | q2);
  }

  /** this mod d; aborts on d = 0. */
  modU32(d: u32): u32 {
    if (d == 0) throw new Error("division by zero");
    const dd = <u64>d;
    let rem = (this.hi >> 32) % dd;
    rem = ((rem << 32) | (this.hi & MASK32)) % dd;
    rem = ((rem << 32) | (this.lo >> 32)) % dd;
    rem = ((rem << 32) | (this.lo & MASK32)) % dd;
    return <u32>rem;
  }

  toString(): string {
    if (this.hi == 0) return this.lo.toString();
    // Peel off base-10^9 chunks (at most 5 for 39 digits), least significant first.
    const BASE: u32 = 1000000000;
    let v: U128 = this;
    let out = "";
    while (v.hi != 0) {
      let chunk = v.modU32(BASE).toString();
      while (chunk.length < 9) chunk = "0" + chunk;
      out = chunk + out;
      v = v.divU32(BASE);
    }
    return v.lo.toString() + out;
  }
}
