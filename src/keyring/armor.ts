/**
 * ASCII armor for exported keys, so an encrypted key survives copy/paste and e-mail:
 *
 *   -----BEGIN DCCN PRIVATE KEY-----
 *   address: ankr1…
 *   kdf: scrypt
 *
 *   <base64 of the JSON export document, 64 characters a line>
 *   -----END DCCN PRIVATE KEY-----
 *
 * Headers are informational; the document is authoritative (and authenticated by its cipher).
 */
import { KeyringError } from "./types.js";

const BEGIN = "-----BEGIN DCCN PRIVATE KEY-----";
const END = "-----END DCCN PRIVATE KEY-----";
const LINE = 64;
/** An armored key is a few hundred bytes; anything far larger is not one. */
const MAX_ARMOR_CHARS = 64 * 1024;

const invalid = (why: string) => new KeyringError("KEY_ARMOR_INVALID", `not an armored DCCN key: ${why}`);

export function armor(doc: unknown, headers: Readonly<Record<string, string>>): string {
  const body = Buffer.from(JSON.stringify(doc), "utf8").toString("base64");
  const lines = [BEGIN, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), ""];
  for (let at = 0; at < body.length; at += LINE) lines.push(body.slice(at, at + LINE));
  lines.push(END);
  return `${lines.join("\n")}\n`;
}

export const looksArmored = (text: string): boolean => text.trimStart().startsWith(BEGIN);

/** The document inside an armored block and its headers. Throws KEY_ARMOR_INVALID. */
export function dearmor(text: string): { headers: Record<string, string>; doc: unknown } {
  if (text.length > MAX_ARMOR_CHARS) throw invalid(`longer than ${MAX_ARMOR_CHARS} characters`);
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const start = lines.indexOf(BEGIN);
  const end = lines.indexOf(END);
  if (start < 0 || end < start) throw invalid(`expected the text between ${BEGIN} and ${END}`);
  const inner = lines.slice(start + 1, end);
  const blank = inner.indexOf("");
  const headerLines = blank < 0 ? [] : inner.slice(0, blank);
  const bodyLines = blank < 0 ? inner : inner.slice(blank + 1);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m === null) throw invalid(`bad header line ${JSON.stringify(line.slice(0, 40))}`);
    headers[m[1]!.toLowerCase()] = m[2]!;
  }
  const body = bodyLines.join("");
  if (body === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) {
    throw invalid("the body is not base64");
  }
  try {
    return { headers, doc: JSON.parse(Buffer.from(body, "base64").toString("utf8")) as unknown };
  } catch {
    throw invalid("the body is not a JSON document");
  }
}
