/**
 * Matching a query against one published event's attribute map (`type.key -> values`), as
 * CometBFT's pubsub does for subscriptions: every condition must hold for at least one value
 * under its tag. A tag naming an event type itself (e.g. `transfer EXISTS`) is tested
 * against the empty string when that type has attributes. An empty map matches nothing.
 */
import { type Condition, conditionPredicate, type Query, tagEventType } from "./query.js";

export type EventMap = ReadonlyMap<string, readonly string[]>;

export interface CompiledQuery {
  readonly query: Query;
  matches(events: EventMap): boolean;
}

export function compileQuery(query: Query): CompiledQuery {
  const tests = query.conditions.map((c) => ({ cond: c, test: conditionPredicate(c) }));
  return {
    query,
    matches(events: EventMap): boolean {
      if (events.size === 0) return false;
      return tests.every(({ cond, test }) => conditionHolds(cond, test, events));
    },
  };
}

function conditionHolds(cond: Condition, test: (v: string) => boolean, events: EventMap): boolean {
  const values = events.get(cond.tag);
  if (values !== undefined && values.length > 0) return values.some(test);
  for (const key of events.keys()) {
    if (tagEventType(key) === cond.tag) return test("");
  }
  return false;
}

/** Builds an event map from ABCI events, skipping empty types and keys (CometBFT's rule). */
export function eventMapOf(
  events: readonly {
    readonly type: string;
    readonly attributes: readonly { key: string; value: string }[];
  }[],
  extra: Readonly<Record<string, string>> = {},
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (k: string, v: string) => {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  };
  for (const e of events) {
    if (e.type === "") continue;
    for (const a of e.attributes) {
      if (a.key !== "") add(`${e.type}.${a.key}`, a.value);
    }
  }
  for (const [k, v] of Object.entries(extra)) add(k, v);
  return out;
}
