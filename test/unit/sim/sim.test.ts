/**
 * The Byzantine simulator drives the real consensus core (drivers, vote keepers, privval
 * signers, Ed25519) through seeded adversarial schedules. Every schedule must keep agreement,
 * validity, no honest double-sign, and liveness after GST; with a safety switch broken on the
 * honest nodes, the same default seeds must expose a violation.
 */
import { describe, expect, it } from "vitest";
import {
  buildScenario,
  DEFAULT_SEEDS,
  explainFailure,
  type RunSeedsResult,
  replayCommand,
  runSeeds,
  type SimResult,
  simulate,
} from "../../../src/consensus/sim/index.js";

/** The first failure, explained (replay command and trace), or "" when there is none. */
async function firstFailure(run: RunSeedsResult): Promise<string> {
  const failure = run.failures[0];
  return failure === undefined ? "" : explainFailure(failure, 80);
}

describe("Byzantine simulator", () => {
  it(`keeps every property over the default ${DEFAULT_SEEDS} seeds, exercising every fault`, async () => {
    const totals = {
      byzantineSeeds: 0,
      partitions: 0,
      crashes: 0,
      restarts: 0,
      replayedInputs: 0,
      equivocationsReported: 0,
      equivocatedProposals: 0,
      doubleVotes: 0,
      invalidProposals: 0,
      replayed: 0,
      caughtUp: 0,
      gossipResent: 0,
      laterRounds: 0,
      lossySeeds: 0,
      duplicatingSeeds: 0,
      skewedSeeds: 0,
      validatorCounts: new Set<number>(),
    };
    const run = await runSeeds({
      onResult: (r: SimResult) => {
        const s = r.scenario;
        totals.byzantineSeeds += s.byzantine.length > 0 ? 1 : 0;
        totals.partitions += s.partitions.length;
        totals.crashes += s.crashes.length;
        totals.restarts += r.stats.restarts;
        totals.replayedInputs += r.stats.replayedInputs;
        totals.equivocationsReported += r.stats.equivocationsReported;
        totals.equivocatedProposals += r.stats.adversary.equivocatedProposals;
        totals.doubleVotes += r.stats.adversary.doubleVotes;
        totals.invalidProposals += r.stats.adversary.invalidProposals;
        totals.replayed += r.stats.adversary.replayed;
        totals.caughtUp += r.stats.caughtUp;
        totals.gossipResent += r.stats.gossipResent;
        totals.laterRounds += r.stats.maxDecisionRound > 0 ? 1 : 0;
        totals.lossySeeds += s.network.lossPerMille > 0 ? 1 : 0;
        totals.duplicatingSeeds += s.network.dupPerMille > 0 ? 1 : 0;
        totals.skewedSeeds += new Set(s.skewPct).size > 1 ? 1 : 0;
        totals.validatorCounts.add(s.powers.length);
      },
    });
    expect(await firstFailure(run)).toBe("");
    expect(run.runs).toBe(DEFAULT_SEEDS);
    // The schedules really were adversarial (a quiet simulator would pass trivially).
    for (const [name, value] of Object.entries(totals)) {
      if (typeof value === "number") expect(value, name).toBeGreaterThan(10);
    }
    expect([...totals.validatorCounts].sort()).toEqual([4, 5, 6, 7]);
    expect(run.schedulesPerSecond).toBeGreaterThan(0);
  });

  it("negative control: honest nodes that ignore their lock are caught within the default seeds", async () => {
    const run = await runSeeds({ unsafeIgnoreLock: true, stopOnFailure: true });
    expect(run.failures).toHaveLength(1);
    const failure = run.failures[0]!;
    expect(failure.violation?.kind).toBe("agreement");
    expect(failure.replay).toContain("--unsafe-ignore-lock");
    // The printed command replays it exactly: same violation, same trace on every run.
    const again = await simulate(failure.seed, {
      validators: failure.scenario.powers.length,
      heights: failure.scenario.heights,
      unsafeIgnoreLock: true,
      trace: true,
    });
    expect(again.violation).toEqual(failure.violation);
    expect(again.decided).toEqual(failure.decided);
    const text = await explainFailure(failure);
    expect(text).toContain(failure.replay);
    expect(text).toContain("VIOLATION (agreement)");
  });

  it("negative control: honest nodes that count a duplicate vote twice are caught within the default seeds", async () => {
    const run = await runSeeds({ unsafeCountDuplicateVotes: true, stopOnFailure: true });
    expect(run.failures).toHaveLength(1);
    const failure = run.failures[0]!;
    expect(["agreement", "validity"]).toContain(failure.violation?.kind);
    expect(failure.replay).toContain("--unsafe-count-duplicate-votes");
    const again = await simulate(failure.seed, {
      validators: failure.scenario.powers.length,
      heights: failure.scenario.heights,
      unsafeCountDuplicateVotes: true,
    });
    expect(again.violation).toEqual(failure.violation);
  });

  it("is deterministic: one seed, one schedule, with or without the trace", async () => {
    const a = await simulate(42, { trace: true });
    const b = await simulate(42, { trace: true });
    const quiet = await simulate(42);
    expect(a.trace.length).toBeGreaterThan(50);
    expect(b.trace).toEqual(a.trace);
    expect(quiet.decided).toEqual(a.decided);
    expect(quiet.stats).toEqual(a.stats);
    expect(a.decided.every((h) => h.length === 64)).toBe(true);
    const other = await simulate(43);
    expect(other.decided).not.toEqual(a.decided);
  });
});

describe("scenarios", () => {
  it("keep Byzantine power strictly below a third and restart every crash before GST", () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const s = buildScenario(seed);
      const total = s.powers.reduce((x, y) => x + y, 0);
      const byz = s.byzantine.reduce((x, b) => x + s.powers[b.node]!, 0);
      expect(3 * byz).toBeLessThan(total);
      for (const c of s.crashes) {
        expect(s.byzantine.some((b) => b.node === c.node)).toBe(false);
        expect(c.restartMs).toBeLessThanOrEqual(s.gstMs);
      }
      for (const p of s.partitions) expect(p.toMs).toBeLessThanOrEqual(s.gstMs);
    }
  });

  it("replay with the drawn validator count gives back the same scenario", () => {
    const drawn = buildScenario(7, { heights: 5 });
    expect(buildScenario(7, { heights: 5, validators: drawn.powers.length })).toEqual(drawn);
    expect(replayCommand(drawn)).toBe(
      `npm run sim -- --seed 7 --validators ${drawn.powers.length} --heights 5`,
    );
  });

  it("rejects bad options with a typed error", () => {
    expect(() => buildScenario(-1)).toThrowError(expect.objectContaining({ code: "SIM_BAD_OPTIONS" }));
    expect(() => buildScenario(1, { validators: 0 })).toThrowError(
      expect.objectContaining({ code: "SIM_BAD_OPTIONS" }),
    );
    expect(() => buildScenario(1, { heights: 1.5 })).toThrowError(
      expect.objectContaining({ code: "SIM_BAD_OPTIONS" }),
    );
  });
});
