/** Deterministic keys, validator sets and blocks for tests and simulations. */
import { utf8 } from "../../codec/bytes.js";
import { addressFromPublicKey } from "../../crypto/address.js";
import { PrivateKey } from "../../crypto/ed25519.js";
import { sha256 } from "../../crypto/hash.js";
import { type Block, type Commit, commitHash, dataHash, evidenceHash } from "../../types/block.js";
import { ValidatorSet } from "../../types/validator.js";

/** Derived keys by seed label (keys are immutable; simulations create networks by the thousand). */
const keyCache = new Map<string, PrivateKey>();

/** n real Ed25519 keys from fixed seeds: the same on every run. */
export function testKeys(n: number, tag = "dccn-testkit"): PrivateKey[] {
  return Array.from({ length: n }, (_, i) => {
    const label = `${tag}/${i}`;
    let key = keyCache.get(label);
    if (key === undefined) {
      key = PrivateKey.fromSeed(sha256(utf8(label)));
      if (keyCache.size < 4096) keyCache.set(label, key);
    }
    return key;
  });
}

export function testValidatorSet(keys: readonly PrivateKey[], powers: readonly number[]): ValidatorSet {
  return new ValidatorSet(
    keys.map((k, i) => ({
      address: addressFromPublicKey(k.publicKey),
      pubKey: k.publicKey,
      votingPower: powers[i] ?? 1,
    })),
  );
}

export interface TestBlockSpec {
  readonly chainId: string;
  readonly height: number;
  readonly proposer: Uint8Array;
  readonly prevBlockHash: Uint8Array;
  readonly validators: ValidatorSet;
  readonly timeMs?: number;
  readonly txs?: readonly Uint8Array[];
  readonly lastCommit?: Commit | null;
}

/** A structurally complete block; the app-specific hashes are fixed placeholders. */
export function makeTestBlock(spec: TestBlockSpec): Block {
  const txs = spec.txs ?? [];
  const lastCommit = spec.lastCommit ?? null;
  const zero = new Uint8Array(32);
  return {
    header: {
      chainId: spec.chainId,
      height: spec.height,
      timeMs: spec.timeMs ?? spec.height,
      lastBlockHash: spec.prevBlockHash,
      lastCommitHash: commitHash(lastCommit),
      dataHash: dataHash(txs),
      validatorsHash: spec.validators.hash(),
      nextValidatorsHash: spec.validators.hash(),
      consensusHash: zero,
      appHash: zero,
      lastResultsHash: zero,
      evidenceHash: evidenceHash([]),
      proposerAddress: spec.proposer,
    },
    txs,
    evidence: [],
    lastCommit,
  };
}
