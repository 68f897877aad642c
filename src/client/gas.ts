/**
 * Automatic gas: ask the node what a tx needs instead of guessing.
 *
 * A probe — the same tx with gas limit 1, signed by a throwaway key of the same size — goes to
 * `check_tx`. Admission refuses it before any signature, nonce or balance check (so it never
 * touches the node's check state) and says how much gas the tx needs (tx size × byte gas +
 * base gas + the message's gas). The real tx differs from the probe only in its gas-limit
 * varint, so the limit is raised by the chain's byte gas for each extra byte until it covers
 * itself. A probe refused for its gas price instead learns the node's minimum, which is used
 * when the caller set no price.
 *
 * This reads the DCCN app's CheckTx log texts (src/dccn-app/tx.ts); a test pins them.
 */
import { utf8 } from "../codec/bytes.js";
import { PrivateKey } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import type { AnyMsg } from "../types/tx.js";
import { DccnClientError } from "./errors.js";
import type { RpcClient } from "./rpc-client.js";
import { buildTx } from "./tx-builder.js";

/** "gas limit 1 is below the 12340 gas this tx needs" */
export const NEEDS_GAS_RE = /below the (\d+) gas this tx needs/;
/** "gas price 0 is below this node's minimum of 5 base units per gas" */
export const MIN_GAS_PRICE_RE = /below this node's minimum of (\d+) base units per gas/;

export interface GasQuery {
  readonly chainId: string;
  readonly nonce: number;
  /** Undefined: the node's minimum (0 when it accepts any price). */
  readonly gasPrice?: bigint;
  readonly memo: string;
  readonly msg: AnyMsg;
  /** Multiplies the node's answer (≥ 1), for messages whose execution may cost more than admission shows. */
  readonly adjustment?: number;
}

export interface GasEstimate {
  readonly gasLimit: number;
  readonly gasPrice: bigint;
}

/** Probes are signed by this well-known key; they are built to be refused. */
let probeKey: PrivateKey | undefined;
const probeSigner = (): PrivateKey => {
  probeKey ??= PrivateKey.fromSeed(sha256(utf8("dccn/client/gas-probe")));
  return probeKey;
};

function failed(why: string, meta: Record<string, unknown> = {}): DccnClientError {
  return new DccnClientError(
    "GAS_ESTIMATE_FAILED",
    `cannot estimate gas: ${why} (pass a gas limit, e.g. --gas 200000)`,
    meta,
  );
}

/**
 * The gas limit (and gas price) for a tx. `byteGas` resolves the chain's gas per tx byte
 * (`tx_byte_gas` of `/app/params`); it is only asked when needed.
 */
export async function estimateGas(
  rpc: RpcClient,
  q: GasQuery,
  byteGas: () => Promise<number>,
): Promise<GasEstimate> {
  const adjustment = q.adjustment ?? 1;
  if (!(adjustment >= 1 && adjustment <= 100))
    throw failed(`gas adjustment must be in [1, 100], got ${adjustment}`);
  let gasPrice = q.gasPrice ?? 0n;
  const build = (gasLimit: number): Uint8Array =>
    buildTx(probeSigner(), {
      chainId: q.chainId,
      nonce: q.nonce,
      gasLimit,
      gasPrice,
      memo: q.memo,
      msg: q.msg,
    }).bytes;

  let required: number | undefined;
  let probe = build(1);
  for (let attempt = 0; required === undefined; attempt++) {
    const r = await rpc.checkTx(probe);
    const log = r.log ?? "";
    const needs = NEEDS_GAS_RE.exec(log);
    const minPrice = MIN_GAS_PRICE_RE.exec(log);
    if (r.code === 0) {
      required = Math.max(1, Number(r.gas_used));
    } else if (needs !== null) {
      required = Number(needs[1]);
    } else if (minPrice !== null && q.gasPrice === undefined && attempt === 0) {
      gasPrice = BigInt(minPrice[1]!);
      probe = build(1);
    } else {
      throw new DccnClientError(
        "TX_REJECTED",
        `the node refuses this tx (code ${r.code}${r.codespace ? `, ${r.codespace}` : ""}): ${log}`,
        { code: r.code, log },
      );
    }
  }
  if (!Number.isSafeInteger(required) || required <= 0) throw failed(`the node answered ${required} gas`);

  // The probe's limit took one varint byte; the real limit may take more.
  const perByte = await byteGas();
  if (!Number.isSafeInteger(perByte) || perByte < 0) throw failed(`bad tx_byte_gas ${perByte}`);
  const target = (size: number) => Math.ceil((required + perByte * (size - probe.length)) * adjustment);
  let gasLimit = target(probe.length);
  for (let i = 0; i < 8; i++) {
    const next = target(build(gasLimit).length);
    if (next <= gasLimit) return { gasLimit, gasPrice };
    gasLimit = next;
  }
  throw failed("the gas limit did not settle");
}
