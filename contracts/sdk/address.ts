// 20-byte account and contract addresses (first 20 bytes of SHA-256 of a public key, or derived
// by the chain for contracts), shown as bech32 `ankr1…`.
import { bech32Decode, bech32Encode } from "./bech32";
import { bytesEqual } from "./bytes";

export const ADDRESS_BYTES = 20;
export const ADDRESS_PREFIX = "ankr";

export class Address {
  constructor(public bytes: Uint8Array) {
    if (bytes.length != ADDRESS_BYTES) throw new Error("an address is 20 bytes");
  }

  static zero(): Address {
    return new Address(new Uint8Array(ADDRESS_BYTES));
  }

  /** Parses `ankr1…`; aborts on anything else. */
  static parse(text: string): Address {
    const bytes = bech32Decode(ADDRESS_PREFIX, text);
    if (bytes == null || bytes.length != ADDRESS_BYTES) throw new Error("invalid address: " + text);
    return new Address(bytes);
  }

  equals(other: Address): bool {
    return bytesEqual(this.bytes, other.bytes);
  }

  toString(): string {
    return bech32Encode(ADDRESS_PREFIX, this.bytes);
  }
}
