import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CommitWait } from "../../../src/node/commit-wait.js";

describe("CommitWait", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function started(w: CommitWait, height: number, delayMs: number, proposesNext: boolean): { count: number } {
    const s = { count: 0 };
    w.begin(height, delayMs, proposesNext, () => s.count++);
    return s;
  }

  it("starts the next height after the full wait when nobody is ahead", () => {
    const w = new CommitWait();
    w.observe(5); // messages of the committed height itself say nothing
    const s = started(w, 5, 1000, false);
    vi.advanceTimersByTime(999);
    expect(s.count).toBe(0);
    expect(w.pending).toBe(true);
    vi.advanceTimersByTime(1);
    expect(s.count).toBe(1);
    expect(w.pending).toBe(false);
  });

  it("ends the wait as soon as a message for a later height arrives", () => {
    const w = new CommitWait();
    const s = started(w, 5, 1000, false);
    vi.advanceTimersByTime(100);
    w.observe(6);
    expect(s.count).toBe(1);
    vi.advanceTimersByTime(2000);
    expect(s.count).toBe(1);
  });

  it("does not wait at all when a later height was seen before the commit", () => {
    const w = new CommitWait();
    w.observe(7);
    const s = started(w, 5, 1000, false);
    expect(s.count).toBe(0); // asynchronous, like the full wait
    vi.advanceTimersByTime(0);
    expect(s.count).toBe(1);
  });

  it("keeps the full wait on the next height's first proposer, whatever arrives", () => {
    const w = new CommitWait();
    w.observe(9);
    const s = started(w, 5, 1000, true);
    w.observe(6);
    vi.advanceTimersByTime(999);
    expect(s.count).toBe(0);
    vi.advanceTimersByTime(1);
    expect(s.count).toBe(1);
  });

  it("cancel drops the pending start; a new begin replaces the old one", () => {
    const w = new CommitWait();
    const first = started(w, 5, 1000, false);
    const second = started(w, 6, 500, false);
    vi.advanceTimersByTime(1000);
    expect(first.count).toBe(0);
    expect(second.count).toBe(1);
    const third = started(w, 7, 500, false);
    w.cancel();
    w.observe(8);
    vi.advanceTimersByTime(1000);
    expect(third.count).toBe(0);
  });
});
