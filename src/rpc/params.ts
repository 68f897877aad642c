/**
 * Method parameters: declared once per method, decoded from a JSON-RPC `params` member (an
 * object by name or an array by position) or from a URI query string, with CometBFT's rules:
 *
 *   kind     JSON-RPC body                         URI query (`?name=value`)
 *   int      "5" (string) or 5                     5, "5"
 *   bool     true / false                          true / false
 *   string   "text"                                "text", text, 0x74657874 (hex of the bytes)
 *   bytes    base64 string ([]byte in Go)          0xABCD (hex), "raw text" (its UTF-8 bytes)
 *   hex      hex string (HexBytes in Go)           0xABCD, "raw text"
 *   strings  ["a", "b"] ([]string in Go)           ["a","b"] (JSON), or a,b
 *
 * Every parameter is optional; an absent, null or empty value means "use the default".
 * Accepting a JSON number for an int and an unquoted URI string are leniencies over CometBFT.
 */
import { asBytes, fromHex, utf8 } from "../codec/bytes.js";
import { RpcError } from "./errors.js";

export type ParamKind = "int" | "bool" | "string" | "bytes" | "hex" | "strings";

export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
}

type ParamValue = number | boolean | string | Uint8Array | readonly string[];

/**
 * Decoded arguments with typed accessors; `undefined` means absent. Values sit in an array
 * aligned with the method's specs (a method has a handful): cheaper per call than a Map.
 */
export class RpcArgs {
  constructor(
    private readonly specs: readonly ParamSpec[],
    private readonly values: readonly (ParamValue | undefined)[],
  ) {}

  private get(name: string): ParamValue | undefined {
    for (let i = 0; i < this.specs.length; i++) {
      if (this.specs[i]?.name === name) return this.values[i];
    }
    return undefined;
  }

  int(name: string): number | undefined {
    const v = this.get(name);
    return typeof v === "number" ? v : undefined;
  }
  bool(name: string): boolean | undefined {
    const v = this.get(name);
    return typeof v === "boolean" ? v : undefined;
  }
  string(name: string): string | undefined {
    const v = this.get(name);
    return typeof v === "string" ? v : undefined;
  }
  bytes(name: string): Uint8Array | undefined {
    const v = this.get(name);
    return v instanceof Uint8Array ? v : undefined;
  }
  strings(name: string): readonly string[] | undefined {
    const v = this.get(name);
    return Array.isArray(v) ? v : undefined;
  }
}

const INT_RE = /^-?[0-9]+$/;

function parseIntText(name: string, text: string): number {
  const n = Number(text);
  if (!INT_RE.test(text) || !Number.isSafeInteger(n)) {
    throw RpcError.invalidParams(`${name}: ${JSON.stringify(text.slice(0, 40))} is not an integer`);
  }
  return n;
}

function kindLabel(kind: ParamKind): string {
  switch (kind) {
    case "int":
      return "an integer (as a decimal string)";
    case "bool":
      return "a boolean";
    case "string":
      return "a string";
    case "bytes":
      return "a base64 string";
    case "hex":
      return "a hex string";
    case "strings":
      return "an array of strings";
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/** One JSON value of a JSON-RPC request into the declared kind; null means absent. */
function fromJsonValue(spec: ParamSpec, value: unknown): ParamValue | undefined {
  if (value === null || value === undefined) return undefined;
  const wrong = () =>
    RpcError.invalidParams(`${spec.name} must be ${kindLabel(spec.kind)}, got ${describe(value)}`);
  switch (spec.kind) {
    case "int":
      if (typeof value === "string") return parseIntText(spec.name, value);
      if (typeof value === "number" && Number.isSafeInteger(value)) return value;
      throw wrong();
    case "bool":
      if (typeof value === "boolean") return value;
      throw wrong();
    case "string":
      if (typeof value === "string") return value;
      throw wrong();
    case "bytes":
      if (typeof value !== "string") throw wrong();
      return decodeText(spec, value, strictBase64);
    case "hex":
      if (typeof value !== "string") throw wrong();
      return decodeText(spec, value, fromHex);
    case "strings":
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw wrong();
      return value as string[];
  }
}

/**
 * Standard, padded base64 (what Go's encoding/json accepts for []byte): only A-Z a-z 0-9 + /,
 * a length that is a multiple of 4, at most two trailing "=". Checked without a regex over the
 * whole text (a tx is hundreds of characters, on every broadcast): Node's decoder skips what
 * is not base64 and stops at "=", so any stray character makes the decoded length fall short
 * of what the text's length and padding promise; only the URL-safe "-" and "_", which it does
 * decode, need their own check.
 */
export function strictBase64(text: string): Uint8Array {
  const n = text.length;
  if (n % 4 !== 0) throw new TypeError("bad base64");
  if (n === 0) return new Uint8Array(0);
  const pad = text.charCodeAt(n - 1) !== EQUALS ? 0 : text.charCodeAt(n - 2) === EQUALS ? 2 : 1;
  if (text.indexOf("-") !== -1 || text.indexOf("_") !== -1) throw new TypeError("bad base64");
  const buf = Buffer.from(text, "base64");
  if (buf.length !== (n / 4) * 3 - pad) throw new TypeError("bad base64");
  return asBytes(buf);
}

const EQUALS = 0x3d;

function decodeText(spec: ParamSpec, text: string, decode: (t: string) => Uint8Array): Uint8Array {
  try {
    return decode(text);
  } catch {
    throw RpcError.invalidParams(`${spec.name} must be ${kindLabel(spec.kind)}`);
  }
}

/** Decodes a JSON-RPC `params` member (absent, an object, or an array matching the specs). */
export function decodeJsonParams(specs: readonly ParamSpec[], params: unknown): RpcArgs {
  const values: (ParamValue | undefined)[] = new Array(specs.length);
  if (params === undefined || params === null) return new RpcArgs(specs, values);
  if (Array.isArray(params)) {
    if (params.length !== specs.length) {
      const names = specs.map((s) => s.name).join(", ");
      throw RpcError.invalidParams(
        `expected ${specs.length} positional parameters [${names}], got ${params.length}`,
      );
    }
    for (let i = 0; i < specs.length; i++) values[i] = fromJsonValue(specs[i] as ParamSpec, params[i]);
    return new RpcArgs(specs, values);
  }
  if (typeof params === "object") {
    const byName = params as Record<string, unknown>;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as ParamSpec;
      if (Object.hasOwn(byName, spec.name)) values[i] = fromJsonValue(spec, byName[spec.name]);
    }
    return new RpcArgs(specs, values);
  }
  throw RpcError.invalidParams(`params must be an object or an array, got ${describe(params)}`);
}

function isQuoted(text: string): boolean {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"');
}

function unquote(spec: ParamSpec, text: string): string {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "string") return v;
  } catch {
    // reported below
  }
  throw RpcError.invalidParams(`${spec.name}: ${text.slice(0, 40)} is not a valid quoted string`);
}

/** One URI query value into the declared kind (CometBFT's URI conventions). */
function fromUriValue(spec: ParamSpec, text: string): ParamValue {
  const isHex = /^0x/i.test(text);
  switch (spec.kind) {
    case "strings": {
      if (!text.startsWith("[")) return text.split(",").filter((p) => p !== "");
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        v = undefined;
      }
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
        throw RpcError.invalidParams(`${spec.name} must be a JSON array of strings like ["a","b"]`);
      }
      return v as string[];
    }
    case "int":
      if (isHex) throw RpcError.invalidParams(`${spec.name}: got a hex string, expected an integer`);
      return parseIntText(spec.name, isQuoted(text) ? unquote(spec, text) : text);
    case "bool":
      if (text === "true") return true;
      if (text === "false") return false;
      throw RpcError.invalidParams(
        `${spec.name} must be true or false, got ${JSON.stringify(text.slice(0, 40))}`,
      );
    case "string":
      if (isHex) return Buffer.from(decodeText(spec, text, fromHex)).toString("utf8");
      return isQuoted(text) ? unquote(spec, text) : text;
    case "bytes":
    case "hex":
      if (isHex) return decodeText({ name: spec.name, kind: "hex" }, text, fromHex);
      if (isQuoted(text)) return utf8(unquote(spec, text));
      throw RpcError.invalidParams(
        `${spec.name} must be 0x-prefixed hex or a quoted string, got ${JSON.stringify(text.slice(0, 40))}`,
      );
  }
}

/** Decodes URI query parameters; the first occurrence of a name wins, unknown names are ignored. */
export function decodeUriParams(specs: readonly ParamSpec[], query: URLSearchParams): RpcArgs {
  const values: (ParamValue | undefined)[] = new Array(specs.length);
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i] as ParamSpec;
    const text = query.get(spec.name);
    if (text !== null && text !== "") values[i] = fromUriValue(spec, text);
  }
  return new RpcArgs(specs, values);
}
