/** Shared inputs for benchmarks that drive the app directly (no consensus). */
import type { Header } from "../src/types/block.js";

/** A header the app accepts for `height`: placeholder hashes, a block every second. */
export function benchHeader(
  chainId: string,
  height: number,
  proposer: Uint8Array = new Uint8Array(20),
): Header {
  const z = new Uint8Array(32);
  return {
    chainId,
    height,
    timeMs: 1_700_000_000_000 + height * 1000,
    lastBlockHash: z,
    lastCommitHash: z,
    dataHash: z,
    validatorsHash: z,
    nextValidatorsHash: z,
    consensusHash: z,
    appHash: z,
    lastResultsHash: z,
    evidenceHash: z,
    proposerAddress: proposer,
  };
}
