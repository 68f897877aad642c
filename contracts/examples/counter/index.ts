// A counter: the smallest useful contract. The creator owns it and may reset it.
import { Address, args, caller, Event, JsonWriter, PersistentValue, require, returnJson } from "../../sdk";

const count = new PersistentValue<u64>("count");
const owner = new PersistentValue<string>("owner");

/** init {"start"?: u64} */
export function init(): void {
  const a = args();
  count.set(a.getU64Or("start", 0));
  owner.set(caller().toString());
}

/** increment {"by"?: u64} -> {"count": u64} */
export function increment(): void {
  const by = args().getU64Or("by", 1);
  require(by > 0, "increment must be positive");
  const next = count.get(0) + by;
  require(next >= by, "counter overflow");
  count.set(next);
  new Event("increment").attr("by", by.toString()).attr("count", next.toString()).emit();
  returnJson(new JsonWriter().u64("count", next));
}

/** reset {} (owner only) -> {"count": 0} */
export function reset(): void {
  require(caller().equals(Address.parse(owner.get(""))), "only the owner may reset the counter");
  count.set(0);
  returnJson(new JsonWriter().u64("count", 0));
}

/** get {} -> {"count": u64, "owner": address} */
export function get(): void {
  returnJson(new JsonWriter().u64("count", count.get(0)).string("owner", owner.get("")));
}
