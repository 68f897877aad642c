// The argument/result codec: JSON objects (see contracts/README.md). Integers only — there are
// no floats in contracts. u64 values may be JSON numbers or decimal strings; U128 amounts are
// written as decimal strings (JavaScript numbers lose precision above 2^53); addresses as bech32.
import { Address } from "./address";
import { U128 } from "./u128";

const QUOTE = 34;
const BACKSLASH = 92;

function isSpace(c: i32): bool {
  return c == 32 || c == 9 || c == 10 || c == 13;
}

/** A parsed JSON object: each member's raw JSON text, decoded on demand by the typed getters. */
export class JsonObject {
  private keys: string[] = [];
  private values: string[] = [];

  /** Parses a JSON object; empty or whitespace-only text is an empty object. Aborts on bad JSON. */
  static parse(text: string): JsonObject {
    const obj = new JsonObject();
    const p = new Parser(text);
    p.skipSpace();
    if (p.atEnd()) return obj;
    p.expect(123); // {
    p.skipSpace();
    if (p.peek() == 125) {
      p.pos++;
    } else {
      for (;;) {
        p.skipSpace();
        const key = p.parseString();
        p.skipSpace();
        p.expect(58); // :
        p.skipSpace();
        const start = p.pos;
        p.skipValue();
        obj.keys.push(key);
        obj.values.push(text.substring(start, p.pos));
        p.skipSpace();
        const c = p.next();
        if (c == 125) break;
        if (c != 44) throw new Error("invalid JSON: expected , or }");
      }
    }
    p.skipSpace();
    if (!p.atEnd()) throw new Error("invalid JSON: trailing characters");
    return obj;
  }

  has(key: string): bool {
    return this.keys.indexOf(key) >= 0;
  }

  /** The member's raw JSON text; aborts if absent. */
  getRaw(key: string): string {
    const i = this.keys.indexOf(key);
    if (i < 0) throw new Error("missing argument: " + key);
    return this.values[i];
  }

  getString(key: string): string {
    const raw = this.getRaw(key);
    if (raw.charCodeAt(0) != QUOTE) throw new Error("argument " + key + " must be a string");
    return new Parser(raw).parseString();
  }

  getStringOr(key: string, fallback: string): string {
    return this.has(key) ? this.getString(key) : fallback;
  }

  getBool(key: string): bool {
    const raw = this.getRaw(key);
    if (raw == "true") return true;
    if (raw == "false") return false;
    throw new Error("argument " + key + " must be true or false");
  }

  getU64(key: string): u64 {
    const raw = this.getRaw(key);
    const digits = raw.charCodeAt(0) == QUOTE ? new Parser(raw).parseString() : raw;
    const v = U128.fromString(digits);
    if (v.hi != 0) throw new Error("argument " + key + " does not fit in u64");
    return v.lo;
  }

  getU64Or(key: string, fallback: u64): u64 {
    return this.has(key) ? this.getU64(key) : fallback;
  }

  getU128(key: string): U128 {
    const raw = this.getRaw(key);
    return U128.fromString(raw.charCodeAt(0) == QUOTE ? new Parser(raw).parseString() : raw);
  }

  getAddress(key: string): Address {
    return Address.parse(this.getString(key));
  }

  getObject(key: string): JsonObject {
    return JsonObject.parse(this.getRaw(key));
  }
}

class Parser {
  pos: i32 = 0;
  private len: i32;
  // Characters are read straight from the string's UTF-16 storage: this runs per input byte.
  private base: usize;

  constructor(public text: string) {
    this.len = text.length;
    this.base = changetype<usize>(text);
  }

  private at(i: i32): i32 {
    return <i32>load<u16>(this.base + ((<usize>i) << 1));
  }

  atEnd(): bool {
    return this.pos >= this.len;
  }

  peek(): i32 {
    if (this.pos >= this.len) throw new Error("invalid JSON: unexpected end");
    return this.at(this.pos);
  }

  next(): i32 {
    const c = this.peek();
    this.pos++;
    return c;
  }

  expect(c: i32): void {
    if (this.next() != c) throw new Error("invalid JSON: expected " + String.fromCharCode(c));
  }

  skipSpace(): void {
    while (this.pos < this.len && isSpace(this.at(this.pos))) this.pos++;
  }

  parseString(): string {
    this.expect(QUOTE);
    let out = "";
    let runStart = this.pos;
    for (;;) {
      const c = this.next();
      if (c == QUOTE) break;
      if (c < 32) throw new Error("invalid JSON: control character in string");
      if (c != BACKSLASH) continue;
      out += this.text.substring(runStart, this.pos - 1);
      const e = this.next();
      if (e == 110) out += "\n";
      else if (e == 116) out += "\t";
      else if (e == 114) out += "\r";
      else if (e == 98) out += "\b";
      else if (e == 102) out += "\f";
      else if (e == 117) out += String.fromCharCode(this.hex4());
      else if (e == QUOTE || e == BACKSLASH || e == 47) out += String.fromCharCode(e);
      else throw new Error("invalid JSON: bad escape");
      runStart = this.pos;
    }
    return out + this.text.substring(runStart, this.pos - 1);
  }

  private hex4(): i32 {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.next();
      let d = -1;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      if (d < 0) throw new Error("invalid JSON: bad \\u escape");
      v = (v << 4) | d;
    }
    return v;
  }

  /** Steps over one value of any type (nested objects and arrays included). */
  skipValue(): void {
    const c = this.peek();
    if (c == QUOTE) {
      this.parseString();
    } else if (c == 123 || c == 91) {
      const close = c == 123 ? 125 : 93;
      this.pos++;
      this.skipSpace();
      if (this.peek() == close) {
        this.pos++;
        return;
      }
      for (;;) {
        this.skipSpace();
        if (c == 123) {
          this.parseString();
          this.skipSpace();
          this.expect(58);
          this.skipSpace();
        }
        this.skipValue();
        this.skipSpace();
        const n = this.next();
        if (n == close) return;
        if (n != 44) throw new Error("invalid JSON: expected , in container");
      }
    } else if (c == 45 || (c >= 48 && c <= 57)) {
      if (c == 45) this.pos++;
      let digits = 0;
      while (this.pos < this.len) {
        const d = this.at(this.pos);
        if (d < 48 || d > 57) break;
        this.pos++;
        digits++;
      }
      if (digits == 0) throw new Error("invalid JSON: bad number");
      if (this.pos < this.len) {
        const d = this.at(this.pos);
        if (d == 46 || d == 101 || d == 69) throw new Error("invalid JSON: only integers are supported");
      }
    } else if (this.text.startsWith("true", this.pos)) {
      this.pos += 4;
    } else if (this.text.startsWith("false", this.pos)) {
      this.pos += 5;
    } else if (this.text.startsWith("null", this.pos)) {
      this.pos += 4;
    } else {
      throw new Error("invalid JSON value");
    }
  }
}

function escapeJson(s: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 32 && c != QUOTE && c != BACKSLASH) continue;
    out += s.substring(runStart, i);
    if (c == QUOTE) out += '\\"';
    else if (c == BACKSLASH) out += "\\\\";
    else if (c == 10) out += "\\n";
    else if (c == 13) out += "\\r";
    else if (c == 9) out += "\\t";
    else out += "\\u00" + (c < 16 ? "0" : "1") + "0123456789abcdef".charAt(c & 15);
    runStart = i + 1;
  }
  return out + s.substring(runStart) + '"';
}

/** Builds a JSON object member by member, in call order. */
export class JsonWriter {
  private body: string = "";

  private member(key: string, json: string): JsonWriter {
    if (this.body.length > 0) this.body += ",";
    this.body += escapeJson(key) + ":" + json;
    return this;
  }

  string(key: string, value: string): JsonWriter {
    return this.member(key, escapeJson(value));
  }

  u64(key: string, value: u64): JsonWriter {
    return this.member(key, value.toString());
  }

  i64(key: string, value: i64): JsonWriter {
    return this.member(key, value.toString());
  }

  /** U128 amounts are written as decimal strings. */
  u128(key: string, value: U128): JsonWriter {
    return this.member(key, escapeJson(value.toString()));
  }

  bool(key: string, value: bool): JsonWriter {
    return this.member(key, value ? "true" : "false");
  }

  address(key: string, value: Address): JsonWriter {
    return this.member(key, escapeJson(value.toString()));
  }

  /** A member whose value is already JSON text (a nested object or array). */
  raw(key: string, json: string): JsonWriter {
    return this.member(key, json);
  }

  build(): string {
    return "{" + this.body + "}";
  }
}

/** A JSON array from already-encoded elements. */
export function jsonArray(items: string[]): string {
  return "[" + items.join(",") + "]";
}

export function jsonString(value: string): string {
  return escapeJson(value);
}
