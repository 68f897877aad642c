/**
 * The story of one schedule, one line per event that matters to consensus: rounds, signed
 * messages, decisions, faults and Byzantine actions, stamped with virtual time. Off by
 * default (formatting costs time); a failing seed is re-run with it on, which gives the same
 * run because the seed fixes everything.
 */
export class Trace {
  readonly lines: string[] = [];
  private clock: () => number = () => 0;

  constructor(readonly enabled: boolean) {}

  /** Where timestamps come from (the network's virtual clock). */
  useClock(clock: () => number): void {
    this.clock = clock;
  }

  /** `node` null: a network-wide event. */
  add(node: number | null, text: string | (() => string)): void {
    if (!this.enabled) return;
    const at = String(this.clock()).padStart(7);
    const who = node === null ? "   " : `n${node}`.padEnd(3);
    this.lines.push(`${at} ms ${who} ${typeof text === "string" ? text : text()}`);
  }
}
