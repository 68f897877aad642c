/**
 * Checks a block received from a peer before it is applied: the body matches the header (data,
 * evidence and last-commit hashes), the header is for this chain and height and names the
 * expected validator set, and the commit carries +2/3 of that set's power signing the header's
 * hash. A block that passes is the canonical block (with fewer than 1/3 Byzantine power), so a
 * failure to apply it afterwards is a local problem, not the peer's.
 */

import { verifyCommit } from "../../abci/commit-verify.js";
import { equalBytes, toHexUpper } from "../../codec/bytes.js";
import { errorMessage } from "../../errors.js";
import {
  type Block,
  type Commit,
  commitHash,
  dataHash,
  evidenceHash,
  headerHash,
} from "../../types/block.js";
import type { ValidatorSet } from "../../types/validator.js";
import { BlockSyncError } from "./errors.js";

export function verifySyncedBlock(
  chainId: string,
  validators: ValidatorSet,
  height: number,
  block: Block,
  commit: Commit,
): void {
  const h = block.header;
  const bad = (why: string): never => {
    throw new BlockSyncError("BLOCKSYNC_INVALID_BLOCK", `block ${height}: ${why}`, { height });
  };
  if (h.chainId !== chainId) bad(`chain id "${h.chainId}" is not "${chainId}"`);
  if (h.height !== height) bad(`header says height ${h.height}`);
  if (!equalBytes(h.validatorsHash, validators.hash())) {
    bad(
      `validators hash ${toHexUpper(h.validatorsHash)} is not the current set's ${toHexUpper(validators.hash())}`,
    );
  }
  if (!equalBytes(h.dataHash, dataHash(block.txs))) bad("txs do not match the header's data hash");
  if (!equalBytes(h.evidenceHash, evidenceHash(block.evidence))) bad("evidence does not match the header");
  if (!equalBytes(h.lastCommitHash, commitHash(block.lastCommit)))
    bad("last commit does not match the header");
  try {
    verifyCommit(chainId, validators, height, headerHash(h), commit);
  } catch (err) {
    throw new BlockSyncError(
      "BLOCKSYNC_INVALID_COMMIT",
      `block ${height}: ${errorMessage(err)}`,
      { height },
      {
        cause: err,
      },
    );
  }
}
