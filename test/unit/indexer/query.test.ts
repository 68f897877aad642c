/** The CometBFT query language: each operator, AND, quoting, numbers, times, and typed errors. */
import { describe, expect, it } from "vitest";
import { isDccnError } from "../../../src/errors.js";
import { compileQuery, eventMapOf } from "../../../src/indexer/matcher.js";
import { parseQuery } from "../../../src/indexer/query.js";

const events = (entries: Record<string, string[]>) => new Map(Object.entries(entries));
const matches = (q: string, ev: Record<string, string[]>) => compileQuery(parseQuery(q)).matches(events(ev));

function syntaxError(q: string): string {
  try {
    parseQuery(q);
  } catch (err) {
    expect(isDccnError(err, "QUERY_SYNTAX")).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`query ${JSON.stringify(q)} parsed`);
}

describe("parseQuery", () => {
  it("parses every operator and argument kind into conditions", () => {
    const q = parseQuery(
      "tm.event='Tx' AND a.b < 5 AND a.c<=5.5 AND a.d > 1 AND a.e >= 2 AND a.f CONTAINS 'x y' AND a.g EXISTS AND a.h = TIME 2021-11-23T22:04:19-09:00 AND a.i > DATE 2021-01-02",
    );
    expect(q.conditions.map((c) => [c.tag, c.op, c.arg?.kind, c.arg?.text])).toStrictEqual([
      ["tm.event", "=", "string", "Tx"],
      ["a.b", "<", "number", "5"],
      ["a.c", "<=", "number", "5.5"],
      ["a.d", ">", "number", "1"],
      ["a.e", ">=", "number", "2"],
      ["a.f", "CONTAINS", "string", "x y"],
      ["a.g", "EXISTS", undefined, undefined],
      ["a.h", "=", "time", "2021-11-23T22:04:19-09:00"],
      ["a.i", ">", "date", "2021-01-02"],
    ]);
  });

  it("gives the same canonical text for queries differing only in spacing", () => {
    const a = parseQuery("tm.event='NewBlock'   AND  x.y>=3");
    const b = parseQuery("tm.event = 'NewBlock' AND x.y >= 3");
    expect(a.text).toBe("tm.event = 'NewBlock' AND x.y >= 3");
    expect(b.text).toBe(a.text);
  });

  it("keeps quoted strings verbatim: spaces, AND, operators, double quotes, unicode", () => {
    const q = parseQuery(`m.memo = 'a AND b = "c" <ü>'`);
    expect(q.conditions[0]?.arg?.text).toBe('a AND b = "c" <ü>');
  });

  it("rejects malformed queries with an offset and what was expected", () => {
    expect(syntaxError("")).toContain("empty query");
    expect(syntaxError("tm.event")).toMatch(/offset 8: got the end of the query, wanted an operator/);
    expect(syntaxError("tm.event = ")).toMatch(
      /wanted a number, a TIME timestamp, a DATE datestamp or a quoted string/,
    );
    expect(syntaxError("tm.event = 'Tx")).toContain("unterminated string");
    expect(syntaxError('tm.event = "Tx"')).toContain("strings are quoted with '");
    expect(syntaxError("a.b < 'x'")).toMatch(/got a quoted string "x", wanted a number/);
    expect(syntaxError("a.b CONTAINS 5")).toMatch(/wanted a quoted string/);
    expect(syntaxError("a.b = 1 OR a.c = 2")).toMatch(
      /offset 8: got a tag \(like transfer.sender\) "OR", wanted AND/,
    );
    expect(syntaxError("a.b = 1 AND")).toMatch(/wanted a tag/);
    expect(syntaxError("a.b = TIME 2021-13-01T00:00:00Z")).toContain("invalid TIME value");
    expect(syntaxError("a.b = DATE 1800-01-01")).toContain("datestamp year 1800 out of range");
    expect(syntaxError("a.b = 5.")).toContain("fraction needs digits");
    expect(syntaxError("a.b ! 5")).toContain('invalid input "!"');
  });

  it("refuses a query over the length limit with QUERY_TOO_LONG", () => {
    try {
      parseQuery(`a.b = '${"x".repeat(600)}'`, 512);
      throw new Error("parsed");
    } catch (err) {
      expect(isDccnError(err, "QUERY_TOO_LONG")).toBe(true);
    }
  });
});

describe("matching event maps", () => {
  it("= on strings is exact, CONTAINS is a substring test, EXISTS needs the tag", () => {
    const ev = { "tm.event": ["Tx"], "transfer.sender": ["alice", "bob"] };
    expect(matches("transfer.sender = 'bob'", ev)).toBe(true);
    expect(matches("transfer.sender = 'bo'", ev)).toBe(false);
    expect(matches("transfer.sender CONTAINS 'lic'", ev)).toBe(true);
    expect(matches("transfer.sender CONTAINS 'carol'", ev)).toBe(false);
    expect(matches("transfer.sender EXISTS", ev)).toBe(true);
    expect(matches("transfer.recipient EXISTS", ev)).toBe(false);
    expect(matches("transfer EXISTS", ev)).toBe(true);
  });

  it("compares numbers exactly, reads leading numbers of values like 8atom, ignores non-numbers", () => {
    const ev = {
      "a.n": ["8atom"],
      "a.big": ["123456789012345678901234567890"],
      "a.neg": ["-3"],
      "a.s": ["abc"],
    };
    expect(matches("a.n = 8", ev)).toBe(true);
    expect(matches("a.n > 7.999999999999999999999", ev)).toBe(true);
    expect(matches("a.n < 8", ev)).toBe(false);
    expect(matches("a.n <= 8.0", ev)).toBe(true);
    expect(matches("a.n >= 8.000000000000000000001", ev)).toBe(false);
    expect(matches("a.big > 123456789012345678901234567889", ev)).toBe(true);
    expect(matches("a.big = 123456789012345678901234567891", ev)).toBe(false);
    expect(matches("a.neg < 0", ev)).toBe(true);
    expect(matches("a.s < 100", ev)).toBe(false);
    expect(matches("a.s > 0", ev)).toBe(false);
  });

  it("compares TIME and DATE values as instants across time zones", () => {
    const ev = { "a.t": ["2021-11-24T07:04:19Z"], "a.d": ["2021-11-24"] };
    expect(matches("a.t = TIME 2021-11-23T22:04:19-09:00", ev)).toBe(true);
    expect(matches("a.t > TIME 2021-11-24T07:04:18Z", ev)).toBe(true);
    expect(matches("a.t < TIME 2021-11-24T07:04:19Z", ev)).toBe(false);
    expect(matches("a.d >= DATE 2021-11-24", ev)).toBe(true);
    expect(matches("a.d < DATE 2021-11-24", ev)).toBe(false);
    expect(matches("a.t = DATE 2021-11-24", ev)).toBe(false);
  });

  it("requires every AND condition; an empty map matches nothing", () => {
    const ev = { "tm.event": ["Tx"], "tx.height": ["5"] };
    expect(matches("tm.event = 'Tx' AND tx.height = 5", ev)).toBe(true);
    expect(matches("tm.event = 'Tx' AND tx.height = 6", ev)).toBe(false);
    expect(matches("tm.event EXISTS", {})).toBe(false);
  });

  it("eventMapOf flattens events, skips empty types and keys, and appends reserved keys", () => {
    const map = eventMapOf(
      [
        {
          type: "transfer",
          attributes: [
            { key: "amount", value: "5" },
            { key: "", value: "x" },
          ],
        },
        { type: "", attributes: [{ key: "k", value: "v" }] },
        { type: "transfer", attributes: [{ key: "amount", value: "7" }] },
      ],
      { "tm.event": "Tx" },
    );
    expect([...map]).toStrictEqual([
      ["transfer.amount", ["5", "7"]],
      ["tm.event", ["Tx"]],
    ]);
  });
});
