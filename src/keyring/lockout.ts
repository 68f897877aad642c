/**
 * Lockout after wrong passwords (whitepaper, security chapter): from 5 consecutive failures a
 * key is locked for 60 s after each further failure, from 15 for an hour; a right password
 * resets the count. State lives next to the keys (`.lockout.json`), so it holds across CLI
 * runs. It slows guessing through this program only — someone holding the key file can try
 * passwords offline, which the scrypt cost is there for.
 */
import { readFileSync } from "node:fs";
import { hasErrno, writeFileAtomic } from "../config/fs.js";
import { KeyringError } from "./types.js";

export interface LockoutStep {
  /** Consecutive failures from which this step applies. */
  readonly failures: number;
  readonly lockMs: number;
}

export const DEFAULT_LOCKOUT: readonly LockoutStep[] = [
  { failures: 5, lockMs: 60_000 },
  { failures: 15, lockMs: 60 * 60_000 },
];

interface Attempts {
  failures: number;
  lockedUntilMs: number;
}

export class LockoutTracker {
  constructor(
    private readonly file: string,
    private readonly steps: readonly LockoutStep[] = DEFAULT_LOCKOUT,
    private readonly now: () => number = Date.now,
  ) {}

  private load(): Record<string, Attempts> {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (err) {
      if (hasErrno(err, "ENOENT")) return {};
      throw err;
    }
    try {
      const doc = JSON.parse(text) as unknown;
      return typeof doc === "object" && doc !== null ? (doc as Record<string, Attempts>) : {};
    } catch {
      // A damaged lockout file must not lock the owner out for good: start counting afresh.
      return {};
    }
  }

  private save(all: Record<string, Attempts>): void {
    writeFileAtomic(this.file, `${JSON.stringify(all)}\n`, { mode: 0o600 });
  }

  /** Throws KEY_LOCKED while `name` is locked. */
  assertUnlocked(name: string): void {
    const a = this.load()[name];
    const waitMs = (a?.lockedUntilMs ?? 0) - this.now();
    if (a !== undefined && waitMs > 0) {
      throw new KeyringError(
        "KEY_LOCKED",
        `key ${JSON.stringify(name)} is locked for ${Math.ceil(waitMs / 1000)} s after ${a.failures} wrong passwords`,
        { name, failures: a.failures, retryAfterMs: waitMs },
      );
    }
  }

  /** Counts a wrong password; returns the lock it caused in ms (0: none). */
  recordFailure(name: string): number {
    const all = this.load();
    const failures = (all[name]?.failures ?? 0) + 1;
    let lockMs = 0;
    for (const step of this.steps) if (failures >= step.failures) lockMs = Math.max(lockMs, step.lockMs);
    all[name] = { failures, lockedUntilMs: lockMs > 0 ? this.now() + lockMs : 0 };
    this.save(all);
    return lockMs;
  }

  recordSuccess(name: string): void {
    const all = this.load();
    if (all[name] === undefined) return;
    delete all[name];
    this.save(all);
  }
}
