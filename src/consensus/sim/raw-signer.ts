/**
 * An unguarded signer: signs whatever it is asked to, with no last-sign state. Byzantine
 * validators in the simulator use it, and so can a test-only "double-sign" node.
 * Never for a real validator: the privval Signer is what keeps a node from equivocating.
 */
import { addressFromPublicKey } from "../../crypto/address.js";
import type { PrivateKey } from "../../crypto/ed25519.js";
import type { ProposalToSign, VoteToSign } from "../../privval/signer.js";
import { blockHash } from "../../types/block.js";
import { type Proposal, proposalSignBytes, type Vote, voteSignBytes } from "../../types/vote.js";
import type { ConsensusSigner } from "../testkit/node.js";

export class RawSigner implements ConsensusSigner {
  readonly address: Uint8Array;

  constructor(
    private readonly key: PrivateKey,
    readonly chainId: string,
  ) {
    this.address = addressFromPublicKey(key.publicKey);
  }

  vote(fields: VoteToSign): Vote {
    return {
      type: fields.type,
      height: fields.height,
      round: fields.round,
      blockHash: fields.blockHash,
      validatorAddress: this.address,
      validatorIndex: fields.validatorIndex,
      signature: this.key.sign(voteSignBytes(this.chainId, fields)),
    };
  }

  proposal(fields: ProposalToSign): Proposal {
    const signBytes = proposalSignBytes(this.chainId, {
      height: fields.height,
      round: fields.round,
      polRound: fields.polRound,
      blockHash: blockHash(fields.block),
    });
    return { ...fields, signature: this.key.sign(signBytes) };
  }

  async signVote(fields: VoteToSign): Promise<Vote> {
    return this.vote(fields);
  }

  async signProposal(fields: ProposalToSign): Promise<Proposal> {
    return this.proposal(fields);
  }
}
