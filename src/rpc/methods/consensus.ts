/**
 * consensus_state and dump_consensus_state: the round in progress, in CometBFT's shapes
 * (step numbers, `h/r/s`, vote strings and vote bit arrays are for people; clients read the
 * heights and hashes). Served only when the node provides `consensusState()`.
 */

import type { ValidatorSet } from "../../types/validator.js";
import type { Vote } from "../../types/vote.js";
import type { RpcConsensusState, RpcEnv, RpcRoundStep, RpcRoundVotes } from "../env.js";
import { RpcError } from "../errors.js";
import { hex, int64, renderValidator, rfc3339, ZERO_TIME } from "../format.js";
import type { JsonValue } from "../json.js";
import type { RpcMethod } from "./types.js";

/** CometBFT's RoundStepType numbers. */
const STEP_NUMBER: Record<RpcRoundStep, number> = {
  unstarted: 1, // RoundStepNewHeight
  propose: 3,
  prevote: 4,
  precommit: 6,
  commit: 8,
};

const shortHex = (b: Uint8Array | null): string => (b === null || b.length === 0 ? "" : hex(b).slice(0, 12));

function voteString(v: Vote | null): string {
  if (v === null) return "nil-Vote";
  const type = v.type === 1 ? "SIGNED_MSG_TYPE_PREVOTE(Prevote)" : "SIGNED_MSG_TYPE_PRECOMMIT(Precommit)";
  const round = String(v.round).padStart(2, "0");
  const block = v.blockHash === null ? "nil" : shortHex(v.blockHash);
  return `Vote{${v.validatorIndex}:${shortHex(v.validatorAddress)} ${v.height}/${round}/${type} ${block} ${shortHex(v.signature)} @ ${ZERO_TIME}}`;
}

/** `BA{n:xx_} voted/total = frac` by voting power, as VoteSet.BitArrayString prints it. */
function bitArray(votes: readonly (Vote | null)[], set: ValidatorSet): string {
  const bits = votes.map((v) => (v === null ? "_" : "x")).join("");
  const total = set.validators.reduce((n, v) => n + v.votingPower, 0);
  const voted = votes.reduce((n, v, i) => n + (v === null ? 0 : (set.validators[i]?.votingPower ?? 0)), 0);
  // Display only: never fed back into consensus.
  const frac = total === 0 ? 0 : voted / total;
  return `BA{${votes.length}:${bits}} ${voted}/${total} = ${frac.toFixed(2)}`;
}

function roundVotes(r: RpcRoundVotes, set: ValidatorSet): JsonValue {
  return {
    round: r.round,
    prevotes: r.prevotes.map(voteString),
    prevotes_bit_array: bitArray(r.prevotes, set),
    precommits: r.precommits.map(voteString),
    precommits_bit_array: bitArray(r.precommits, set),
  };
}

async function snapshot(env: RpcEnv): Promise<RpcConsensusState> {
  if (env.consensusState === undefined) {
    throw RpcError.internal("consensus state is not available on this node (it does not run consensus)");
  }
  return env.consensusState();
}

function proposer(s: RpcConsensusState): JsonValue {
  const v = s.validators.validators[s.proposerIndex];
  return { address: v ? hex(v.address) : "", index: s.proposerIndex };
}

export function consensusMethods(env: RpcEnv): Record<string, RpcMethod> {
  return {
    consensus_state: {
      params: [],
      call: async () => {
        const s = await snapshot(env);
        return {
          round_state: {
            "height/round/step": `${s.height}/${s.round}/${STEP_NUMBER[s.step]}`,
            start_time: rfc3339(s.startTimeMs),
            proposal_block_hash: s.proposalBlockHash ? hex(s.proposalBlockHash) : "",
            locked_block_hash: s.lockedBlockHash ? hex(s.lockedBlockHash) : "",
            valid_block_hash: s.validBlockHash ? hex(s.validBlockHash) : "",
            height_vote_set: s.votes.map((r) => roundVotes(r, s.validators)),
            proposer: proposer(s),
          },
        };
      },
    },

    dump_consensus_state: {
      params: [],
      call: async () => {
        const s = await snapshot(env);
        const v = s.validators.validators[s.proposerIndex];
        return {
          round_state: {
            height: int64(s.height),
            round: s.round,
            step: STEP_NUMBER[s.step],
            start_time: rfc3339(s.startTimeMs),
            validators: {
              validators: s.validators.validators.map(renderValidator),
              proposer: v ? renderValidator(v) : null,
            },
            proposal_block_hash: s.proposalBlockHash ? hex(s.proposalBlockHash) : "",
            locked_round: s.lockedRound,
            locked_block_hash: s.lockedBlockHash ? hex(s.lockedBlockHash) : "",
            valid_round: s.validRound,
            valid_block_hash: s.validBlockHash ? hex(s.validBlockHash) : "",
            votes: s.votes.map((r) => roundVotes(r, s.validators)),
            commit_round: s.step === "commit" ? s.round : -1,
          },
          peers: (s.peers ?? []).map((p) => ({
            node_address: p.nodeAddress,
            peer_state: {
              round_state: { height: int64(p.height), round: p.round, step: STEP_NUMBER[p.step] },
            },
          })),
        };
      },
    },
  };
}
