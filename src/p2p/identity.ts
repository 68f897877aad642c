/**
 * The node's libp2p identity comes from the persisted node key (`config/node_key.json`, an
 * Ed25519 seed): the same key, so the peer id is stable across restarts and `dccn testnet` can
 * compute every node's peer id when it writes the peer lists.
 */

import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import type { Ed25519PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { concatBytes, zeroize } from "../codec/bytes.js";
import { PrivateKey, SEED_SIZE } from "../crypto/ed25519.js";
import { P2pError } from "./errors.js";

/** The libp2p private key for an Ed25519 seed (libp2p's raw form is seed ‖ public key). */
export function libp2pKeyFromSeed(seed: Uint8Array): Ed25519PrivateKey {
  if (seed.length !== SEED_SIZE) {
    throw new P2pError(
      "P2P_BAD_NODE_KEY",
      `the node key seed must be ${SEED_SIZE} bytes, got ${seed.length}`,
    );
  }
  const raw = concatBytes(seed, PrivateKey.fromSeed(seed).publicKey);
  try {
    const key = privateKeyFromRaw(raw);
    if (key.type !== "Ed25519") throw new P2pError("P2P_BAD_NODE_KEY", "the node key is not an Ed25519 key");
    return key;
  } finally {
    zeroize(raw);
  }
}

/** The libp2p peer id (`12D3KooW…`) of the node whose node key has this seed. */
export function peerIdFromSeed(seed: Uint8Array): string {
  return peerIdFromPrivateKey(libp2pKeyFromSeed(seed)).toString();
}
