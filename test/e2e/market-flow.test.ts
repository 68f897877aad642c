/**
 * The marketplace on a running chain, driven only through the `dccn` CLI: two providers and
 * three tenants (plus an application provider). Tasks are placed by the WDRF scheduler at
 * EndBlock, acknowledged, metered over several periods and completed; one is cancelled while
 * pending. Every balance, fee split and refund is checked to the base unit (the sum of all the
 * market's balances is unchanged), and reputations move as the formulas say.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../src/crypto/address.js";
import { PrivateKey } from "../../src/crypto/ed25519.js";
import {
  chargeFor,
  DEFAULT_MARKET_CHAIN_PARAMS,
  ESCROW_ACCOUNT,
  escrowForTask,
  newReputation,
  ONE,
  PLATFORM_ACCOUNT,
  type Resources,
  recordOutcome,
  resources,
} from "../../src/dccn-app/market/index.js";
import {
  initTestHome,
  NodeProcess,
  queryAccount,
  rpc,
  runCli,
  runCliJson,
  type TestHome,
  waitFor,
  waitForHeight,
} from "./harness.js";

const CHAIN_ID = "e2e-market";
const FUNDS = 1_000_000n * 10n ** 18n;
const GiB = 1n << 30n;
const MAX_PRICE = 10_000_000_000n;
const DURATION = 600;
const APP_FEE_BPS = 500;

const seed = (n: number) => new Uint8Array(32).fill(0x60 + n);
const party = (name: string, n: number) => {
  const key = PrivateKey.fromSeed(seed(n));
  return { name, seed: toHex(seed(n)), address: toBech32(addressFromPublicKey(key.publicKey)) };
};
const P1 = party("p1", 1);
const P2 = party("p2", 2);
const T1 = party("t1", 3);
const T2 = party("t2", 4);
const T3 = party("t3", 5);
const APP = party("app", 6);
const PARTIES = [P1, P2, T1, T2, T3, APP];

interface TxJson {
  hash: string;
  code: number;
  height: number;
  task_id?: number;
  log?: string;
}

interface TaskJson {
  id: number;
  tenant: string;
  status: string;
  provider: string;
  instance: string;
  started_at: number;
  ended_at: number;
  escrow_locked: string;
  escrow: string;
  prices: Record<string, string>;
  paid_provider: string;
  paid_app: string;
  paid_platform: string;
  refunded: string;
}

describe("marketplace end to end through the CLI", () => {
  let th: TestHome;
  let node: NodeProcess;
  const cli = (args: string[]) => [...args, "--home", th.home, "--node", node.rpcUrl];
  const tx = (args: string[]): TxJson => {
    const r = runCliJson<TxJson>(cli([...args, "--gas-price", "0"]));
    expect(r.code, r.log).toBe(0);
    return r;
  };
  const q = <T>(args: string[]): T => runCliJson<T>(cli(["query", ...args]));
  const task = (id: number) => q<TaskJson>(["task", String(id)]);
  const balance = async (address: string) => (await queryAccount(node.rpcUrl, address)).balance;
  const blockTimeSec = async () => {
    const st = await rpc<{ sync_info: { latest_block_time: string } }>(node.rpcUrl, "status");
    return Math.floor(Date.parse(st.sync_info.latest_block_time) / 1000);
  };

  beforeAll(async () => {
    th = await initTestHome("market", {
      chainId: CHAIN_ID,
      accounts: PARTIES.map((p) => ({ address: p.address, balance: FUNDS })),
    });
    // No reward epoch and no ack timeout during the test: balances move only by the deals.
    const genesisFile = join(th.home, "config", "genesis.json");
    const genesis = JSON.parse(readFileSync(genesisFile, "utf8")) as { app_state: Record<string, unknown> };
    genesis.app_state.market = {
      params: { epoch: { blocks: 1_000_000_000 }, lifecycle: { ack_timeout_blocks: 100_000 } },
    };
    writeFileSync(genesisFile, JSON.stringify(genesis, null, 2));
    for (const p of PARTIES) {
      const r = runCli(["keys", "import", p.name, p.seed, "--home", th.home]);
      expect(r.code, r.stderr).toBe(0);
    }
    node = new NodeProcess(th.home, th.rpcPort);
    await node.start();
    await waitForHeight(node.rpcUrl, 1);
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    if (th) rmSync(th.home, { recursive: true, force: true });
  });

  it("schedules, meters, settles and refunds to the unit, and moves reputations", async () => {
    const accounts = [...PARTIES.map((p) => p.address), toBech32(ESCROW_ACCOUNT), toBech32(PLATFORM_ACCOUNT)];
    const start = new Map<string, bigint>();
    for (const a of accounts) start.set(a, await balance(a));
    const sumOf = async () => {
      let s = 0n;
      for (const a of accounts) s += await balance(a);
      return s;
    };
    const total0 = await sumOf();

    // Providers: P1 is cheaper than P2; each offers one instance of 4 CPU / 8 GiB.
    tx(["tx", "provider", "register", "--from", "p1", "--name", "dc-one", "--region", "eu"]);
    tx([
      "tx",
      "provider",
      "register",
      "--from",
      "p2",
      "--name",
      "edge-two",
      "--region",
      "eu",
      "--tags",
      "edge",
    ]);
    const instance = (from: string, id: string, cpuPrice: string, memPrice: string) =>
      tx([
        "tx",
        "provider",
        "add-instance",
        "--from",
        from,
        "--instance",
        id,
        "--cpu",
        "4cpu",
        "--memory",
        "8Gi",
        "--disk",
        "100Gi",
        "--price-cpu",
        cpuPrice,
        "--price-memory",
        memPrice,
      ]);
    instance("p1", "p1-a", "1000", "1");
    instance("p2", "p2-a", "2000", "2");
    const providers = q<{ providers: { address: string }[] }>(["providers"]);
    expect(providers.providers.map((p) => p.address).sort()).toEqual([P1.address, P2.address].sort());

    // Three tenants submit 2 CPU / 2 GiB jobs; T3's uses an application provider.
    const submit = (from: string, extra: string[] = []) =>
      tx([
        "tx",
        "task",
        "submit",
        "--from",
        from,
        "--kind",
        "job",
        "--cpu",
        "2000m",
        "--memory",
        "2Gi",
        "--duration",
        String(DURATION),
        "--max-price",
        MAX_PRICE.toString(),
        ...extra,
      ]).task_id!;
    const a = submit("t1");
    const b = submit("t2");
    const c = submit("t3", ["--app-provider", APP.address, "--app-fee-bps", String(APP_FEE_BPS)]);
    const ids = [a, b, c];
    const owners = new Map([
      [a, T1],
      [b, T2],
      [c, T3],
    ]);
    const escrowOf = (id: number) =>
      escrowForTask(
        {
          demand: resources({ cpu: 2000n, memory: 2n * GiB }),
          replicas: 1,
          kind: "job",
          durationSec: DURATION,
          maxPricePerSec: MAX_PRICE,
          ...(id === c ? { appProvider: APP.address, appFeeBps: APP_FEE_BPS } : {}),
        },
        DURATION,
      );

    // WDRF: the cheaper provider takes two (its CPU is then full), the other one.
    const placed = await waitFor("all three tasks scheduled", async () => {
      const ts = ids.map(task);
      return ts.every((t) => t.status === "scheduled") ? ts : undefined;
    });
    const atP1 = placed.filter((t) => t.provider === P1.address);
    const atP2 = placed.filter((t) => t.provider === P2.address);
    expect(atP1).toHaveLength(2);
    expect(atP2).toHaveLength(1);
    for (const t of placed) expect(BigInt(t.escrow_locked)).toBe(escrowOf(t.id));
    const onP1 = q<{ tasks: TaskJson[] }>(["tasks", "--provider", P1.address, "--status", "scheduled"]);
    expect(onP1.tasks.map((t) => t.id).sort()).toEqual(atP1.map((t) => t.id).sort());

    // A fourth task does not fit anywhere right now: it waits, and its cancellation refunds it all.
    const d = submit("t2", ["--cpu", "3cpu"]);
    expect(task(d).status).toBe("pending");
    tx(["tx", "task", "cancel", String(d), "--from", "t2"]);
    expect(task(d)).toMatchObject({ status: "cancelled", refunded: task(d).escrow_locked });

    // A provider cannot acknowledge someone else's task.
    const wrong = runCli(
      cli(["tx", "task", "ack", String(atP2[0]!.id), "--from", "p1", "--gas-price", "0", "--output", "json"]),
    );
    expect(wrong.code).toBe(1);
    expect((JSON.parse(wrong.stdout) as TxJson).code).toBe(65);

    const providerOf = (t: TaskJson) => (t.provider === P1.address ? P1 : P2);
    for (const t of placed) tx(["tx", "task", "ack", String(t.id), "--from", providerOf(t).name]);
    const running = ids.map(task);
    for (const t of running) expect(t.status).toBe("running");

    // Three periods of 2 s each: full CPU, half the memory.
    const usage: Resources = resources({ cpu: 2000n * 2n, memory: GiB * 2n });
    const lastStart = Math.max(...running.map((t) => t.started_at));
    await waitFor("block time past the metered periods", async () =>
      (await blockTimeSec()) >= lastStart + 6 ? true : undefined,
    );
    for (const t of running) {
      for (let p = 0; p < 3; p++) {
        const s = t.started_at + 2 * p;
        tx([
          "tx",
          "meter",
          "report",
          String(t.id),
          "--from",
          providerOf(t).name,
          "--start",
          String(s),
          "--end",
          String(s + 2),
          "--cpu",
          usage.cpu.toString(),
          "--memory",
          usage.memory.toString(),
        ]);
      }
    }
    // Overlapping and over-allocation reports are refused.
    const t0 = running[0]!;
    const overlap = runCli(
      cli([
        "tx",
        "meter",
        "report",
        String(t0.id),
        "--from",
        providerOf(t0).name,
        "--gas-price",
        "0",
        "--start",
        String(t0.started_at + 5),
        "--end",
        String(t0.started_at + 6),
        "--cpu",
        "1",
        "--output",
        "json",
      ]),
    );
    expect((JSON.parse(overlap.stdout) as TxJson).code).toBe(67);

    tx(["tx", "task", "complete", String(a), "--from", "t1"]);
    tx(["tx", "task", "complete", String(b), "--from", providerOf(task(b)).name]);
    tx(["tx", "task", "complete", String(c), "--from", "t3"]);

    // Money, to the unit: each period costs usage × the instance's unit prices, plus fees.
    const expected = new Map(start);
    const add = (addr: string, v: bigint) => expected.set(addr, expected.get(addr)! + v);
    for (const id of ids) {
      const t = task(id);
      expect(t.status).toBe("completed");
      const cost = usage.cpu * BigInt(t.prices.cpu!) + usage.memory * BigInt(t.prices.memory!);
      const line = chargeFor(cost, id === c ? APP_FEE_BPS : 0, id === c);
      const spent = 3n * line.total;
      expect(BigInt(t.paid_provider)).toBe(3n * line.toResourceProvider);
      expect(BigInt(t.paid_app)).toBe(3n * line.toAppProvider);
      expect(BigInt(t.paid_platform)).toBe(3n * line.toPlatform);
      expect(BigInt(t.refunded)).toBe(escrowOf(id) - spent);
      expect(q<{ remaining: string }>(["escrow", String(id)]).remaining).toBe("0");
      add(owners.get(id)!.address, -spent);
      add(t.provider, 3n * line.toResourceProvider);
      add(APP.address, 3n * line.toAppProvider);
      add(toBech32(PLATFORM_ACCOUNT), 3n * line.toPlatform);
    }
    expect(BigInt(task(c).paid_app)).toBeGreaterThan(0n);
    for (const acct of accounts) expect(await balance(acct), acct).toBe(expected.get(acct));
    expect(await sumOf()).toBe(total0);

    // Ratings, once each; reputations as the formulas say.
    const ta = task(a);
    tx(["tx", "rate", String(a), "90", "--from", "t1"]);
    tx(["tx", "rate", String(a), "80", "--from", providerOf(ta).name]);
    const again = runCli(
      cli(["tx", "rate", String(a), "10", "--from", "t1", "--gas-price", "0", "--output", "json"]),
    );
    expect((JSON.parse(again.stdout) as TxJson).code).toBe(69);

    const one = recordOutcome(newReputation(), "completed");
    const two = recordOutcome(one, "completed");
    const p1Rep = q<{
      resource_provider: { completed_deals: string; service_level: string; rating_score: string };
    }>(["reputation", P1.address]);
    expect(p1Rep.resource_provider.completed_deals).toBe("2");
    expect(p1Rep.resource_provider.service_level).toBe(two.serviceLevel.toString());
    const t1Rep = q<{
      consumer: { service_level: string; rating_score: string };
      consumer_credit_ppm: number;
    }>(["reputation", T1.address]);
    expect(t1Rep.consumer.service_level).toBe(one.serviceLevel.toString());
    expect(t1Rep.consumer.rating_score).toBe(((ONE * 80n) / 100n).toString());
    const w = DEFAULT_MARKET_CHAIN_PARAMS.serviceLevel.consumer;
    // credit = w_o·0.55 + w_c·1 + w_r·0.8
    expect(t1Rep.consumer_credit_ppm).toBe(
      (w.outcomes * 550_000 + w.completedRatio * 1_000_000 + w.rating * 800_000) / 1_000_000,
    );
    // The provider that ran task a: its service level includes the proofs (6 s reported of the time it ran).
    const prov = q<{
      service_level_ppm: number;
      run_sec: number;
      proven_sec: number;
      reputation: { rating_score: string };
    }>(["provider", providerOf(ta).address]);
    expect(prov.reputation.rating_score).toBe(((ONE * 90n) / 100n).toString());
    const deals = providerOf(ta) === P1 ? atP1.map((t) => task(t.id)) : [task(a)];
    expect(prov.proven_sec).toBe(6 * deals.length);
    expect(prov.run_sec).toBe(deals.reduce((s, t) => s + (t.ended_at - t.started_at), 0));
    const market = q<{ escrow_balance: string }>(["escrow"]);
    expect(market.escrow_balance).toBe("0");
  }, 240_000);
});
