/**
 * The market module through a real DccnApp: a task's whole life (escrow, WDRF placement, ack,
 * metering paid from escrow with the fee split, completion, refund, ratings), to the unit.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ResultCode } from "../../../../src/dccn-app/index.js";
import {
  chargeFor,
  consumerCreditPpm,
  DEFAULT_MARKET_CHAIN_PARAMS,
  escrowForTask,
  ONE,
  providerServiceLevelPpm,
  resources,
} from "../../../../src/dccn-app/market/index.js";
import {
  ANKR,
  APP,
  addInstance,
  cpuMem,
  GiB,
  MarketChain,
  P1,
  P2,
  rate,
  registerProvider,
  removeTempDirs,
  report,
  submit,
  submittedId,
  T1,
  T2,
  taskMsg,
  timeOf,
} from "./harness.js";

afterAll(removeTempDirs);

const PRICES = resources({ cpu: 1000n, memory: 1n });
const DEMAND = cpuMem(2000n, 4n);
const MAX_PRICE = 5_000_000_000n;

describe("market module: a task's life", () => {
  it("locks escrow, schedules, meters, splits every fee and refunds the rest, to the unit", async () => {
    const chain = await MarketChain.open();
    const before = await chain.totalBalance();
    await chain.ok(registerProvider(P1), addInstance(P1, "a", cpuMem(8000n, 16n), PRICES));

    const t1Start = await chain.balance(T1);
    const [sub] = await chain.ok(
      submit(T1, DEMAND, { maxPricePerSec: MAX_PRICE, durationSec: 100, app: APP, appFeeBps: 300 }),
    );
    const id = submittedId(sub!);
    expect(id).toBe(1);
    const escrow = escrowForTask(
      {
        demand: DEMAND,
        replicas: 1,
        kind: "job",
        durationSec: 100,
        maxPricePerSec: MAX_PRICE,
        appProvider: APP.bech32,
        appFeeBps: 300,
      },
      100,
    );
    expect(await chain.balance(T1)).toBe(t1Start - escrow);
    let t = await chain.task(id);
    // EndBlock of the submitting block already placed it.
    expect(t).toMatchObject({
      status: "scheduled",
      provider: P1.bech32,
      instance: "a",
      escrow: escrow.toString(),
    });
    expect(BigInt(t.price_per_sec)).toBe(2000n * 1000n + 4n * GiB);
    const events = sub!.events.map((e) => e.type);
    expect(events).toContain("market_task");

    // Someone else cannot acknowledge it; the provider can.
    const { results } = await chain.block(taskMsg("ackTask", P2, id));
    expect(results[0]!.code).toBe(ResultCode.MARKET_NOT_AUTHORIZED);
    await chain.ok(taskMsg("ackTask", P1, id));
    t = await chain.task(id);
    expect(t.status).toBe("running");
    const start = t.started_at;
    expect(start).toBe(timeOf(chain.height));

    await chain.until(start + 30);
    const u1 = resources({ cpu: 2000n * 10n, memory: 4n * GiB * 10n });
    const u2 = resources({ cpu: 1000n * 20n, memory: 2n * GiB * 20n });
    const p1Start = await chain.balance(P1);
    await chain.ok(report(P1, id, start, start + 10, u1));
    await chain.ok(report(P1, id, start + 10, start + 30, u2));
    const c1 = chargeFor(20_000n * 1000n + 40n * GiB, 300, true);
    const c2 = chargeFor(20_000n * 1000n + 40n * GiB, 300, true);
    expect(await chain.balance(P1)).toBe(p1Start + c1.toResourceProvider + c2.toResourceProvider);
    expect(await chain.balance(APP)).toBe(1_000_000n * ANKR + c1.toAppProvider + c2.toAppProvider);

    await chain.ok(taskMsg("completeTask", T1, id));
    t = await chain.task(id);
    const spent = c1.total + c2.total;
    expect(t.status).toBe("completed");
    expect(BigInt(t.refunded)).toBe(escrow - spent);
    expect(BigInt(t.escrow)).toBe(0n);
    expect(await chain.balance(T1)).toBe(t1Start - spent);
    const totals = await chain.query<{ escrow_balance: string; platform_balance: string }>("/market/escrow");
    expect(totals.escrow_balance).toBe("0");
    expect(BigInt(totals.platform_balance)).toBe(c1.toPlatform + c2.toPlatform);
    expect(await chain.totalBalance()).toBe(before);

    // Ratings: each party once; the reputation moves as the formulas say.
    await chain.ok(rate(T1, id, 80), rate(P1, id, 90));
    const second = await chain.block(rate(T1, id, 10));
    expect(second.results[0]!.code).toBe(ResultCode.MARKET_ALREADY_RATED);
    const rep = await chain.query<{
      resource_provider: { completed_deals: string; service_level: string; rating_score: string };
    }>(`/market/reputation/${P1.bech32}`);
    // Service level EMA from 0.5 with weight 0.1 toward 1: 0.55.
    expect(rep.resource_provider).toMatchObject({
      completed_deals: "1",
      service_level: ((ONE * 55n) / 100n).toString(),
      rating_score: ((ONE * 80n) / 100n).toString(),
    });
    const w = DEFAULT_MARKET_CHAIN_PARAMS.serviceLevel.provider;
    // S 0.55, completed ratio 1, rating 0.8, proofs: 30 s reported of the `ran` s it ran, uptime 1.
    const ran = BigInt(t.ended_at - start);
    expect(ran).toBeGreaterThan(30n);
    const weighted =
      BigInt(w.outcomes) * ((ONE * 55n) / 100n) +
      BigInt(w.completedRatio) * ONE +
      BigInt(w.rating) * ((ONE * 80n) / 100n) +
      BigInt(w.proofs) * ((30n * ONE) / ran) +
      BigInt(w.uptime) * ONE;
    expect(await providerServiceLevelPpm(chain.store, P1.address)).toBe(Number(weighted / ONE));
    expect(await providerServiceLevelPpm(chain.store, T2.address)).toBeUndefined();
    expect(await consumerCreditPpm(chain.store, T2.address)).toBeUndefined();
    const credit = await consumerCreditPpm(chain.store, T1.address);
    // Consumer: S 0.55, ratio 1, rating 0.9 → 0.5·0.55 + 0.3·1 + 0.2·0.9.
    expect(credit).toBe(275_000 + 300_000 + 180_000);
    await chain.close();
  });
});
