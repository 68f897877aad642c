// SLA escrow for DCCN deals. A tenant opens a deal with a provider and locks ANKR in it (the
// amount attached to `open`). The provider is paid when the tenant confirms completion (minus
// the platform fee, if configured); the tenant is refunded when the arbiter reports a breach of
// the service level, or by the tenant after the deadline height while the deal is still open.
import {
  Address,
  args,
  attachedAmount,
  blockHeight,
  caller,
  Event,
  JsonObject,
  JsonWriter,
  jsonArray,
  PersistentMap,
  PersistentValue,
  require,
  returnJson,
  transfer,
  U128,
} from "../../sdk";

const OPEN = "open";
const COMPLETED = "completed";
const BREACHED = "breached";
const REFUNDED = "refunded";
const MAX_FEE_BPS: u64 = 10000;
const MAX_PAGE: u64 = 50;

const arbiter = new PersistentValue<string>("arbiter");
const feeBps = new PersistentValue<u64>("fee_bps");
const feeCollector = new PersistentValue<string>("fee_collector");
const nextId = new PersistentValue<u64>("next_id");
/** id (zero-padded, so keys sort numerically) -> deal as JSON. */
const dealStore = new PersistentMap<string>("deal/");

class Deal {
  constructor(
    public id: u64,
    public tenant: Address,
    public provider: Address,
    public amount: U128,
    public deadline: u64,
    public status: string,
    public terms: string,
  ) {}

  static load(id: u64): Deal {
    const raw = dealStore.get(idKey(id), "");
    require(raw.length > 0, "no deal " + id.toString());
    const o = JsonObject.parse(raw);
    return new Deal(
      id,
      o.getAddress("tenant"),
      o.getAddress("provider"),
      o.getU128("amount"),
      o.getU64("deadline"),
      o.getString("status"),
      o.getString("terms"),
    );
  }

  toJson(): string {
    return new JsonWriter()
      .u64("id", this.id)
      .address("tenant", this.tenant)
      .address("provider", this.provider)
      .u128("amount", this.amount)
      .u64("deadline", this.deadline)
      .string("status", this.status)
      .string("terms", this.terms)
      .build();
  }

  save(): void {
    dealStore.set(idKey(this.id), this.toJson());
  }

  event(type: string): Event {
    return new Event(type)
      .attr("deal", this.id.toString())
      .attr("tenant", this.tenant.toString())
      .attr("provider", this.provider.toString())
      .attr("amount", this.amount.toString());
  }
}

function idKey(id: u64): string {
  let s = id.toString();
  while (s.length < 20) s = "0" + s;
  return s;
}

function openDeal(id: u64): Deal {
  const d = Deal.load(id);
  require(d.status == OPEN, "deal " + id.toString() + " is " + d.status);
  return d;
}

/** init {"arbiter", "fee_bps"?: u64, "fee_collector"?} */
export function init(): void {
  const a = args();
  arbiter.set(a.getAddress("arbiter").toString());
  const bps = a.getU64Or("fee_bps", 0);
  require(bps <= MAX_FEE_BPS, "fee_bps must be at most 10000");
  feeBps.set(bps);
  if (bps > 0) feeCollector.set(a.getAddress("fee_collector").toString());
  nextId.set(1);
}

/** open {"provider", "deadline": height, "terms"?} + attached ANKR -> {"id"} */
export function open(): void {
  const a = args();
  const amount = attachedAmount();
  require(!amount.isZero(), "attach the ANKR to lock in the deal");
  const deadline = a.getU64("deadline");
  require(deadline > blockHeight(), "deadline must be a future block height");
  const tenant = caller();
  const provider = a.getAddress("provider");
  require(!provider.equals(tenant), "tenant and provider must differ");
  const id = nextId.get(1);
  nextId.set(id + 1);
  const d = new Deal(id, tenant, provider, amount, deadline, OPEN, a.getStringOr("terms", ""));
  d.save();
  d.event("deal_opened").attr("deadline", deadline.toString()).emit();
  returnJson(new JsonWriter().u64("id", id));
}

/** confirm {"id"}: the tenant confirms completion; the provider is paid (minus the fee). */
export function confirm(): void {
  const d = openDeal(args().getU64("id"));
  require(caller().equals(d.tenant), "only the tenant may confirm completion");
  d.status = COMPLETED;
  d.save();
  const bps = feeBps.get(0);
  const fee = d.amount.mulU64(bps).divU32(<u32>MAX_FEE_BPS);
  const payout = d.amount.sub(fee);
  transfer(d.provider, payout);
  if (!fee.isZero()) transfer(Address.parse(feeCollector.get("")), fee);
  d.event("deal_completed").attr("payout", payout.toString()).attr("fee", fee.toString()).emit();
  returnJson(new JsonWriter().u128("payout", payout).u128("fee", fee));
}

/** report_breach {"id", "reason"?}: the arbiter reports an SLA breach; the tenant is refunded. */
export function report_breach(): void {
  const a = args();
  const d = openDeal(a.getU64("id"));
  require(caller().equals(Address.parse(arbiter.get(""))), "only the arbiter may report a breach");
  d.status = BREACHED;
  d.save();
  transfer(d.tenant, d.amount);
  d.event("deal_breached").attr("reason", a.getStringOr("reason", "")).emit();
  returnJson(new JsonWriter().u128("refund", d.amount));
}

/** refund {"id"}: after the deadline, the tenant takes back an unconfirmed deal's payment. */
export function refund(): void {
  const d = openDeal(args().getU64("id"));
  require(caller().equals(d.tenant), "only the tenant may claim a refund");
  require(blockHeight() > d.deadline, "the deal's deadline has not passed");
  d.status = REFUNDED;
  d.save();
  transfer(d.tenant, d.amount);
  d.event("deal_refunded").emit();
  returnJson(new JsonWriter().u128("refund", d.amount));
}

/** get_deal {"id"} -> the deal */
export function get_deal(): void {
  const d = Deal.load(args().getU64("id"));
  returnJson(new JsonWriter().raw("deal", d.toJson()));
}

/** deals {"after"?: id, "limit"?: u64} -> {"deals": [...]} in id order (prefix iteration). */
export function deals(): void {
  const a = args();
  const after = a.getU64Or("after", 0);
  let limit = a.getU64Or("limit", 10);
  if (limit > MAX_PAGE) limit = MAX_PAGE;
  const ids = dealStore.keys(after == 0 ? "" : idKey(after), <i32>limit);
  const items: string[] = [];
  for (let i = 0; i < ids.length; i++) items.push(dealStore.get(ids[i], ""));
  returnJson(new JsonWriter().raw("deals", jsonArray(items)));
}

/** config {} -> {"arbiter", "fee_bps", "fee_collector"} */
export function config(): void {
  returnJson(
    new JsonWriter()
      .string("arbiter", arbiter.get(""))
      .u64("fee_bps", feeBps.get(0))
      .string("fee_collector", feeCollector.get("")),
  );
}
