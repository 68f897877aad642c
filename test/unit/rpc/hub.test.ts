import { describe, expect, it } from "vitest";
import type { ExecTxResult } from "../../../src/abci/types.js";
import { EventBus, type TxEvent } from "../../../src/events/bus.js";
import { silentLogger } from "../../../src/log.js";
import type { PublishedEvent } from "../../../src/rpc/events.js";
import { SubscriptionHub } from "../../../src/rpc/ws/hub.js";

const result = (): ExecTxResult => ({
  code: 0,
  codespace: "",
  log: "",
  info: "",
  data: new Uint8Array(0),
  gasWanted: 1,
  gasUsed: 1,
  events: [{ type: "transfer", attributes: [{ key: "amount", value: "5", index: true }] }],
});

/** A Tx event that counts how often its result's events were read (rendered or matched). */
function countingTx(): { event: TxEvent; reads: () => number } {
  let reads = 0;
  const r = result();
  const counted = {
    ...r,
    get events() {
      reads++;
      return r.events;
    },
  };
  return {
    event: { height: 3, index: 0, tx: Uint8Array.of(1), hash: new Uint8Array(32), result: counted },
    reads: () => reads,
  };
}

describe("subscription hub", () => {
  it("renders Tx events only while some query can match them", () => {
    const bus = new EventBus();
    const hub = new SubscriptionHub(bus, () => ({ block: 11, app: 1 }), silentLogger);
    const got: string[] = [];
    const sink = {
      publish: (e: PublishedEvent, matches: (q: string) => boolean) => {
        for (const q of ["tm.event='NewBlock'", "tm.event='Tx'", "transfer.amount='5'"])
          if (matches(q)) got.push(`${q}:${e.name}`);
      },
    };
    hub.add(sink);
    hub.acquire("tm.event='NewBlock'", (e) => e.name === "NewBlock", "NewBlock");
    const first = countingTx();
    bus.emit("Tx", first.event);
    expect(first.reads()).toBe(0);
    expect(got).toEqual([]);

    // A query without tm.event may match a Tx: it is rendered and matched.
    hub.acquire("transfer.amount='5'", (e) => e.events.get("transfer.amount")?.includes("5") ?? false);
    const second = countingTx();
    bus.emit("Tx", second.event);
    expect(second.reads()).toBeGreaterThan(0);
    expect(got).toEqual(["transfer.amount='5':Tx"]);

    hub.release("transfer.amount='5'");
    hub.acquire("tm.event='Tx'", (e) => e.name === "Tx", "Tx");
    bus.emit("Tx", countingTx().event);
    expect(got).toEqual(["transfer.amount='5':Tx", "tm.event='Tx':Tx"]);
    hub.close();
  });
});
