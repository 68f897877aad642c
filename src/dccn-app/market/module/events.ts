/**
 * Events of the market module, so tools can follow providers and tasks:
 *   market_task      every task transition: task.id, task.tenant, task.status, task.from_status,
 *                    task.provider, task.instance, task.action (submit, schedule, ack, fail,
 *                    ack_timeout, complete, cancel, expire) and task.escrow (what is left locked)
 *   market_provider  provider.address, provider.action, provider.instance
 *   market_meter     task.id, task.provider, period.start, period.end, charge, to_provider,
 *                    to_app, to_platform, escrow_left
 *   market_settle    task.id, task.status, refund (unused escrow back to the tenant)
 *   market_rate      task.id, rater, rated, role, score
 *   market_reward    epoch.height, address, role, amount   (one per payout)
 *   market_rewards   epoch.height, minted, participants
 * Money moves also emit the bank's `transfer` events. Addresses are bech32, amounts base units.
 */
import type { AbciEvent } from "../../../abci/types.js";
import { toBech32 } from "../../../crypto/address.js";
import type { TaskStatus } from "../lifecycle.js";
import type { TaskRecord } from "./records.js";

const attr = (key: string, value: string) => ({ key, value, index: true });
const bech = (a: Uint8Array) => (a.length === 0 ? "" : toBech32(a));

export function taskEvent(action: string, t: TaskRecord, from: TaskStatus | ""): AbciEvent {
  return {
    type: "market_task",
    attributes: [
      attr("task.id", String(t.id)),
      attr("task.action", action),
      attr("task.tenant", bech(t.owner)),
      attr("task.status", t.status),
      attr("task.from_status", from),
      attr("task.provider", bech(t.provider)),
      attr("task.instance", t.instanceId),
      attr("task.escrow", t.escrow.toString()),
    ],
  };
}

export function providerEvent(action: string, provider: Uint8Array, instance = ""): AbciEvent {
  return {
    type: "market_provider",
    attributes: [
      attr("provider.address", toBech32(provider)),
      attr("provider.action", action),
      attr("provider.instance", instance),
    ],
  };
}

export function marketEvent(type: string, attributes: Record<string, string>): AbciEvent {
  return { type, attributes: Object.entries(attributes).map(([k, v]) => attr(k, v)) };
}
