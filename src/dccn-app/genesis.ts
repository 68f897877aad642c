/**
 * Genesis `app_state`: `{"accounts":[{"address":"ankr1…","balance":"<decimal base units>"}],
 * "params":{…optional, see params.ts…}}` plus any keys later modules declare. Unknown keys are
 * refused, so a typo cannot silently start a chain without the intended state.
 */
import { AppFatalError } from "./codes.js";
import type { Module } from "./module.js";
import { type AppParams, parseParamsJson } from "./params.js";

export interface ParsedAppState {
  readonly params: AppParams;
  /** Per module name, the `app_state` members that module declared. */
  readonly sections: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

const invalid = (why: string) => new AppFatalError("APP_GENESIS_INVALID", `app_state ${why}`);

export function parseAppState(json: string, modules: readonly Module[]): ParsedAppState {
  let doc: unknown = {};
  if (json.trim() !== "") {
    try {
      doc = JSON.parse(json);
    } catch (err) {
      throw invalid(`is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (doc === null) doc = {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw invalid("must be a JSON object");
  const record = doc as Record<string, unknown>;

  const owner = new Map<string, string>();
  for (const m of modules) for (const k of m.genesisKeys ?? []) owner.set(k, m.name);
  for (const k of Object.keys(record)) {
    if (k !== "params" && !owner.has(k)) {
      throw invalid(`has unknown member "${k}" (known: ${["params", ...owner.keys()].sort().join(", ")})`);
    }
  }
  const msgTypes = new Set(modules.flatMap((m) => (m.msgs ?? []).map((h) => h.typeUrl)));
  const params = parseParamsJson(record.params, msgTypes);
  const sections = new Map<string, Record<string, unknown>>();
  for (const m of modules) {
    const section: Record<string, unknown> = {};
    for (const k of m.genesisKeys ?? []) if (k in record) section[k] = record[k];
    sections.set(m.name, section);
  }
  return { params, sections };
}
