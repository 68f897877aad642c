import { afterEach, describe, expect, it } from "vitest";
import { fromUtf8, utf8 } from "../../../src/codec/bytes.js";
import { AppError, type DccnApp, type Module, msgHandler, ResultCode } from "../../../src/dccn-app/index.js";
import { isDccnError } from "../../../src/errors.js";
import {
  accountOf,
  appState,
  attrs,
  header,
  initApp,
  openApp,
  removeTempDirs,
  runBlock,
  signed,
  tempDir,
  wallet,
} from "./helpers.js";

const alice = wallet(1);
const PROBE = "/test.v1.Probe";
const VALIDATOR_KEY = new Uint8Array(32).fill(7);

/** A test module exercising every extension point. Msg value: [fail, extra gas in thousands]. */
const probeModule: Module = {
  name: "probe",
  genesisKeys: ["probe"],
  initGenesis(ctx, appState) {
    ctx.store.set(utf8("probe/genesis"), utf8(JSON.stringify(appState.probe ?? null)));
  },
  msgs: [
    msgHandler<{ fail: boolean; burn: number }>({
      typeUrl: PROBE,
      defaultGas: 1_000,
      decode(value) {
        if (value.length !== 2) throw new AppError("INVALID_MSG", "probe takes 2 bytes");
        return { fail: value[0] === 1, burn: value[1]! };
      },
      spend: () => 0n,
      deliver(ctx, msg) {
        ctx.store.set(utf8("probe/x"), utf8(`h${ctx.height}`));
        ctx.events.push({
          type: "probe",
          attributes: [{ key: "height", value: String(ctx.height), index: true }],
        });
        ctx.gas.consume(msg.burn * 1_000, "probe burn");
        if (msg.fail) throw new AppError("INVALID_MSG", "probe asked to fail");
      },
    }),
  ],
  beginBlock(ctx) {
    ctx.events.push({ type: "probe_begin", attributes: [] });
  },
  endBlock(ctx, req) {
    ctx.events.push({ type: "probe_end", attributes: [] });
    return req.height === 2 ? { validatorUpdates: [{ pubKey: VALIDATOR_KEY, power: 10 }] } : undefined;
  },
  queries: [
    {
      path: "/probe/",
      handle(ctx, _data, rest) {
        const key = utf8(`probe/${rest}`);
        return { key, value: ctx.store.get(key) ?? new Uint8Array(0) };
      },
    },
  ],
};

const apps: DccnApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  removeTempDirs();
});

async function probeApp(): Promise<DccnApp> {
  const app = await openApp(tempDir(), { modules: [probeModule] });
  apps.push(app);
  await initApp(app, JSON.stringify({ ...JSON.parse(appState([[alice, 10n ** 18n]])), probe: { x: 1 } }));
  return app;
}

const probeTx = (nonce: number, fail: boolean, burn: number, gasLimit = 100_000) =>
  signed(alice, { nonce, gasLimit, msg: { typeUrl: PROBE, value: Uint8Array.of(fail ? 1 : 0, burn) } });

const read = async (app: DccnApp, what: string) =>
  fromUtf8(
    (await app.query({ path: `/probe/${what}`, data: new Uint8Array(0), height: 0, prove: false })).value,
  );

describe("DccnApp modules", () => {
  it("hands a module its genesis section and serves its queries", async () => {
    const app = await probeApp();
    expect(await read(app, "genesis")).toBe('{"x":1}');
  });

  it("runs msgs with their gas, events and module name", async () => {
    const app = await probeApp();
    const tx = probeTx(0, false, 3);
    const { results } = await runBlock(app, 1, [tx]);
    const r = results[0]!;
    expect(r.code).toBe(0);
    expect(r.gasUsed).toBe(10_000 + 10 * tx.length + 1_000 + 3_000);
    expect(attrs(r, "message")?.module).toBe("probe");
    expect(attrs(r, "probe")).toEqual({ height: "1" });
    expect(await read(app, "x")).toBe("h1");
  });

  it("drops a failed msg's writes and events but charges its gas and nonce", async () => {
    const app = await probeApp();
    const tx = probeTx(0, true, 2);
    const { results } = await runBlock(app, 1, [tx]);
    const r = results[0]!;
    expect(r.code).toBe(ResultCode.INVALID_MSG);
    expect(r.gasUsed).toBe(10_000 + 10 * tx.length + 1_000 + 2_000);
    expect(r.events.map((e) => e.type)).toEqual(["tx"]);
    expect(await read(app, "x")).toBe("");
    expect(await accountOf(app, alice)).toEqual({ balance: 10n ** 18n - BigInt(r.gasUsed), nonce: 1 });
  });

  it("fails a msg that burns more gas than the limit, charging the whole limit", async () => {
    const app = await probeApp();
    const { results } = await runBlock(app, 1, [probeTx(0, false, 200, 50_000)]);
    expect(results[0]!.code).toBe(ResultCode.OUT_OF_GAS);
    expect(results[0]!.gasUsed).toBe(50_000);
    expect(await read(app, "x")).toBe("");
  });

  it("calls block hooks and returns their events and validator updates", async () => {
    const app = await probeApp();
    await runBlock(app, 1, []);
    const begin = await app.beginBlock({
      hash: new Uint8Array(32),
      header: header(2),
      lastCommitInfo: { round: 0, votes: [] },
      byzantineValidators: [],
    });
    expect(begin.events.map((e) => e.type)).toEqual(["probe_begin"]);
    const end = await app.endBlock({ height: 2 });
    expect(end.events.map((e) => e.type)).toEqual(["probe_end"]);
    expect(end.validatorUpdates).toEqual([{ pubKey: VALIDATOR_KEY, power: 10 }]);
    await app.commit();
  });

  it("refuses modules that claim the same msg, name, genesis key or query path", async () => {
    const clash = async (m: Module) => {
      const dir = tempDir();
      await expect(openApp(dir, { modules: [m] })).rejects.toSatisfy((e) =>
        isDccnError(e, "APP_MODULE_CONFLICT"),
      );
    };
    await clash({ ...probeModule, name: "bank" });
    await clash({ name: "x", genesisKeys: ["accounts"] });
    await clash({ name: "x", genesisKeys: ["params"] });
    await clash({ name: "x", msgs: bankMsgs() });
    await clash({
      name: "x",
      queries: [{ path: "/account", handle: () => ({ key: new Uint8Array(0), value: new Uint8Array(0) }) }],
    });
  });
});

function bankMsgs() {
  return [
    msgHandler<null>({
      typeUrl: "/dccn.bank.v1.MsgSend",
      defaultGas: 1,
      decode: () => null,
      spend: () => 0n,
      deliver: () => {},
    }),
  ];
}
