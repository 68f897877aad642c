/**
 * Client-side verification of `/account` query answers against a header's app hash.
 * No database import: usable by wallets and light clients.
 *
 * Accepts the in-process QueryResponse (bytes) or CometBFT's JSON `abci_query` response
 * (base64 strings, proofOps as `{ops:[…]}`).
 */
import { equalBytes, fromBase64, fromUtf8 } from "../codec/bytes.js";
import { ADDRESS_SIZE, toBech32 } from "../crypto/address.js";
import { DccnError } from "../errors.js";
import { SMT_PROOF_TYPE, verifyProof } from "../store/smt/proof.js";
import { type Account, accountKey, encodeAccount } from "./bank/account.js";

export type ProofCheckCode = "PROOF_INVALID";

type Bytes = Uint8Array | string;

interface ProofOpLike {
  readonly type: string;
  readonly key: Bytes;
  readonly data: Bytes;
}

export interface AccountQueryResponseLike {
  readonly value: Bytes | null;
  readonly proofOps?: readonly ProofOpLike[] | { readonly ops: readonly ProofOpLike[] } | null;
}

export interface VerifiedAccount extends Account {
  readonly address: string;
}

const fail = (why: string) =>
  new DccnError<ProofCheckCode>("PROOF_INVALID", `account proof rejected: ${why}`);
const bytesOf = (b: Bytes | null): Uint8Array =>
  b === null ? new Uint8Array(0) : typeof b === "string" ? fromBase64(b) : b;

/**
 * Checks that `response` (an `/account` query made with `prove=true` at height H) shows the
 * account's balance and nonce under `appHash` (the app hash of header H+1). Returns the
 * verified account; throws PROOF_INVALID otherwise.
 */
export function verifyAccountProof(
  appHash: Uint8Array,
  address: Uint8Array,
  response: AccountQueryResponseLike,
): VerifiedAccount {
  if (address.length !== ADDRESS_SIZE) throw fail(`an address is ${ADDRESS_SIZE} bytes`);
  const ops =
    response.proofOps === undefined || response.proofOps === null
      ? []
      : "ops" in response.proofOps
        ? response.proofOps.ops
        : response.proofOps;
  const op = ops.find((o) => o.type === SMT_PROOF_TYPE);
  if (op === undefined) throw fail(`the response carries no ${SMT_PROOF_TYPE} proof (query with prove=true)`);
  const key = accountKey(address);
  if (!equalBytes(bytesOf(op.key), key)) throw fail("the proof is for another state key");

  let doc: { address?: unknown; balance?: unknown; nonce?: unknown };
  try {
    doc = JSON.parse(fromUtf8(bytesOf(response.value))) as typeof doc;
  } catch {
    throw fail("the response value is not account JSON");
  }
  if (doc.address !== toBech32(address)) throw fail("the response is for another address");
  if (typeof doc.balance !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(doc.balance))
    throw fail("bad balance");
  if (typeof doc.nonce !== "number" || !Number.isSafeInteger(doc.nonce) || doc.nonce < 0)
    throw fail("bad nonce");
  const account: Account = { balance: BigInt(doc.balance), nonce: doc.nonce };

  const proof = bytesOf(op.data);
  const member = verifyProof(appHash, key, encodeAccount(account), proof);
  // An account the chain never stored reads as zero; then the proof must show it absent.
  const absent =
    !member && account.balance === 0n && account.nonce === 0 && verifyProof(appHash, key, null, proof);
  if (!member && !absent) throw fail("the proof does not match the app hash");
  return { address: doc.address, ...account };
}
