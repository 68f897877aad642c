/**
 * Addresses are the first 20 bytes of SHA-256(public key) (DESIGN.md). Accounts are shown as
 * bech32 with the `ankr` prefix, as Cosmos wallets expect; validator addresses as upper-case hex,
 * as CometBFT shows them.
 */
import { bech32 } from "@scure/base";
import { bytesKey, fromHex, toHexUpper } from "../codec/bytes.js";
import { DccnError } from "../errors.js";
import { sha256 } from "./hash.js";

export type AddressErrorCode = "ADDRESS_INVALID";

export const ADDRESS_SIZE = 20;
export const ACCOUNT_PREFIX = "ankr";

export function addressFromPublicKey(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).slice(0, ADDRESS_SIZE);
}

/** A deterministic address for a module account (fee collector, escrow, ...). */
export function moduleAddress(name: string): Uint8Array {
  return sha256(new TextEncoder().encode(`module:${name}`)).slice(0, ADDRESS_SIZE);
}

/**
 * Recent account bech32 strings: every tx's events name its sender three or four times, and the
 * bech32 checksum costs more than a map lookup. Cleared when full (a bound, not an LRU).
 */
const bech32Cache = new Map<string, string>();
const BECH32_CACHE_MAX = 8192;

export function toBech32(address: Uint8Array, prefix = ACCOUNT_PREFIX): string {
  if (prefix !== ACCOUNT_PREFIX) return bech32.encode(prefix, bech32.toWords(address));
  const key = bytesKey(address);
  let text = bech32Cache.get(key);
  if (text === undefined) {
    text = bech32.encode(prefix, bech32.toWords(address));
    if (bech32Cache.size >= BECH32_CACHE_MAX) bech32Cache.clear();
    bech32Cache.set(key, text);
  }
  return text;
}

/** Parses `ankr1…` or 40 hex characters into the 20 address bytes. */
export function parseAddress(text: string, prefix = ACCOUNT_PREFIX): Uint8Array {
  const invalid = (why: string) =>
    new DccnError<AddressErrorCode>("ADDRESS_INVALID", `invalid address ${JSON.stringify(text)}: ${why}`);
  let bytes: Uint8Array;
  if (/^(0x)?[0-9a-fA-F]{40}$/.test(text)) {
    bytes = fromHex(text);
  } else {
    let decoded: { prefix: string; words: number[] };
    try {
      decoded = bech32.decode(text as `${string}1${string}`);
    } catch (err) {
      throw invalid(err instanceof Error ? err.message : "bad bech32");
    }
    if (decoded.prefix !== prefix) throw invalid(`prefix must be "${prefix}"`);
    bytes = Uint8Array.from(bech32.fromWords(decoded.words));
  }
  if (bytes.length !== ADDRESS_SIZE) throw invalid(`must be ${ADDRESS_SIZE} bytes`);
  return bytes;
}

export const validatorAddressHex = (address: Uint8Array): string => toHexUpper(address);
