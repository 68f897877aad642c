/**
 * The CometBFT event query language (libs/pubsub/query, v0.38):
 *
 *   query      = condition { "AND" condition }
 *   condition  = tag ( "=" arg | ("<" | "<=" | ">" | ">=") ordered | "CONTAINS" string | "EXISTS" )
 *   arg        = string | number | TIME t | DATE d       ordered = number | TIME t | DATE d
 *   tag        = [\w] [\w.-]*          e.g. tm.event, transfer.sender, tx.height
 *   string     = '...' (no escapes)    number = \d+(\.\d+)?
 *   TIME t     = RFC 3339 without fraction, e.g. TIME 2021-11-23T22:04:19Z (year 1900..2999)
 *   DATE d     = YYYY-MM-DD, e.g. DATE 2021-11-23
 *
 * `parseQuery` returns the conditions or throws a QueryError naming the offset and what was
 * expected. `conditionPredicate` compiles one condition into a test on an attribute value:
 * numbers compare exactly (an attribute "8atom" reads as 8), times as instants.
 */
import { QueryError } from "./errors.js";
import {
  compareDecimal,
  type Decimal,
  parseDateNs,
  parseQueryNumber,
  parseTimeNs,
  parseValueNumber,
  yearOf,
} from "./values.js";

export type QueryOp = "=" | "<" | "<=" | ">" | ">=" | "CONTAINS" | "EXISTS";

export type QueryArg =
  | { readonly kind: "string"; readonly text: string }
  | { readonly kind: "number"; readonly text: string; readonly value: Decimal }
  | { readonly kind: "time"; readonly text: string; readonly ns: bigint }
  | { readonly kind: "date"; readonly text: string; readonly ns: bigint };

export interface Condition {
  readonly tag: string;
  readonly op: QueryOp;
  /** Absent for EXISTS only. */
  readonly arg?: QueryArg;
}

export interface Query {
  readonly conditions: readonly Condition[];
  /** The canonical text (CometBFT's String()): equal for queries that differ only in spacing. */
  readonly text: string;
}

type Token =
  | { readonly t: "tag"; readonly text: string; readonly pos: number }
  | { readonly t: "string"; readonly text: string; readonly pos: number }
  | { readonly t: "number"; readonly text: string; readonly pos: number }
  | { readonly t: "time"; readonly text: string; readonly pos: number }
  | { readonly t: "date"; readonly text: string; readonly pos: number }
  | { readonly t: "op"; readonly text: QueryOp; readonly pos: number }
  | { readonly t: "and"; readonly text: "AND"; readonly pos: number }
  | { readonly t: "eof"; readonly text: ""; readonly pos: number };

const LABEL: Record<Token["t"], string> = {
  tag: "a tag (like transfer.sender)",
  string: "a quoted string",
  number: "a number",
  time: "a TIME timestamp",
  date: "a DATE datestamp",
  op: "an operator",
  and: "AND",
  eof: "the end of the query",
};

const isDigit = (c: string): boolean => c >= "0" && c <= "9";
const isFirstTagChar = (c: string): boolean => c === "_" || /\p{L}|\p{N}/u.test(c);
const isTagChar = (c: string): boolean => c === "." || c === "-" || isFirstTagChar(c);

function syntax(pos: number, message: string): QueryError {
  return new QueryError("QUERY_SYNTAX", `offset ${pos}: ${message}`, { offset: pos });
}

/** Splits the text into tokens (whitespace separates; strings keep their spaces). */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const chars = [...text];
  let i = 0;
  // Offsets count UTF-8 bytes, as CometBFT's scanner does.
  const offset = (idx: number): number => Buffer.byteLength(chars.slice(0, idx).join(""));
  while (i < chars.length) {
    const c = chars[i] ?? "";
    const pos = offset(i);
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    if (isDigit(c)) {
      let j = i;
      while (j < chars.length && isDigit(chars[j] ?? "")) j++;
      if (chars[j] === "." && isDigit(chars[j + 1] ?? "")) {
        j++;
        while (j < chars.length && isDigit(chars[j] ?? "")) j++;
      } else if (chars[j] === ".") {
        throw syntax(offset(j), "a number's fraction needs digits after the point");
      }
      out.push({ t: "number", text: chars.slice(i, j).join(""), pos });
      i = j;
      continue;
    }
    if (isFirstTagChar(c)) {
      let j = i;
      while (j < chars.length && isTagChar(chars[j] ?? "")) j++;
      const word = chars.slice(i, j).join("");
      if ((word === "TIME" || word === "DATE") && chars[j] === " ") {
        let k = j + 1;
        while (k < chars.length && /[0-9TZ:+-]/.test(chars[k] ?? "")) k++;
        const value = chars.slice(j + 1, k).join("");
        out.push(word === "TIME" ? timeToken(value, pos) : dateToken(value, pos));
        i = k;
        continue;
      }
      if (word === "AND") out.push({ t: "and", text: "AND", pos });
      else if (word === "CONTAINS" || word === "EXISTS") out.push({ t: "op", text: word, pos });
      else out.push({ t: "tag", text: word, pos });
      i = j;
      continue;
    }
    if (c === "'") {
      const end = chars.indexOf("'", i + 1);
      if (end < 0) throw syntax(pos, "unterminated string: a closing ' is missing");
      out.push({ t: "string", text: chars.slice(i + 1, end).join(""), pos });
      i = end + 1;
      continue;
    }
    if (c === "=" || c === "<" || c === ">") {
      const two = c !== "=" && chars[i + 1] === "=";
      out.push({ t: "op", text: (two ? `${c}=` : c) as QueryOp, pos });
      i += two ? 2 : 1;
      continue;
    }
    const hint = c === '"' ? " (strings are quoted with ', not \")" : "";
    throw syntax(pos, `invalid input ${JSON.stringify(c)}${hint}`);
  }
  out.push({ t: "eof", text: "", pos: offset(chars.length) });
  return out;
}

function timeToken(value: string, pos: number): Token {
  const ns = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$/.test(value)
    ? parseTimeNs(value)
    : null;
  if (ns === null) {
    throw syntax(
      pos,
      `invalid TIME value ${JSON.stringify(value)}: expected RFC 3339 like 2021-11-23T22:04:19Z`,
    );
  }
  const year = yearOf(value);
  if (year < 1900 || year > 2999) throw syntax(pos, `timestamp year ${year} out of range`);
  return { t: "time", text: value, pos };
}

function dateToken(value: string, pos: number): Token {
  if (parseDateNs(value) === null) {
    throw syntax(pos, `invalid DATE value ${JSON.stringify(value)}: expected YYYY-MM-DD`);
  }
  const year = yearOf(value);
  if (year < 1900 || year > 2999) throw syntax(pos, `datestamp year ${year} out of range`);
  return { t: "date", text: value, pos };
}

function toArg(tok: Token): QueryArg {
  switch (tok.t) {
    case "string":
      return { kind: "string", text: tok.text };
    case "number": {
      const value = parseQueryNumber(tok.text);
      if (value === null) throw syntax(tok.pos, `invalid number ${tok.text}`);
      return { kind: "number", text: tok.text, value };
    }
    case "time":
      return { kind: "time", text: tok.text, ns: parseTimeNs(tok.text) ?? 0n };
    case "date":
      return { kind: "date", text: tok.text, ns: parseDateNs(tok.text) ?? 0n };
    default:
      throw syntax(tok.pos, `got ${LABEL[tok.t]}, wanted an argument`);
  }
}

function want(tok: Token, kinds: readonly Token["t"][]): void {
  if (kinds.includes(tok.t)) return;
  const wanted = kinds.map((k) => LABEL[k]);
  const list = wanted.length === 1 ? wanted[0] : `${wanted.slice(0, -1).join(", ")} or ${wanted.at(-1)}`;
  const got = tok.t === "eof" ? LABEL.eof : `${LABEL[tok.t]} ${JSON.stringify(tok.text)}`;
  throw syntax(tok.pos, `got ${got}, wanted ${list}`);
}

/** Parses a query; throws QueryError (QUERY_SYNTAX, or QUERY_TOO_LONG past `maxLength`). */
export function parseQuery(text: string, maxLength?: number): Query {
  if (maxLength !== undefined && text.length > maxLength) {
    throw new QueryError(
      "QUERY_TOO_LONG",
      `the query is ${text.length} characters long; at most ${maxLength} are allowed`,
      { length: text.length, maxLength },
    );
  }
  const toks = tokenize(text);
  if (toks.length === 1) throw syntax(0, "empty query: expected a condition like tm.event = 'NewBlock'");
  const conditions: Condition[] = [];
  let i = 0;
  const next = (): Token => toks[i++] ?? { t: "eof", text: "", pos: text.length };
  for (;;) {
    const tag = next();
    want(tag, ["tag"]);
    const op = next();
    want(op, ["op"]);
    const opText = op.text as QueryOp;
    if (opText === "EXISTS") {
      conditions.push({ tag: tag.text, op: opText });
    } else {
      const argTok = next();
      if (opText === "CONTAINS") want(argTok, ["string"]);
      else if (opText === "=") want(argTok, ["number", "time", "date", "string"]);
      else want(argTok, ["number", "time", "date"]);
      conditions.push({ tag: tag.text, op: opText, arg: toArg(argTok) });
    }
    const sep = next();
    if (sep.t === "eof") break;
    want(sep, ["and"]);
  }
  return { conditions, text: conditions.map(conditionText).join(" AND ") };
}

export function conditionText(c: Condition): string {
  const head = `${c.tag} ${c.op}`;
  if (c.arg === undefined) return head;
  switch (c.arg.kind) {
    case "string":
      return `${head} '${c.arg.text}'`;
    case "number":
      return `${head} ${c.arg.text}`;
    case "time":
      return `${head} TIME ${c.arg.text}`;
    case "date":
      return `${head} DATE ${c.arg.text}`;
  }
}

function byOrder(op: QueryOp, cmp: number): boolean {
  switch (op) {
    case "=":
      return cmp === 0;
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
    case ">":
      return cmp > 0;
    case ">=":
      return cmp >= 0;
    default:
      return false;
  }
}

/** Compiles a condition into a test on one attribute value. */
export function conditionPredicate(c: Condition): (value: string) => boolean {
  const arg = c.arg;
  if (c.op === "EXISTS" || arg === undefined) return () => true;
  switch (arg.kind) {
    case "string":
      return c.op === "CONTAINS" ? (v) => v.includes(arg.text) : (v) => v === arg.text;
    case "number":
      return (v) => {
        const n = parseValueNumber(v);
        return n !== null && byOrder(c.op, compareDecimal(n, arg.value));
      };
    case "time":
      return (v) => {
        const ns = parseTimeNs(v);
        return ns !== null && byOrder(c.op, ns < arg.ns ? -1 : ns > arg.ns ? 1 : 0);
      };
    case "date":
      return (v) => {
        const ns = parseDateNs(v);
        return ns !== null && byOrder(c.op, ns < arg.ns ? -1 : ns > arg.ns ? 1 : 0);
      };
  }
}

/** The event type a tag names: everything before its last dot ("" for a tag without one). */
export function tagEventType(tag: string): string {
  const dot = tag.lastIndexOf(".");
  return dot < 0 ? "" : tag.slice(0, dot);
}
