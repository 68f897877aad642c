/**
 * Fans the chain's events out to websocket subscriptions. While anyone subscribes it listens
 * to the EventBus, turns each NewBlock / Tx into CometBFT's published events, and hands each
 * one to every subscription whose query matches — matching each distinct query once per event and
 * rendering each event's JSON once, however many clients receive it. Delivery is synchronous
 * in publishing order, so every client sees events in the order the chain produced them.
 */
import type { EventBus, NewBlockEvent, TxEvent } from "../../events/bus.js";
import type { Logger } from "../../log.js";
import { blockEvents, type PublishedEvent, txEvent } from "../events.js";
import type { HeaderVersion } from "../format.js";

/** A subscriber: one websocket connection's set of subscriptions. */
export interface EventSink {
  /** Delivers `event` to each of this sink's subscriptions that `matches` accepts. */
  publish(event: PublishedEvent, matches: (queryText: string) => boolean): void;
}

export class SubscriptionHub {
  private readonly sinks = new Set<EventSink>();
  /**
   * Compiled matchers by query text, with how many subscriptions use each and the event the
   * query is limited to (`tm.event = '…'`), if any.
   */
  private readonly matchers = new Map<
    string,
    { test: (e: PublishedEvent) => boolean; users: number; eventName: string | undefined }
  >();
  private readonly onBlock = (e: NewBlockEvent) => {
    if (this.sinks.size === 0) return;
    for (const ev of blockEvents(e, this.version())) if (this.wanted(ev.name)) this.publish(ev);
  };
  private readonly onTx = (e: TxEvent) => {
    // Rendering a Tx event (JSON, the events map) for every tx of a block is most of this
    // hub's work: skipped when every query is limited to other events, e.g. NewBlock.
    if (this.sinks.size === 0 || !this.wanted("Tx")) return;
    this.publish(txEvent(e));
  };

  constructor(
    private readonly bus: EventBus,
    private readonly version: () => HeaderVersion,
    private readonly logger: Logger,
  ) {}

  /** Starts delivering to `sink`; the bus is listened to only while someone subscribes. */
  add(sink: EventSink): void {
    if (this.sinks.size === 0) {
      this.bus.on("NewBlock", this.onBlock);
      this.bus.on("Tx", this.onTx);
    }
    this.sinks.add(sink);
  }

  remove(sink: EventSink): void {
    if (!this.sinks.delete(sink) || this.sinks.size > 0) return;
    this.bus.off("NewBlock", this.onBlock);
    this.bus.off("Tx", this.onTx);
  }

  /**
   * A subscription to `queryText` starts: its matcher is shared by every subscriber.
   * `eventName`: the only event the query can match (from `tm.event = '…'`), if known.
   */
  acquire(queryText: string, test: (e: PublishedEvent) => boolean, eventName?: string): void {
    const m = this.matchers.get(queryText);
    if (m) m.users++;
    else this.matchers.set(queryText, { test, users: 1, eventName });
  }

  /** A subscription to `queryText` ended. */
  release(queryText: string): void {
    const m = this.matchers.get(queryText);
    if (m === undefined) return;
    if (--m.users <= 0) this.matchers.delete(queryText);
  }

  close(): void {
    for (const sink of [...this.sinks]) this.remove(sink);
    this.matchers.clear();
  }

  /** Whether some query might match an event called `name`. */
  private wanted(name: string): boolean {
    for (const m of this.matchers.values())
      if (m.eventName === undefined || m.eventName === name) return true;
    return false;
  }

  private publish(event: PublishedEvent): void {
    const verdicts = new Map<string, boolean>();
    const matches = (queryText: string): boolean => {
      let v = verdicts.get(queryText);
      if (v === undefined) {
        v = this.matchers.get(queryText)?.test(event) ?? false;
        verdicts.set(queryText, v);
      }
      return v;
    };
    for (const sink of [...this.sinks]) {
      try {
        sink.publish(event, matches);
      } catch (err) {
        this.logger.error("websocket: delivering an event failed", { event: event.name, err });
      }
    }
  }
}
