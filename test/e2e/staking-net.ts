/** Shared by the staking-* end-to-end tests: staking genesis params and staking queries over RPC. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromBase64, fromHex, fromUtf8 } from "../../src/codec/bytes.js";
import { toBech32 } from "../../src/crypto/address.js";
import type { CandidateJson, ValidatorJson } from "../../src/dccn-app/staking/index.js";
import { rpc } from "./harness.js";
import type { TestNet } from "./net-cluster.js";

/** Sets `app_state.staking.params` in every home's genesis (identically; before any node starts). */
export function setStakingParams(net: TestNet, params: Record<string, unknown>): void {
  for (const n of net.nodes) {
    const file = join(n.home, "config", "genesis.json");
    const doc = JSON.parse(readFileSync(file, "utf8")) as { app_state: Record<string, unknown> };
    doc.app_state.staking = { params };
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  }
}

/** A `/staking/…` query's JSON at the latest height. */
export async function stakingQuery<T>(url: string, path: string): Promise<T> {
  const r = await rpc<{ response: { code: number; log: string; value: string | null } }>(url, "abci_query", {
    path,
  });
  if (r.response.code !== 0) throw new Error(`${path}: ${r.response.log}`);
  return JSON.parse(fromUtf8(fromBase64(r.response.value ?? ""))) as T;
}

export const candidateOf = (url: string, operator: string) =>
  stakingQuery<CandidateJson>(url, `/staking/candidate/${operator}`);

export const appValidators = (url: string) => stakingQuery<ValidatorJson[]>(url, "/staking/validators");

/** The operator of a validator bootstrapped from genesis: its own consensus address, as bech32. */
export const bootstrapOperator = (validatorAddressHex: string): string =>
  toBech32(fromHex(validatorAddressHex));

/** Upper-case hex consensus address from a home's priv_validator_key.json. */
export function consensusAddressOf(home: string): string {
  const doc = JSON.parse(readFileSync(join(home, "config", "priv_validator_key.json"), "utf8")) as {
    address: string;
  };
  return doc.address.toUpperCase();
}

/** Addresses (upper-case hex) and powers of CometBFT's `validators` at `height`. */
export async function consensusSet(url: string, height: number): Promise<Map<string, number>> {
  const r = await rpc<{ validators: { address: string; voting_power: string }[] }>(url, "validators", {
    height: String(height),
    per_page: "100",
  });
  return new Map(r.validators.map((v) => [v.address.toUpperCase(), Number(v.voting_power)]));
}
