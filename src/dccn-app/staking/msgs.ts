/**
 * Staking msgs (proto/dccn/staking/v1/staking.proto) and the proof of possession of a consensus
 * key. Pure codecs with stateless validation, shared by the app and by clients.
 *
 *   /dccn.staking.v1.MsgStake              {string amount = 1}
 *   /dccn.staking.v1.MsgUnstake            {string amount = 1}
 *   /dccn.staking.v1.MsgRegisterCandidate  {bytes pub_key = 1; bytes pop = 2; string moniker = 3;
 *                                           bytes provider = 4}
 *   /dccn.staking.v1.MsgUpdateCandidate    {string moniker = 1; bytes provider = 2; bool clear_provider = 3}
 *   /dccn.staking.v1.MsgWithdrawCandidate  {}
 *   /dccn.staking.v1.MsgUnjail             {}
 */
import { concatBytes, equalBytes, u64be, utf8 } from "../../codec/bytes.js";
import { CodecError, ProtoReader, ProtoWriter } from "../../codec/proto.js";
import { ADDRESS_SIZE } from "../../crypto/address.js";
import { type PrivateKey, PUBKEY_SIZE, SIGNATURE_SIZE, verifySignature } from "../../crypto/ed25519.js";
import type { AnyMsg } from "../../types/tx.js";
import { AppError } from "../codes.js";

export const MSG_STAKE_TYPE_URL = "/dccn.staking.v1.MsgStake";
export const MSG_UNSTAKE_TYPE_URL = "/dccn.staking.v1.MsgUnstake";
export const MSG_REGISTER_CANDIDATE_TYPE_URL = "/dccn.staking.v1.MsgRegisterCandidate";
export const MSG_UPDATE_CANDIDATE_TYPE_URL = "/dccn.staking.v1.MsgUpdateCandidate";
export const MSG_WITHDRAW_CANDIDATE_TYPE_URL = "/dccn.staking.v1.MsgWithdrawCandidate";
export const MSG_UNJAIL_TYPE_URL = "/dccn.staking.v1.MsgUnjail";

export const MAX_MONIKER_LENGTH = 64;

export interface MsgStake {
  /** Base units, > 0. */
  readonly amount: bigint;
}
export type MsgUnstake = MsgStake;

export interface MsgRegisterCandidate {
  /** Ed25519 consensus public key. */
  readonly pubKey: Uint8Array;
  /** Signature by `pubKey` over `popSignBytes(chainId, sender, pubKey)`. */
  readonly pop: Uint8Array;
  readonly moniker: string;
  /** Provider identity (20 bytes) whose quality of service is the service level. */
  readonly provider?: Uint8Array;
}

export interface MsgUpdateCandidate {
  /** New moniker; "" keeps the current one. */
  readonly moniker: string;
  /** New provider identity; absent keeps the current one. */
  readonly provider?: Uint8Array;
  /** Drops the provider identity (the service level falls back to the operator's credit). */
  readonly clearProvider: boolean;
}

export type MsgWithdrawCandidate = Record<string, never>;
export type MsgUnjail = Record<string, never>;

/**
 * What a consensus key signs to prove it is held by the registering operator: a domain tag that
 * no vote, proposal or tx sign-bytes can start with, the chain id (length-prefixed), the operator
 * address and the key itself. A signature made for one chain or one operator is useless for another.
 */
export function popSignBytes(chainId: string, operator: Uint8Array, pubKey: Uint8Array): Uint8Array {
  const chain = utf8(chainId);
  return concatBytes(
    utf8("dccn/staking/pop/v1"),
    Uint8Array.of(0),
    u64be(chain.length),
    chain,
    operator,
    pubKey,
  );
}

export const signPop = (consensusKey: PrivateKey, chainId: string, operator: Uint8Array): Uint8Array =>
  consensusKey.sign(popSignBytes(chainId, operator, consensusKey.publicKey));

export const verifyPop = (
  chainId: string,
  operator: Uint8Array,
  pubKey: Uint8Array,
  pop: Uint8Array,
): boolean => verifySignature(pubKey, popSignBytes(chainId, operator, pubKey), pop);

// --- codecs --------------------------------------------------------------------------------------

const DECIMAL = /^[1-9][0-9]{0,77}$/;

function read(bytes: Uint8Array, name: string, onField: (r: ProtoReader, f: number) => void): void {
  try {
    const r = new ProtoReader(bytes, name);
    for (let f = r.next(); f !== 0; f = r.next()) onField(r, f);
  } catch (err) {
    if (err instanceof CodecError) throw new AppError("TX_DECODE", `${name}: ${err.message}`);
    throw err;
  }
}

function canonical<M>(name: string, msg: M, encode: (m: M) => Uint8Array, bytes: Uint8Array): M {
  if (!equalBytes(encode(msg), bytes))
    throw new AppError("TX_DECODE", `${name}: bytes are not in canonical encoding`);
  return msg;
}

const hasControlChar = (text: string): boolean =>
  [...text].some((ch) => {
    const code = ch.codePointAt(0)!;
    return code < 0x20 || code === 0x7f;
  });

function checkMoniker(name: string, moniker: string, allowEmpty: boolean): void {
  if (moniker === "" && allowEmpty) return;
  if ([...moniker].length > MAX_MONIKER_LENGTH || moniker.trim() === "" || hasControlChar(moniker)) {
    throw new AppError(
      "INVALID_MSG",
      `${name}.moniker must be 1..${MAX_MONIKER_LENGTH} printable characters, got ${JSON.stringify(moniker)}`,
    );
  }
}

function checkProvider(name: string, provider: Uint8Array | undefined): void {
  if (provider !== undefined && provider.length !== ADDRESS_SIZE) {
    throw new AppError(
      "INVALID_ADDRESS",
      `${name}.provider must be ${ADDRESS_SIZE} address bytes, got ${provider.length}`,
    );
  }
}

function amountCodec(name: string) {
  const encode = (m: MsgStake) => new ProtoWriter().bigint(1, m.amount).finish();
  const decode = (bytes: Uint8Array): MsgStake => {
    let text = "";
    read(bytes, name, (r, f) => {
      if (f === 1) text = r.string();
      else r.unknown();
    });
    if (!DECIMAL.test(text)) {
      throw new AppError(
        "INVALID_AMOUNT",
        `${name}.amount must be a positive decimal number of base units, got ${JSON.stringify(text)}`,
      );
    }
    return canonical(name, { amount: BigInt(text) }, encode, bytes);
  };
  return { encode, decode };
}

const stakeCodec = amountCodec("MsgStake");
const unstakeCodec = amountCodec("MsgUnstake");
export const encodeMsgStake = stakeCodec.encode;
export const decodeMsgStake = stakeCodec.decode;
export const encodeMsgUnstake = unstakeCodec.encode;
export const decodeMsgUnstake = unstakeCodec.decode;

export function encodeMsgRegisterCandidate(m: MsgRegisterCandidate): Uint8Array {
  return new ProtoWriter()
    .bytes(1, m.pubKey)
    .bytes(2, m.pop)
    .string(3, m.moniker)
    .bytes(4, m.provider ?? new Uint8Array(0))
    .finish();
}

export function decodeMsgRegisterCandidate(bytes: Uint8Array): MsgRegisterCandidate {
  const name = "MsgRegisterCandidate";
  let pubKey: Uint8Array = new Uint8Array(0);
  let pop: Uint8Array = new Uint8Array(0);
  let moniker = "";
  let provider: Uint8Array | undefined;
  read(bytes, name, (r, f) => {
    if (f === 1) pubKey = r.bytes();
    else if (f === 2) pop = r.bytes();
    else if (f === 3) moniker = r.string();
    else if (f === 4) provider = r.bytes();
    else r.unknown();
  });
  if (pubKey.length !== PUBKEY_SIZE) {
    throw new AppError(
      "INVALID_MSG",
      `${name}.pub_key must be a ${PUBKEY_SIZE}-byte Ed25519 key, got ${pubKey.length} bytes`,
    );
  }
  if (pop.length !== SIGNATURE_SIZE) {
    throw new AppError(
      "INVALID_MSG",
      `${name}.pop must be a ${SIGNATURE_SIZE}-byte signature, got ${pop.length} bytes`,
    );
  }
  checkMoniker(name, moniker, false);
  checkProvider(name, provider);
  const msg: MsgRegisterCandidate = { pubKey, pop, moniker, ...(provider === undefined ? {} : { provider }) };
  return canonical(name, msg, encodeMsgRegisterCandidate, bytes);
}

export function encodeMsgUpdateCandidate(m: MsgUpdateCandidate): Uint8Array {
  return new ProtoWriter()
    .string(1, m.moniker)
    .bytes(2, m.provider ?? new Uint8Array(0))
    .bool(3, m.clearProvider)
    .finish();
}

export function decodeMsgUpdateCandidate(bytes: Uint8Array): MsgUpdateCandidate {
  const name = "MsgUpdateCandidate";
  let moniker = "";
  let provider: Uint8Array | undefined;
  let clearProvider = false;
  read(bytes, name, (r, f) => {
    if (f === 1) moniker = r.string();
    else if (f === 2) provider = r.bytes();
    else if (f === 3) clearProvider = r.bool();
    else r.unknown();
  });
  checkMoniker(name, moniker, true);
  checkProvider(name, provider);
  if (provider !== undefined && clearProvider) {
    throw new AppError("INVALID_MSG", `${name}: set either provider or clear_provider, not both`);
  }
  if (moniker === "" && provider === undefined && !clearProvider) {
    throw new AppError(
      "INVALID_MSG",
      `${name} changes nothing: give a moniker, a provider or clear_provider`,
    );
  }
  const msg: MsgUpdateCandidate = { moniker, clearProvider, ...(provider === undefined ? {} : { provider }) };
  return canonical(name, msg, encodeMsgUpdateCandidate, bytes);
}

function emptyCodec(name: string) {
  const encode = (_m: Record<string, never>) => new Uint8Array(0);
  const decode = (bytes: Uint8Array): Record<string, never> => {
    read(bytes, name, (r) => r.unknown());
    return {};
  };
  return { encode, decode };
}

const withdrawCodec = emptyCodec("MsgWithdrawCandidate");
const unjailCodec = emptyCodec("MsgUnjail");
export const encodeMsgWithdrawCandidate = withdrawCodec.encode;
export const decodeMsgWithdrawCandidate = withdrawCodec.decode;
export const encodeMsgUnjail = unjailCodec.encode;
export const decodeMsgUnjail = unjailCodec.decode;

// --- AnyMsg builders (for tx bodies) --------------------------------------------------------------

export const msgStakeAny = (m: MsgStake): AnyMsg => ({
  typeUrl: MSG_STAKE_TYPE_URL,
  value: encodeMsgStake(m),
});
export const msgUnstakeAny = (m: MsgUnstake): AnyMsg => ({
  typeUrl: MSG_UNSTAKE_TYPE_URL,
  value: encodeMsgUnstake(m),
});
export const msgRegisterCandidateAny = (m: MsgRegisterCandidate): AnyMsg => ({
  typeUrl: MSG_REGISTER_CANDIDATE_TYPE_URL,
  value: encodeMsgRegisterCandidate(m),
});
export const msgUpdateCandidateAny = (m: MsgUpdateCandidate): AnyMsg => ({
  typeUrl: MSG_UPDATE_CANDIDATE_TYPE_URL,
  value: encodeMsgUpdateCandidate(m),
});
export const msgWithdrawCandidateAny = (): AnyMsg => ({
  typeUrl: MSG_WITHDRAW_CANDIDATE_TYPE_URL,
  value: new Uint8Array(0),
});
export const msgUnjailAny = (): AnyMsg => ({ typeUrl: MSG_UNJAIL_TYPE_URL, value: new Uint8Array(0) });
