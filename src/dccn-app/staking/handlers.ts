/**
 * What the staking msgs do. Every check runs before the first write, so a refused msg changes
 * nothing (the app also drops a failed msg's layer).
 */
import { equalBytes, toHexUpper } from "../../codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../crypto/address.js";
import { assertPublicKey } from "../../crypto/ed25519.js";
import { credit, debit } from "../bank/accounts.js";
import { AppError } from "../codes.js";
import { type AnyMsgHandler, type MsgContext, msgHandler } from "../module.js";
import { stakingEvent } from "./events.js";
import { STAKING_POOL } from "./keys.js";
import {
  decodeMsgRegisterCandidate,
  decodeMsgStake,
  decodeMsgUnjail,
  decodeMsgUnstake,
  decodeMsgUpdateCandidate,
  decodeMsgWithdrawCandidate,
  MSG_REGISTER_CANDIDATE_TYPE_URL,
  MSG_STAKE_TYPE_URL,
  MSG_UNJAIL_TYPE_URL,
  MSG_UNSTAKE_TYPE_URL,
  MSG_UPDATE_CANDIDATE_TYPE_URL,
  MSG_WITHDRAW_CANDIDATE_TYPE_URL,
  type MsgRegisterCandidate,
  type MsgStake,
  type MsgUnjail,
  type MsgUnstake,
  type MsgUpdateCandidate,
  type MsgWithdrawCandidate,
  verifyPop,
} from "./msgs.js";
import type { Candidate } from "./records.js";
import {
  deleteCandidate,
  getBonded,
  getCandidate,
  getParams,
  getUnbonding,
  operatorOfConsensus,
  setBonded,
  setCandidate,
  setConsensusOwner,
  setUnbonding,
} from "./store.js";

export const STAKE_GAS = 30_000;
export const UNSTAKE_GAS = 30_000;
/** Includes verifying the proof of possession. */
export const REGISTER_CANDIDATE_GAS = 60_000;
export const UPDATE_CANDIDATE_GAS = 20_000;
export const WITHDRAW_CANDIDATE_GAS = 20_000;
export const UNJAIL_GAS = 20_000;

function requireCandidate(ctx: MsgContext): Candidate {
  const c = getCandidate(ctx.store, ctx.sender);
  if (c === undefined) {
    throw new AppError(
      "INVALID_MSG",
      `${toBech32(ctx.sender)} is not a candidate (register with \`dccn tx candidate register\`)`,
    );
  }
  return c;
}

const stake = msgHandler<MsgStake>({
  typeUrl: MSG_STAKE_TYPE_URL,
  defaultGas: STAKE_GAS,
  decode: decodeMsgStake,
  spend: (m) => m.amount,
  deliver(ctx, m) {
    debit(ctx.store, ctx.sender, m.amount);
    credit(ctx.store, STAKING_POOL, m.amount);
    const bonded = getBonded(ctx.store, ctx.sender) + m.amount;
    setBonded(ctx.store, ctx.sender, bonded);
    ctx.events.push(
      stakingEvent("stake", {
        staker: toBech32(ctx.sender),
        amount: m.amount.toString(),
        bonded: bonded.toString(),
      }),
    );
  },
});

const unstake = msgHandler<MsgUnstake>({
  typeUrl: MSG_UNSTAKE_TYPE_URL,
  defaultGas: UNSTAKE_GAS,
  decode: decodeMsgUnstake,
  spend: () => 0n,
  deliver(ctx, m) {
    const bonded = getBonded(ctx.store, ctx.sender);
    if (m.amount > bonded) {
      throw new AppError(
        "INSUFFICIENT_FUNDS",
        `cannot unstake ${m.amount} base units: ${toBech32(ctx.sender)} has ${bonded} bonded`,
        { bonded: bonded.toString(), requested: m.amount.toString() },
      );
    }
    const params = getParams(ctx.store);
    const completion = ctx.height + params.unbondingBlocks;
    const prior = getUnbonding(ctx.store, ctx.sender, completion)?.amount ?? 0n;
    setBonded(ctx.store, ctx.sender, bonded - m.amount);
    setUnbonding(ctx.store, ctx.sender, completion, { amount: prior + m.amount, creationHeight: ctx.height });
    ctx.events.push(
      stakingEvent("unstake", {
        staker: toBech32(ctx.sender),
        amount: m.amount.toString(),
        bonded: (bonded - m.amount).toString(),
        completion_height: String(completion),
      }),
    );
  },
});

const registerCandidate = msgHandler<MsgRegisterCandidate>({
  typeUrl: MSG_REGISTER_CANDIDATE_TYPE_URL,
  defaultGas: REGISTER_CANDIDATE_GAS,
  decode: decodeMsgRegisterCandidate,
  spend: () => 0n,
  deliver(ctx, m) {
    const operator = ctx.sender;
    if (getCandidate(ctx.store, operator) !== undefined) {
      throw new AppError(
        "INVALID_MSG",
        `${toBech32(operator)} is already a candidate; use \`dccn tx candidate update\``,
      );
    }
    try {
      assertPublicKey(m.pubKey);
    } catch {
      throw new AppError("INVALID_MSG", "MsgRegisterCandidate.pub_key is not a valid Ed25519 public key");
    }
    if (!verifyPop(ctx.chainId, operator, m.pubKey, m.pop)) {
      throw new AppError(
        "BAD_SIGNATURE",
        "proof of possession does not verify: the consensus key must sign the staking PoP bytes for this chain id and this operator (is it your key?)",
      );
    }
    const consAddress = addressFromPublicKey(m.pubKey);
    const owner = operatorOfConsensus(ctx.store, consAddress);
    if (owner !== undefined && !equalBytes(owner, operator)) {
      throw new AppError(
        "INVALID_MSG",
        `consensus key ${toHexUpper(consAddress)} is already registered by ${toBech32(owner)}; a key belongs to one operator`,
      );
    }
    if (m.provider !== undefined && !equalBytes(m.provider, operator)) {
      throw new AppError(
        "INVALID_MSG",
        `provider identity ${toBech32(m.provider)} is not the operator's own account ${toBech32(operator)}`,
      );
    }
    const params = getParams(ctx.store);
    setCandidate(ctx.store, operator, {
      consPubKey: m.pubKey,
      moniker: m.moniker,
      ...(m.provider === undefined ? {} : { provider: m.provider }),
      genesisServiceLevelPpm: params.defaultServiceLevelPpm,
      jailed: false,
      jailedUntil: 0,
      registeredHeight: ctx.height,
    });
    setConsensusOwner(ctx.store, consAddress, operator);
    ctx.events.push(
      stakingEvent("candidate_register", {
        operator: toBech32(operator),
        consensus_address: toHexUpper(consAddress),
        moniker: m.moniker,
      }),
    );
  },
});

const updateCandidate = msgHandler<MsgUpdateCandidate>({
  typeUrl: MSG_UPDATE_CANDIDATE_TYPE_URL,
  defaultGas: UPDATE_CANDIDATE_GAS,
  decode: decodeMsgUpdateCandidate,
  spend: () => 0n,
  deliver(ctx, m) {
    const c = requireCandidate(ctx);
    if (m.provider !== undefined && !equalBytes(m.provider, ctx.sender)) {
      throw new AppError(
        "INVALID_MSG",
        `provider identity ${toBech32(m.provider)} is not the operator's own account ${toBech32(ctx.sender)}`,
      );
    }
    const { provider: _old, ...rest } = c;
    const provider = m.clearProvider ? undefined : (m.provider ?? c.provider);
    const next: Candidate = {
      ...rest,
      moniker: m.moniker === "" ? c.moniker : m.moniker,
      ...(provider === undefined ? {} : { provider }),
    };
    setCandidate(ctx.store, ctx.sender, next);
    ctx.events.push(
      stakingEvent("candidate_update", {
        operator: toBech32(ctx.sender),
        moniker: next.moniker,
        provider: next.provider === undefined ? "" : toBech32(next.provider),
      }),
    );
  },
});

const withdrawCandidate = msgHandler<MsgWithdrawCandidate>({
  typeUrl: MSG_WITHDRAW_CANDIDATE_TYPE_URL,
  defaultGas: WITHDRAW_CANDIDATE_GAS,
  decode: decodeMsgWithdrawCandidate,
  spend: () => 0n,
  deliver(ctx) {
    const c = requireCandidate(ctx);
    if (c.jailed) {
      throw new AppError(
        "INVALID_MSG",
        `${toBech32(ctx.sender)} is jailed until height ${c.jailedUntil}; unjail before withdrawing`,
      );
    }
    deleteCandidate(ctx.store, ctx.sender);
    ctx.events.push(stakingEvent("candidate_withdraw", { operator: toBech32(ctx.sender) }));
  },
});

const unjail = msgHandler<MsgUnjail>({
  typeUrl: MSG_UNJAIL_TYPE_URL,
  defaultGas: UNJAIL_GAS,
  decode: decodeMsgUnjail,
  spend: () => 0n,
  deliver(ctx) {
    const c = requireCandidate(ctx);
    if (!c.jailed) throw new AppError("INVALID_MSG", `${toBech32(ctx.sender)} is not jailed`);
    if (ctx.height < c.jailedUntil) {
      throw new AppError(
        "INVALID_MSG",
        `${toBech32(ctx.sender)} is jailed until height ${c.jailedUntil} (this block is ${ctx.height}); unjail then`,
        { jailedUntil: c.jailedUntil },
      );
    }
    setCandidate(ctx.store, ctx.sender, { ...c, jailed: false });
    ctx.events.push(stakingEvent("unjail", { operator: toBech32(ctx.sender) }));
  },
});

export const stakingMsgHandlers: readonly AnyMsgHandler[] = [
  stake,
  unstake,
  registerCandidate,
  updateCandidate,
  withdrawCandidate,
  unjail,
];
