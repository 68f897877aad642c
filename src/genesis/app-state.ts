/**
 * The DCCN part of genesis `app_state`: `{"accounts":[{"address":"ankr1…","balance":"<base units>"}]}`.
 * Other top-level keys belong to the application and are left alone here.
 */

import { toHex } from "../codec/bytes.js";
import { parseAddress, toBech32 } from "../crypto/address.js";
import { invalidField } from "./errors.js";

export interface GenesisAccount {
  readonly address: Uint8Array;
  /** Base units (1 ANKR = 10^18). */
  readonly balance: bigint;
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

/** Reads and validates `accounts` from app_state JSON text (absent → no accounts). */
export function parseGenesisAccounts(appStateJson: string): GenesisAccount[] {
  let state: unknown;
  try {
    state = JSON.parse(appStateJson);
  } catch {
    throw invalidField("app_state", "must be valid JSON");
  }
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw invalidField("app_state", "must be a JSON object");
  }
  const accounts = (state as { accounts?: unknown }).accounts;
  if (accounts === undefined) return [];
  if (!Array.isArray(accounts)) throw invalidField("app_state.accounts", "must be an array");
  const seen = new Set<string>();
  return accounts.map((a: unknown, i) => {
    const field = `app_state.accounts[${i}]`;
    if (typeof a !== "object" || a === null || Array.isArray(a))
      throw invalidField(field, "must be an object");
    const { address, balance, ...rest } = a as { address?: unknown; balance?: unknown };
    const extra = Object.keys(rest)[0];
    if (extra !== undefined)
      throw invalidField(`${field}.${extra}`, "is not a known field (expected address, balance)");
    if (typeof address !== "string") throw invalidField(`${field}.address`, "must be an ankr1… address");
    let bytes: Uint8Array;
    try {
      bytes = parseAddress(address);
    } catch (err) {
      throw invalidField(`${field}.address`, (err as Error).message);
    }
    if (typeof balance !== "string" || !DECIMAL.test(balance)) {
      throw invalidField(`${field}.balance`, 'must be a decimal string of base units, e.g. "1000"');
    }
    const key = toHex(bytes);
    if (seen.has(key)) throw invalidField(`${field}.address`, `repeats account ${address}`);
    seen.add(key);
    return { address: bytes, balance: BigInt(balance) };
  });
}

/**
 * app_state JSON text holding `accounts`, indented to sit at the top level of genesis.json.
 * Extra top-level members (from the app's own genesis needs) may be passed in `extra`.
 */
export function dccnAppStateJson(
  accounts: readonly GenesisAccount[],
  extra: Record<string, unknown> = {},
): string {
  const state = {
    ...extra,
    accounts: accounts.map((a) => ({ address: toBech32(a.address), balance: a.balance.toString(10) })),
  };
  return JSON.stringify(state, null, 2).replace(/\n/g, "\n  ");
}
