// A fungible token: the creator mints the whole supply at init; holders transfer, approve
// spenders and spenders transfer_from within their allowance. Amounts are U128 decimal strings.
import {
  Address,
  args,
  caller,
  Event,
  JsonWriter,
  PersistentMap,
  PersistentValue,
  require,
  returnJson,
  toHex,
  U128,
} from "../../sdk";

const balances = new PersistentMap<U128>("bal/");
const allowances = new PersistentMap<U128>("allow/");
const name = new PersistentValue<string>("name");
const symbol = new PersistentValue<string>("symbol");
const decimals = new PersistentValue<u64>("decimals");
const supply = new PersistentValue<U128>("supply");

// Storage keys use the raw address in hex (cheaper than bech32); events and results use bech32.
function key(a: Address): string {
  return toHex(a.bytes);
}

function balanceOf(a: Address): U128 {
  return balances.get(key(a), U128.zero());
}

function move(from: Address, to: Address, amount: U128): void {
  const have = balanceOf(from);
  require(have.ge(amount), "insufficient balance");
  balances.set(key(from), have.sub(amount));
  balances.set(key(to), balanceOf(to).add(amount));
  new Event("transfer")
    .attr("from", from.toString())
    .attr("to", to.toString())
    .attr("amount", amount.toString())
    .emit();
}

/** init {"name", "symbol", "decimals"?: u64, "supply": amount}: mints the supply to the creator. */
export function init(): void {
  const a = args();
  const total = a.getU128("supply");
  name.set(a.getString("name"));
  symbol.set(a.getString("symbol"));
  decimals.set(a.getU64Or("decimals", 18));
  supply.set(total);
  const creator = caller();
  balances.set(key(creator), total);
  new Event("mint").attr("to", creator.toString()).attr("amount", total.toString()).emit();
}

/** transfer {"to", "amount"} -> {"balance"} (the sender's new balance) */
export function transfer(): void {
  const a = args();
  const from = caller();
  move(from, a.getAddress("to"), a.getU128("amount"));
  returnJson(new JsonWriter().u128("balance", balanceOf(from)));
}

/** balance_of {"owner"} -> {"owner", "balance"} */
export function balance_of(): void {
  const owner = args().getAddress("owner");
  returnJson(new JsonWriter().address("owner", owner).u128("balance", balanceOf(owner)));
}

/** approve {"spender", "amount"}: sets (replaces) the spender's allowance. */
export function approve(): void {
  const a = args();
  const owner = caller();
  const spender = a.getAddress("spender");
  const amount = a.getU128("amount");
  allowances.set(key(owner) + key(spender), amount);
  new Event("approve")
    .attr("owner", owner.toString())
    .attr("spender", spender.toString())
    .attr("amount", amount.toString())
    .emit();
  returnJson(new JsonWriter().u128("allowance", amount));
}

/** allowance {"owner", "spender"} -> {"allowance"} */
export function allowance(): void {
  const a = args();
  const owner = a.getAddress("owner");
  const spender = a.getAddress("spender");
  returnJson(new JsonWriter().u128("allowance", allowances.get(key(owner) + key(spender), U128.zero())));
}

/** transfer_from {"owner", "to", "amount"}: spends the caller's allowance. */
export function transfer_from(): void {
  const a = args();
  const owner = a.getAddress("owner");
  const spender = caller();
  const amount = a.getU128("amount");
  const k = key(owner) + key(spender);
  const allowed = allowances.get(k, U128.zero());
  require(allowed.ge(amount), "allowance exceeded");
  allowances.set(k, allowed.sub(amount));
  move(owner, a.getAddress("to"), amount);
  returnJson(new JsonWriter().u128("allowance", allowed.sub(amount)));
}

/** info {} -> {"name", "symbol", "decimals", "total_supply"} */
export function info(): void {
  returnJson(
    new JsonWriter()
      .string("name", name.get(""))
      .string("symbol", symbol.get(""))
      .u64("decimals", decimals.get(0))
      .u128("total_supply", supply.get(U128.zero())),
  );
}
