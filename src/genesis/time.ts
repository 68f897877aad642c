/** RFC 3339 timestamps as CometBFT writes them (up to nanoseconds); kept as milliseconds. */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or undefined when `text` is not a valid RFC 3339 time. */
export function parseRfc3339Ms(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February into March; reject days the month does not have.
  // Date.UTC also maps years 0-99 to 1900-1999; reject anything that did not round-trip.
  const check = new Date(local);
  if (check.getUTCDate() !== day || check.getUTCFullYear() !== year) return undefined;
  let offsetMin = 0;
  if (zone !== "Z" && zone !== undefined) {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  // Sub-millisecond digits are truncated: the chain keeps block times in milliseconds.
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  return local - offsetMin * 60_000 + ms;
}

/** The ISO form of `ms`, or "" when it is not a representable time (parsing "" then fails). */
export function formatRfc3339Ms(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}
