/**
 * Every bad input of issue 7 through a real DccnApp: a clear result code, and no state change.
 * "No state change" is checked exactly: two identical chains run the same history; one gets the
 * bad tx, its twin a self-transfer that only uses the sender's nonce (both at gas price 0), and
 * the app hashes after the block must be equal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { equalBytes } from "../../../../src/codec/bytes.js";
import { ProtoWriter } from "../../../../src/codec/proto.js";
import { ResultCode, type ResultCodeName } from "../../../../src/dccn-app/index.js";
import { MARKET_MSG_TYPES, resources } from "../../../../src/dccn-app/market/index.js";
import {
  addInstance,
  cpuMem,
  GiB,
  MarketChain,
  m,
  P1,
  P2,
  POOR,
  rate,
  registerProvider,
  removeTempDirs,
  report,
  submit,
  submittedId,
  T1,
  T2,
  T3,
  type TxSpec,
  taskMsg,
} from "./harness.js";

const PRICES = resources({ cpu: 1000n, memory: 1n });
const MAX = 10_000_000_000n;

let twins: [MarketChain, MarketChain];
let running = 0;
let scheduled = 0;
let completed = 0;
let start = 0;
/** The provider of the scheduled task, and a provider that is not. */
let assignee = P1;
let stranger = P2;

/** The same txs on both chains. */
async function both(...txs: TxSpec[]) {
  const [a, b] = await Promise.all(twins.map((c) => c.ok(...txs)));
  return { a: a!, b: b! };
}

async function expectRejected(tx: TxSpec, code: ResultCodeName, detail?: string): Promise<void> {
  const [a, b] = twins;
  const bad = await a.block(tx);
  const r = bad.results[0]!;
  // A tx refused before it runs (undecodable) does not even use its nonce.
  const admitted = r.code !== ResultCode.TX_DECODE;
  if (!admitted) a.unuseNonce(tx.from);
  const control = await b.block(...(admitted ? [b.noop(tx.from)] : []));
  expect(r.code, r.log).toBe(ResultCode[code]);
  if (detail !== undefined) expect(r.log).toContain(detail);
  expect(equalBytes(bad.appHash, control.appHash), `state changed by a rejected ${code} tx`).toBe(true);
}

beforeAll(async () => {
  // No ack timeouts during the test: the scheduled task must stay where it is.
  const market = { params: { lifecycle: { ack_timeout_blocks: 100_000 } } };
  twins = [await MarketChain.open(market), await MarketChain.open(market)];
  await both(
    registerProvider(P1),
    addInstance(P1, "a", cpuMem(8000n, 16n), PRICES),
    registerProvider(P2),
    addInstance(P2, "b", cpuMem(4000n, 8n), resources({ cpu: 2000n, memory: 2n })),
  );
  // Task 1 runs at P1; task 2 is scheduled there (not acked); task 3 is completed and rated.
  const { a } = await both(
    submit(T1, cpuMem(2000n, 4n), { maxPricePerSec: MAX }),
    submit(T2, cpuMem(1000n, 2n), { maxPricePerSec: MAX }),
    submit(T3, cpuMem(1000n, 2n), { maxPricePerSec: MAX }),
  );
  [running, scheduled, completed] = a.map(submittedId) as [number, number, number];
  const at = async (id: number) => ((await twins[0].task(id)).provider === P1.bech32 ? P1 : P2);
  [assignee, stranger] = (await at(scheduled)) === P1 ? [P1, P2] : [P2, P1];
  expect(await at(running)).toBe(P1);
  expect(await at(completed)).toBe(P1);
  await both(taskMsg("ackTask", P1, running), taskMsg("ackTask", P1, completed));
  start = (await twins[0].task(running)).started_at;
  await Promise.all(twins.map((c) => c.until(start + 10)));
  await both(
    report(P1, running, start, start + 5, cpuMem(2000n * 5n, 4n * 5n)),
    taskMsg("completeTask", T3, completed),
  );
  await both(rate(T3, completed, 70));
  expect((await twins[0].task(scheduled)).status).toBe("scheduled");
  expect((await twins[0].task(running)).status).toBe("running");
});

afterAll(async () => {
  await Promise.all(twins.map((c) => c.close()));
  removeTempDirs();
});

describe("market bad input: a clear error and no state change", () => {
  it("rejects zero resources", async () => {
    await expectRejected(
      submit(T1, resources({}), { maxPricePerSec: MAX }),
      "MARKET_INVALID_INPUT",
      "MARKET_INVALID_TASK",
    );
    await expectRejected(
      submit(T1, resources({ memory: GiB }), { maxPricePerSec: MAX }),
      "MARKET_INVALID_INPUT",
    );
    await expectRejected(
      submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX, replicas: 0 }),
      "MARKET_INVALID_INPUT",
    );
  });

  it("rejects negative resources at decoding", async () => {
    const demand = new ProtoWriter().string(1, "-5").string(2, "1024").finish();
    const value = new ProtoWriter()
      .string(1, "job")
      .message(2, demand)
      .uint(3, 1)
      .uint(4, 10)
      .string(5, "1")
      .finish();
    await expectRejected(
      { from: T1, msg: { typeUrl: MARKET_MSG_TYPES.submitTask, value } },
      "TX_DECODE",
      "-5",
    );
  });

  it("rejects demands beyond any instance", async () => {
    await expectRejected(
      submit(T1, cpuMem(9000n, 1n), { maxPricePerSec: MAX }),
      "MARKET_NO_FITTING_INSTANCE",
    );
    // Replicas count: 3 × 3000 millicores fits no single instance.
    await expectRejected(
      submit(T1, cpuMem(3000n, 1n), { maxPricePerSec: MAX, replicas: 3 }),
      "MARKET_NO_FITTING_INSTANCE",
    );
    await expectRejected(
      submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: MAX, region: "mars" }),
      "MARKET_NO_FITTING_INSTANCE",
    );
  });

  it("rejects prices over the tenant's maximum", async () => {
    // The cheapest covering instance costs 1000·1000 + 1 GiB per second.
    await expectRejected(
      submit(T1, cpuMem(1000n, 1n), { maxPricePerSec: 1_000_000n + GiB - 1n }),
      "MARKET_PRICE_ABOVE_MAX",
    );
  });

  it("rejects submitting without funds", async () => {
    await expectRejected(submit(POOR, cpuMem(1000n, 1n), { maxPricePerSec: MAX }), "INSUFFICIENT_FUNDS");
  });

  it("rejects a provider acknowledging someone else's task, and strangers acting on tasks", async () => {
    await expectRejected(
      taskMsg("ackTask", stranger, scheduled),
      "MARKET_NOT_AUTHORIZED",
      "TASK_NOT_ASSIGNEE",
    );
    await expectRejected(
      { from: stranger, msg: m("failTask", { taskId: scheduled, reason: "x" }) },
      "MARKET_NOT_AUTHORIZED",
    );
    await expectRejected(taskMsg("cancelTask", T3, running), "MARKET_NOT_AUTHORIZED", "TASK_NOT_OWNER");
    await expectRejected(taskMsg("completeTask", P2, running), "MARKET_NOT_AUTHORIZED");
    await expectRejected(
      report(P2, running, start + 5, start + 6, resources({ cpu: 1n })),
      "MARKET_NOT_AUTHORIZED",
    );
    await expectRejected(taskMsg("ackTask", P1, 999), "MARKET_NOT_FOUND");
  });

  it("rejects metering beyond the allocation, outside the task's time, overlapping or duplicate", async () => {
    await expectRejected(
      report(P1, running, start + 5, start + 6, cpuMem(2001n, 1n)),
      "MARKET_METER_EXCEEDS",
      "METER_EXCEEDS_ALLOCATION",
    );
    await expectRejected(
      report(P1, running, start, start + 5, cpuMem(1n, 0n)),
      "MARKET_METER_INVALID",
      "DUPLICATE",
    );
    await expectRejected(
      report(P1, running, start + 4, start + 6, cpuMem(1n, 0n)),
      "MARKET_METER_INVALID",
      "OVERLAP",
    );
    await expectRejected(
      report(P1, running, start + 6, start + 10_000, cpuMem(1n, 0n)),
      "MARKET_METER_INVALID",
      "OUTSIDE",
    );
    await expectRejected(report(P1, running, start + 7, start + 7, cpuMem(1n, 0n)), "MARKET_METER_INVALID");
  });

  it("rejects metering for a finished task and for one not yet running", async () => {
    await expectRejected(
      report(P1, completed, start + 5, start + 6, cpuMem(1n, 0n)),
      "MARKET_TASK_STATE",
      "METER_TASK_NOT_RUNNING",
    );
    await expectRejected(
      report(assignee, scheduled, start + 5, start + 6, cpuMem(1n, 0n)),
      "MARKET_TASK_STATE",
    );
  });

  it("rejects rating twice, rating an unfinished task and strangers' ratings", async () => {
    await expectRejected(rate(T3, completed, 10), "MARKET_ALREADY_RATED");
    await expectRejected(rate(T1, running, 50), "MARKET_TASK_STATE", "REPUTATION_NOT_RATABLE");
    await expectRejected(rate(T2, completed, 50), "MARKET_NOT_AUTHORIZED");
    await expectRejected(rate(P1, completed, 101), "MARKET_INVALID_INPUT");
  });

  it("rejects acting on finished tasks", async () => {
    await expectRejected(taskMsg("cancelTask", T3, completed), "MARKET_TASK_STATE", "TASK_ALREADY_FINISHED");
    await expectRejected(
      taskMsg("completeTask", T2, scheduled),
      "MARKET_TASK_STATE",
      "TASK_ILLEGAL_TRANSITION",
    );
  });

  it("rejects provider mistakes: unregistered, registered twice, capacity below what runs, bad labels", async () => {
    await expectRejected(addInstance(T1, "x", cpuMem(1000n, 1n), PRICES), "MARKET_NOT_FOUND");
    await expectRejected(registerProvider(P1), "MARKET_ALREADY_EXISTS");
    await expectRejected(addInstance(P1, "a", cpuMem(1000n, 1n), PRICES), "MARKET_ALREADY_EXISTS");
    await expectRejected(
      {
        from: P1,
        msg: m("updateInstance", {
          instanceId: "a",
          capacity: cpuMem(2000n, 16n),
          prices: PRICES,
          region: "",
          tags: [],
        }),
      },
      "MARKET_INSTANCE_BUSY",
    );
    await expectRejected(addInstance(P1, "z", cpuMem(0n, 1n), PRICES), "MARKET_INVALID_INPUT");
    await expectRejected(addInstance(P1, "", cpuMem(1000n, 1n), PRICES), "MARKET_INVALID_INPUT");
    await expectRejected(
      { from: P2, msg: m("registerProvider", { name: "", region: "eu", tags: [] }) },
      "MARKET_INVALID_INPUT",
    );
  });
});
