/**
 * The market's EndBlock through a real DccnApp: WDRF placements with the per-block work bound,
 * ack timeouts and provider failures (redeploy elsewhere, reputation charged), expiries with
 * refunds, availability and retirement, and epoch reward minting to the unit.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_MARKET_CHAIN_PARAMS,
  distributeRewards,
  newReputation,
  ONE,
  recordOutcome,
  reputationScore,
  resources,
} from "../../../../src/dccn-app/market/index.js";
import {
  ANKR,
  addInstance,
  cpuMem,
  MarketChain,
  m,
  P1,
  P2,
  registerProvider,
  removeTempDirs,
  report,
  submit,
  submittedId,
  T1,
  T2,
  T3,
  type TaskJson,
  taskMsg,
  timeOf,
} from "./harness.js";

afterAll(removeTempDirs);

const PRICES = resources({ cpu: 1000n, memory: 1n });
const MAX = 100_000_000_000n;

async function tasksOf(chain: MarketChain, filter: Record<string, unknown>): Promise<TaskJson[]> {
  return (await chain.query<{ tasks: TaskJson[] }>("/market/tasks", filter)).tasks;
}

describe("WDRF at EndBlock", () => {
  it("reproduces the DRF example on one provider: <1 CPU, 4 GiB> × 3 and <3 CPU, 1 GiB> × 2 fill 9 CPU, 18 GiB", async () => {
    const chain = await MarketChain.open();
    await chain.ok(registerProvider(P1), addInstance(P1, "big", cpuMem(9000n, 18n), PRICES));
    const a = Array.from({ length: 5 }, () => submit(T1, cpuMem(1000n, 4n), { maxPricePerSec: MAX }));
    const b = Array.from({ length: 5 }, () => submit(T2, cpuMem(3000n, 1n), { maxPricePerSec: MAX }));
    // Submission order inside the block must not matter: interleave them.
    await chain.ok(...a.flatMap((x, i) => [x, b[i]!]));
    expect(await tasksOf(chain, { status: "scheduled", tenant: T1.bech32 })).toHaveLength(3);
    expect(await tasksOf(chain, { status: "scheduled", tenant: T2.bech32 })).toHaveLength(2);
    expect(await tasksOf(chain, { status: "pending" })).toHaveLength(5);
    const p = await chain.query<{ instances: { used: { cpu: string; memory: string } }[] }>(
      `/market/provider/${P1.bech32}`,
    );
    expect(p.instances[0]!.used.cpu).toBe("9000");
    await chain.close();
  });

  it("places at most max_tasks_per_call per block, alternating tenants, and keeps fairness across blocks", async () => {
    const chain = await MarketChain.open({ params: { scheduler: { max_tasks_per_call: 2 } } });
    await chain.ok(registerProvider(P1), addInstance(P1, "a", cpuMem(64_000n, 64n), PRICES));
    await chain.ok(
      ...Array.from({ length: 4 }, () => submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX })),
      submit(T2, cpuMem(1000n, 1n), { maxPricePerSec: MAX }),
    );
    const placed = await tasksOf(chain, { status: "scheduled" });
    expect(placed.map((t) => t.tenant).sort()).toEqual([T1.bech32, T2.bech32].sort());
    await chain.block();
    expect(await tasksOf(chain, { status: "scheduled" })).toHaveLength(4);
    await chain.block();
    expect(await tasksOf(chain, { status: "scheduled" })).toHaveLength(5);
    await chain.close();
  });

  it("prefers the cheaper provider and skips unavailable or retired instances", async () => {
    const chain = await MarketChain.open();
    await chain.ok(
      registerProvider(P1),
      addInstance(P1, "cheap", cpuMem(8000n, 8n), PRICES),
      registerProvider(P2),
      addInstance(P2, "dear", cpuMem(8000n, 8n), resources({ cpu: 5000n, memory: 5n })),
    );
    const [s1] = await chain.ok(submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX }));
    expect((await chain.task(submittedId(s1!))).provider).toBe(P1.bech32);
    await chain.ok({ from: P1, msg: m("setAvailability", { instanceId: "cheap", available: false }) });
    const [s2] = await chain.ok(submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX }));
    expect((await chain.task(submittedId(s2!))).provider).toBe(P2.bech32);
    await chain.ok(
      { from: P1, msg: m("setAvailability", { instanceId: "cheap", available: true }) },
      { from: P1, msg: m("retire", { instanceId: "cheap" }) },
    );
    const [s3] = await chain.ok(submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX }));
    expect((await chain.task(submittedId(s3!))).provider).toBe(P2.bech32);
    // The retired instance's task is still there, scheduled.
    expect((await chain.task(submittedId(s1!))).status).toBe("scheduled");
    await chain.close();
  });
});

describe("lost placements, expiry and cancellation", () => {
  it("redeploys after an ack timeout or a reported failure, charges the provider, then fails with a refund", async () => {
    const chain = await MarketChain.open({
      params: { lifecycle: { ack_timeout_blocks: 2, max_attempts: 3 } },
    });
    await chain.ok(
      registerProvider(P1),
      addInstance(P1, "a", cpuMem(4000n, 4n), PRICES),
      registerProvider(P2),
      addInstance(P2, "b", cpuMem(4000n, 4n), resources({ cpu: 2000n, memory: 2n })),
    );
    const t1Before = await chain.balance(T1);
    const [s] = await chain.ok(submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX }));
    const id = submittedId(s!);
    let t = await chain.task(id);
    expect(t.provider).toBe(P1.bech32);
    const placedAt = t.scheduled_height;
    // No ack: at height placedAt + 2 it returns to pending and is placed with P2 in the same EndBlock.
    await chain.block();
    await chain.block();
    expect(chain.height).toBe(placedAt + 2);
    t = await chain.task(id);
    expect(t).toMatchObject({
      status: "scheduled",
      provider: P2.bech32,
      attempts: 1,
      avoid_providers: [P1.bech32],
    });
    const rep = await chain.query<{ resource_provider: { service_level: string; finished_deals: string } }>(
      `/market/reputation/${P1.bech32}`,
    );
    const failed = recordOutcome(newReputation(), "failed");
    expect(rep.resource_provider).toMatchObject({
      service_level: failed.serviceLevel.toString(),
      finished_deals: "1",
    });
    // P2 acknowledges, then reports failure: back to pending, but no provider is left to take it.
    await chain.ok(taskMsg("ackTask", P2, id));
    await chain.ok({ from: P2, msg: m("failTask", { taskId: id, reason: "disk died" }) });
    t = await chain.task(id);
    expect(t).toMatchObject({ status: "pending", attempts: 2, provider: "" });
    expect(await chain.balance(T1)).toBe(t1Before - BigInt(t.escrow_locked));
    // Cancelling a pending task refunds everything and touches nobody's reputation.
    await chain.ok(taskMsg("cancelTask", T1, id));
    t = await chain.task(id);
    expect(t.status).toBe("cancelled");
    expect(await chain.balance(T1)).toBe(t1Before);
    await chain.close();
  });

  it("fails a task for good after max_attempts lost placements and refunds its escrow", async () => {
    const chain = await MarketChain.open({
      params: { lifecycle: { ack_timeout_blocks: 1, max_attempts: 2 } },
    });
    await chain.ok(
      registerProvider(P1),
      addInstance(P1, "a", cpuMem(4000n, 4n), PRICES),
      registerProvider(P2),
      addInstance(P2, "b", cpuMem(4000n, 4n), PRICES),
    );
    const before = await chain.balance(T1);
    const [s] = await chain.ok(submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX }));
    const id = submittedId(s!);
    await chain.block();
    await chain.block();
    const t = await chain.task(id);
    expect(t).toMatchObject({ status: "failed", attempts: 2 });
    expect(BigInt(t.refunded)).toBe(BigInt(t.escrow_locked));
    expect(await chain.balance(T1)).toBe(before);
    await chain.close();
  });

  it("expires a task nobody places, and a running one past its paid time, refunding what is left", async () => {
    const chain = await MarketChain.open({ params: { timing: { max_pending_sec: 5, grace_sec: 3 } } });
    await chain.ok(registerProvider(P1), addInstance(P1, "a", cpuMem(2000n, 2n), PRICES));
    const before = await chain.balance(T1);
    const [run, wait] = await chain.ok(
      submit(T1, cpuMem(2000n, 2n), { maxPricePerSec: MAX, durationSec: 10 }),
      submit(T1, cpuMem(2000n, 2n), { maxPricePerSec: MAX, durationSec: 10 }),
    );
    const runId = submittedId(run!);
    const waitId = submittedId(wait!);
    await chain.ok(taskMsg("ackTask", P1, runId));
    const start = (await chain.task(runId)).started_at;
    // The second task waits (the instance is full) and expires after 5 s.
    await chain.until(timeOf(chain.height) + 6);
    expect((await chain.task(waitId)).status).toBe("expired");
    await chain.ok(report(P1, runId, start, start + 4, cpuMem(2000n * 4n, 2n * 4n)));
    // Paid time ends at start + 10, then 3 s of grace.
    await chain.until(start + 13);
    const t = await chain.task(runId);
    expect(t.status).toBe("expired");
    const paid = BigInt(t.paid_provider) + BigInt(t.paid_platform);
    expect(BigInt(t.refunded)).toBe(BigInt(t.escrow_locked) - paid);
    expect(await chain.balance(T1)).toBe(before - paid);
    const p = await chain.query<{ instances: { used: { cpu: string }; tasks: number }[] }>(
      `/market/provider/${P1.bech32}`,
    );
    expect(p.instances[0]).toMatchObject({ used: { cpu: "0" }, tasks: 0 });
    await chain.close();
  });

  it("charges the tenant's credit for cancelling a running deal, not the provider's", async () => {
    const chain = await MarketChain.open();
    await chain.ok(registerProvider(P1), addInstance(P1, "a", cpuMem(2000n, 2n), PRICES));
    const [s] = await chain.ok(submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX }));
    const id = submittedId(s!);
    await chain.ok(taskMsg("ackTask", P1, id));
    await chain.ok(taskMsg("cancelTask", T1, id));
    const rep = await chain.query<{
      consumer: { service_level: string };
      resource_provider: { service_level: string; finished_deals: string };
      consumer_credit_ppm: number;
    }>(`/market/reputation/${T1.bech32}`);
    expect(rep.consumer.service_level).toBe(recordOutcome(newReputation(), "failed").serviceLevel.toString());
    const prov = await chain.query<{ resource_provider: { service_level: string; finished_deals: string } }>(
      `/market/reputation/${P1.bech32}`,
    );
    expect(prov.resource_provider).toMatchObject({
      service_level: (ONE / 2n).toString(),
      finished_deals: "1",
    });
    await chain.close();
  });
});

describe("epoch rewards", () => {
  it("mints the epoch's rewards to this epoch's participants, exactly as distributeRewards says", async () => {
    const pool = 1000n * ANKR;
    const chain = await MarketChain.open({ params: { epoch: { blocks: 8, pool: pool.toString() } } });
    const total0 = await chain.totalBalance();
    await chain.ok(registerProvider(P1), addInstance(P1, "a", cpuMem(4000n, 4n), PRICES));
    const [s] = await chain.ok(submit(T3, cpuMem(1000n, 1n), { maxPricePerSec: MAX }));
    const id = submittedId(s!);
    await chain.ok(taskMsg("ackTask", P1, id));
    const start = (await chain.task(id)).started_at;
    await chain.until(start + 2);
    await chain.ok(report(P1, id, start, start + 2, cpuMem(2000n, 2n)));
    await chain.ok(taskMsg("completeTask", P1, id));
    const t = await chain.task(id);
    while (chain.height < 8) await chain.block();
    const escrow = await chain.query<{ minted: string }>("/market/escrow");
    // The expected payouts from the same records: fees paid/earned, one completed deal each.
    const params = DEFAULT_MARKET_CHAIN_PARAMS;
    const repOf = async (w: typeof P1, role: "consumer" | "resource_provider") => {
      const r = await chain.query<Record<string, { score: string }>>(`/market/reputation/${w.bech32}`);
      return BigInt(r[role]!.score);
    };
    const expected = distributeRewards(
      pool,
      [
        {
          address: T3.bech32,
          role: "consumer",
          factors: {
            payFee: BigInt(t.paid_provider) + BigInt(t.paid_platform) + BigInt(t.paid_app),
            completedDeals: 1n,
            ratingTimes: 0n,
            stakeHolding: 0n,
            reputation: await repOf(T3, "consumer"),
          },
        },
        {
          address: P1.bech32,
          role: "resourceProvider",
          factors: {
            earnedFee: BigInt(t.paid_provider),
            completedDeals: 1n,
            ratingTimes: 0n,
            stakeHolding: 0n,
            reputation: await repOf(P1, "resource_provider"),
          },
        },
      ],
      params.rewards,
    );
    const minted = expected.payouts.reduce((s, p) => s + p.amount, 0n);
    expect(minted).toBeGreaterThan(0n);
    expect(BigInt(escrow.minted)).toBe(minted);
    expect(await chain.totalBalance()).toBe(total0 + minted);
    expect(reputationScore(newReputation())).toBeGreaterThan(0n);
    // The next epoch has no activity: nothing more is minted.
    while (chain.height < 16) await chain.block();
    expect((await chain.query<{ minted: string }>("/market/escrow")).minted).toBe(minted.toString());
    await chain.close();
  });
});

describe("queries and genesis", () => {
  it("filters tasks by status, tenant and provider and pages through them", async () => {
    const chain = await MarketChain.open();
    await chain.ok(registerProvider(P1), addInstance(P1, "a", cpuMem(2000n, 2n), PRICES));
    await chain.ok(
      submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX }),
      submit(T2, cpuMem(1000n, 1n), { maxPricePerSec: MAX }),
      submit(T3, cpuMem(1000n, 1n), { maxPricePerSec: MAX }),
    );
    // Two fit; WDRF breaks the tie between equal shares by address.
    const placed = (await tasksOf(chain, { provider: P1.bech32 })).map((t) => t.id);
    expect(placed).toHaveLength(2);
    const waiting = [1, 2, 3].filter((id) => !placed.includes(id));
    expect((await tasksOf(chain, { status: "pending" })).map((t) => t.id)).toEqual(waiting);
    const t2 = await tasksOf(chain, { tenant: T2.bech32 });
    expect(t2.map((t) => t.id)).toEqual([2]);
    expect(
      await tasksOf(chain, {
        tenant: T2.bech32,
        status: t2[0]!.status === "pending" ? "scheduled" : "pending",
      }),
    ).toEqual([]);
    const page = await chain.query<{ tasks: TaskJson[]; next_after: number }>("/market/tasks", { limit: 2 });
    expect(page.tasks.map((t) => t.id)).toEqual([1, 2]);
    expect(page.next_after).toBe(2);
    const rest = await chain.query<{ tasks: TaskJson[] }>("/market/tasks", { after: 2 });
    expect(rest.tasks.map((t) => t.id)).toEqual([3]);
    const providers = await chain.query<{ providers: { address: string; stake: string }[] }>(
      "/market/providers",
    );
    expect(providers.providers).toEqual([expect.objectContaining({ address: P1.bech32, stake: "0" })]);
    const escrow = await chain.query<{ locked: string; remaining: string }>("/market/escrow/1");
    expect(escrow.locked).toBe(escrow.remaining);
    expect(await chain.queryCode("/market/task/99")).toBe(61);
    expect(await chain.queryCode("/market/task/abc")).toBe(21);
    expect(await chain.queryCode("/market/provider/ankr1nope")).toBe(12);
    await chain.close();
  });

  it("takes market params from genesis, with defaults for what is absent, and refuses bad ones", async () => {
    const chain = await MarketChain.open({ params: { fees: { platform_fee_bps: 250 } } });
    await chain.block();
    const p = await chain.query<{ fees: { platform_fee_bps: number }; epoch: { pool: string } }>(
      "/market/params",
    );
    expect(p.fees.platform_fee_bps).toBe(250);
    expect(p.epoch.pool).toBe(DEFAULT_MARKET_CHAIN_PARAMS.epoch.pool.toString());
    await chain.close();
    for (const bad of [
      { params: { fees: { fee_split_bps: { platform: 1 } } } },
      { params: { nope: 1 } },
      { params: { scheduler: { max_tasks_per_call: 0 } } },
      { providers: [] },
    ]) {
      await expect(MarketChain.open(bad)).rejects.toMatchObject({ code: "APP_GENESIS_INVALID" });
    }
  });
});
