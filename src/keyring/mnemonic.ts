/**
 * Paper backups: the 32-byte seed written as 24 BIP39 English words (256 bits of entropy plus an
 * 8-bit checksum). The words encode the Ed25519 seed itself — there is no HD derivation — so a
 * backup restores exactly this key, and any key (also one imported from hex) has one.
 */
import { entropyToMnemonic, mnemonicToEntropy } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { SEED_SIZE } from "../crypto/ed25519.js";
import { KeyringError } from "./types.js";

export const MNEMONIC_WORDS = 24;

const WORDS = new Set(wordlist);

export function seedToMnemonic(seed: Uint8Array): string {
  if (seed.length !== SEED_SIZE) {
    throw new KeyringError("KEY_SEED_INVALID", `a seed is ${SEED_SIZE} bytes, got ${seed.length}`);
  }
  return entropyToMnemonic(seed, wordlist);
}

/** The seed a 24-word backup encodes; the caller zeroizes it. Throws KEY_MNEMONIC_INVALID. */
export function mnemonicToSeed(mnemonic: string): Uint8Array {
  const words = mnemonic
    .normalize("NFKD")
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== "");
  const invalid = (why: string) =>
    new KeyringError("KEY_MNEMONIC_INVALID", `invalid recovery phrase: ${why}`, { words: words.length });
  if (words.length !== MNEMONIC_WORDS) {
    throw invalid(`expected ${MNEMONIC_WORDS} words, got ${words.length}`);
  }
  const unknown = words.findIndex((w) => !WORDS.has(w));
  if (unknown >= 0) throw invalid(`word ${unknown + 1} is not in the BIP39 English word list`);
  let seed: Uint8Array;
  try {
    seed = mnemonicToEntropy(words.join(" "), wordlist);
  } catch {
    throw invalid("the checksum does not match (a word is wrong or out of order)");
  }
  if (seed.length !== SEED_SIZE) throw invalid(`it encodes ${seed.length} bytes, not ${SEED_SIZE}`);
  return seed;
}
