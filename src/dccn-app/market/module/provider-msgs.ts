/** Provider msgs: register, add/update an instance, mark availability, retire. */
import { toBech32 } from "../../../crypto/address.js";
import { fitsWithin, RESOURCE_KINDS } from "../resources.js";
import { validateInstance, validateProviderInfo } from "../validate.js";
import type { MarketCtx } from "./deals.js";
import { marketFail } from "./errors.js";
import { providerEvent } from "./events.js";
import { type MarketMsgCtx, marketHandler } from "./handler.js";
import { instancePrefixOf } from "./keys.js";
import type { MsgInstance } from "./msgs.js";
import { type InstanceRecord, instanceCodec, type ProviderRecord } from "./records.js";
import { getInstance, getProvider, setInstance, setProvider } from "./store.js";

export const PROVIDER_GAS = 30_000;

function activeProvider(ctx: MarketCtx, address: Uint8Array): ProviderRecord {
  const p = getProvider(ctx.store, address);
  if (p === undefined) {
    throw marketFail(
      "MARKET_NOT_FOUND",
      "PROVIDER_NOT_FOUND",
      `${toBech32(address)} is not a registered provider (dccn tx provider register)`,
    );
  }
  if (p.retired)
    throw marketFail("MARKET_INSTANCE_BUSY", "PROVIDER_RETIRED", `provider ${toBech32(address)} has retired`);
  return p;
}

function activeInstance(ctx: MarketCtx, provider: Uint8Array, id: string): InstanceRecord {
  const inst = getInstance(ctx.store, provider, id);
  if (inst === undefined) {
    throw marketFail(
      "MARKET_NOT_FOUND",
      "INSTANCE_NOT_FOUND",
      `provider ${toBech32(provider)} has no instance "${id}"`,
    );
  }
  if (inst.retired)
    throw marketFail("MARKET_INSTANCE_BUSY", "INSTANCE_RETIRED", `instance "${id}" is retired`);
  return inst;
}

/** The instance's offer as the core validates it (region and tags default to the provider's). */
function offerOf(ctx: MarketMsgCtx, p: ProviderRecord, msg: MsgInstance) {
  const offer = {
    id: msg.instanceId,
    provider: toBech32(ctx.sender),
    capacity: msg.capacity,
    prices: msg.prices,
    available: true,
    region: msg.region === "" ? p.region : msg.region,
    tags: msg.tags.length === 0 ? p.tags : msg.tags,
  };
  validateInstance(offer, ctx.params.limits);
  return offer;
}

const register = marketHandler("registerProvider", PROVIDER_GAS, (ctx, msg) => {
  validateProviderInfo(msg, ctx.params.limits);
  if (getProvider(ctx.store, ctx.sender) !== undefined) {
    throw marketFail(
      "MARKET_ALREADY_EXISTS",
      "PROVIDER_EXISTS",
      `${toBech32(ctx.sender)} is already a provider`,
    );
  }
  setProvider(ctx.store, ctx.sender, {
    name: msg.name,
    region: msg.region,
    tags: msg.tags,
    retired: false,
    registeredHeight: ctx.height,
    instancesTotal: 0,
    instancesAvailable: 0,
    reports: 0,
    runSec: 0,
    provenSec: 0,
  });
  ctx.events.push(providerEvent("register", ctx.sender));
});

const addInstance = marketHandler("addInstance", PROVIDER_GAS, (ctx, msg) => {
  const p = activeProvider(ctx, ctx.sender);
  const offer = offerOf(ctx, p, msg);
  if (getInstance(ctx.store, ctx.sender, msg.instanceId) !== undefined) {
    throw marketFail(
      "MARKET_ALREADY_EXISTS",
      "INSTANCE_EXISTS",
      `instance "${msg.instanceId}" already exists`,
    );
  }
  setInstance(ctx.store, ctx.sender, {
    id: offer.id,
    capacity: offer.capacity,
    prices: offer.prices,
    region: offer.region,
    tags: offer.tags,
    available: true,
    retired: false,
    used: { cpu: 0n, memory: 0n, disk: 0n, bandwidth: 0n, gpu: 0n },
    tasks: 0,
  });
  setProvider(ctx.store, ctx.sender, {
    ...p,
    instancesTotal: p.instancesTotal + 1,
    instancesAvailable: p.instancesAvailable + 1,
  });
  ctx.events.push(providerEvent("add_instance", ctx.sender, offer.id));
});

const updateInstance = marketHandler("updateInstance", PROVIDER_GAS, (ctx, msg) => {
  const p = activeProvider(ctx, ctx.sender);
  const inst = activeInstance(ctx, ctx.sender, msg.instanceId);
  const offer = offerOf(ctx, p, msg);
  if (!fitsWithin(inst.used, offer.capacity)) {
    const k = RESOURCE_KINDS.find((r) => inst.used[r] > offer.capacity[r]);
    throw marketFail(
      "MARKET_INSTANCE_BUSY",
      "CAPACITY_IN_USE",
      `running tasks hold ${k} ${k === undefined ? "" : inst.used[k]} on "${inst.id}", more than the new capacity`,
    );
  }
  setInstance(ctx.store, ctx.sender, {
    ...inst,
    capacity: offer.capacity,
    prices: offer.prices,
    region: offer.region,
    tags: offer.tags,
  });
  ctx.events.push(providerEvent("update_instance", ctx.sender, inst.id));
});

const setAvailability = marketHandler("setAvailability", PROVIDER_GAS, (ctx, msg) => {
  const p = activeProvider(ctx, ctx.sender);
  const inst = activeInstance(ctx, ctx.sender, msg.instanceId);
  if (inst.available === msg.available) return;
  setInstance(ctx.store, ctx.sender, { ...inst, available: msg.available });
  setProvider(ctx.store, ctx.sender, {
    ...p,
    instancesAvailable: p.instancesAvailable + (msg.available ? 1 : -1),
  });
  ctx.events.push(providerEvent(msg.available ? "available" : "unavailable", ctx.sender, inst.id));
});

/**
 * Retiring stops new placements; tasks already placed keep running until they end (their
 * instance keeps its record). instanceId "" retires the provider and every instance.
 */
const retire = marketHandler("retire", PROVIDER_GAS, async (ctx, msg) => {
  const p = activeProvider(ctx, ctx.sender);
  if (msg.instanceId !== "") {
    const inst = activeInstance(ctx, ctx.sender, msg.instanceId);
    setInstance(ctx.store, ctx.sender, { ...inst, retired: true, available: false });
    setProvider(ctx.store, ctx.sender, {
      ...p,
      instancesTotal: p.instancesTotal - 1,
      instancesAvailable: p.instancesAvailable - (inst.available ? 1 : 0),
    });
    ctx.events.push(providerEvent("retire_instance", ctx.sender, inst.id));
    return;
  }
  const prefix = instancePrefixOf(ctx.sender);
  const live: InstanceRecord[] = [];
  for await (const [, v] of ctx.store.iterate(prefix)) {
    const inst = instanceCodec.decode(v);
    if (!inst.retired) live.push(inst);
  }
  // The msg's default gas covers the first 10 instances.
  ctx.tx.gas.consume(Math.max(0, live.length - 10) * 1_000, "retiring instances");
  for (const inst of live) setInstance(ctx.store, ctx.sender, { ...inst, retired: true, available: false });
  setProvider(ctx.store, ctx.sender, { ...p, retired: true, instancesTotal: 0, instancesAvailable: 0 });
  ctx.events.push(providerEvent("retire", ctx.sender));
});

export const providerHandlers = [register, addInstance, updateInstance, setAvailability, retire];
