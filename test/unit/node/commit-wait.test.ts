import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CommitWait } from "../../../src/node/commit-wait.js";

describe("CommitWait", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function begin(w: CommitWait, delayMs: number, proposesNext: boolean): { count: number } {
    const s = { count: 0 };
    w.begin(delayMs, proposesNext, () => s.count++);
    return s;
  }

  it("starts the next height after the full wait when nobody hurries it", () => {
    const w = new CommitWait();
    const s = begin(w, 1000, false);
    vi.advanceTimersByTime(999);
    expect(s.count).toBe(0);
    expect(w.pending).toBe(true);
    vi.advanceTimersByTime(1);
    expect(s.count).toBe(1);
    expect(w.pending).toBe(false);
    expect(w.canHurry).toBe(false);
  });

  it("hurry ends the wait at the next turn, once", () => {
    const w = new CommitWait();
    const s = begin(w, 1000, false);
    vi.advanceTimersByTime(100);
    expect(w.canHurry).toBe(true);
    w.hurry();
    expect(w.canHurry).toBe(false);
    w.hurry();
    expect(s.count).toBe(0); // never from inside the caller's message handling
    vi.advanceTimersByTime(0);
    expect(s.count).toBe(1);
    vi.advanceTimersByTime(2000);
    expect(s.count).toBe(1);
  });

  it("keeps the full wait on the next height's first proposer", () => {
    const w = new CommitWait();
    const s = begin(w, 1000, true);
    expect(w.canHurry).toBe(false);
    w.hurry();
    vi.advanceTimersByTime(999);
    expect(s.count).toBe(0);
    vi.advanceTimersByTime(1);
    expect(s.count).toBe(1);
  });

  it("a new begin replaces the pending start and resets hurry; cancel drops it", () => {
    const w = new CommitWait();
    const first = begin(w, 1000, false);
    w.hurry();
    const second = begin(w, 500, false);
    expect(w.canHurry).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(first.count).toBe(0);
    expect(second.count).toBe(1);
    const third = begin(w, 500, false);
    w.cancel();
    w.hurry();
    vi.advanceTimersByTime(1000);
    expect(third.count).toBe(0);
  });
});
