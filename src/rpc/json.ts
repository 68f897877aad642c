/**
 * JSON values as the RPC layer builds them, and their serialization. Results are plain JSON
 * trees except for `RawJson`: text that is already JSON (the genesis file) and is embedded
 * verbatim, so numbers in `app_state` never pass through a JS double.
 */

export class RawJson {
  constructor(readonly text: string) {}
}

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | RawJson
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

/** Serializes a JSON tree; `undefined` object members are left out (like JSON.stringify). */
export function stringifyJson(value: JsonValue): string {
  // Most trees (every broadcast reply, every event) hold no RawJson: V8's native stringify
  // then writes exactly what `write` would, several times faster.
  if (plain(value)) return JSON.stringify(value);
  const parts: string[] = [];
  write(value, parts);
  return parts.join("");
}

function write(value: JsonValue, out: string[]): void {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new TypeError(`cannot serialize ${value} as JSON`);
    }
    out.push(JSON.stringify(value));
    return;
  }
  if (value instanceof RawJson) {
    out.push(value.text);
    return;
  }
  if (isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out);
    });
    out.push("]");
    return;
  }
  out.push("{");
  let first = true;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (!first) out.push(",");
    first = false;
    out.push(JSON.stringify(key), ":");
    write(item, out);
  }
  out.push("}");
}

/**
 * Whether JSON.stringify gives the same text as `write`: no RawJson, no non-finite number (write
 * throws, JSON.stringify would print null), no array hole or undefined item, no toJSON method.
 */
function plain(value: JsonValue): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      break;
    default:
      return false;
  }
  if (value instanceof RawJson || typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  if (isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === undefined || !plain(item)) return false;
    }
    return true;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    const item = value[key];
    if (item !== undefined && !plain(item)) return false;
  }
  return true;
}

function isArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}
