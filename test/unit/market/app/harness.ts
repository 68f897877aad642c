/** Drives a real DccnApp (LevelDB on a temp dir) with the market module through whole blocks. */
import type { ExecTxResult } from "../../../../src/abci/types.js";
import { fromUtf8 } from "../../../../src/codec/bytes.js";
import { ProtoReader } from "../../../../src/codec/proto.js";
import type { BlockContext, DccnApp, KvReader, Module } from "../../../../src/dccn-app/index.js";
import { FEE_COLLECTOR } from "../../../../src/dccn-app/index.js";
import {
  ESCROW_ACCOUNT,
  type MarketMsgKind,
  type MarketMsgs,
  marketModule,
  marketMsgAny,
  PLATFORM_ACCOUNT,
  type Resources,
  resources,
} from "../../../../src/dccn-app/market/index.js";
import type { AnyMsg } from "../../../../src/types/tx.js";
import {
  ANKR,
  accountOf,
  appState,
  initApp,
  openApp,
  runBlock,
  sendMsg,
  signed,
  tempDir,
  type Wallet,
  wallet,
} from "../../dccn-app/helpers.js";

export { ANKR, removeTempDirs, type Wallet, wallet } from "../../dccn-app/helpers.js";

export const GiB = 1n << 30n;
export const P1 = wallet(11);
export const P2 = wallet(12);
export const T1 = wallet(21);
export const T2 = wallet(22);
export const T3 = wallet(23);
export const APP = wallet(31);
export const POOR = wallet(41);
export const EVERYONE = [P1, P2, T1, T2, T3, APP, POOR];
export const FUNDS = 1_000_000n * ANKR;

/** Block h has time 1_700_000_000 + h seconds (the shared helpers' header). */
export const timeOf = (height: number): number => 1_700_000_000 + height;

export const cpuMem = (cpu: bigint, memGiB: bigint, extra: Partial<Resources> = {}): Resources =>
  resources({ cpu, memory: memGiB * GiB, ...extra });

export interface TxSpec {
  readonly from: Wallet;
  readonly msg: AnyMsg;
  readonly gasPrice?: bigint;
  readonly gasLimit?: number;
}

export const m = <K extends MarketMsgKind>(kind: K, msg: MarketMsgs[K]): AnyMsg => marketMsgAny(kind, msg);

/**
 * A module that keeps the last block's state layer, so tests can call the market's exported
 * readers (providerServiceLevelPpm …) the way another module would, on the state of a block.
 */
function probeModule(): Module & { last: KvReader | undefined } {
  const probe = {
    name: "probe",
    last: undefined as KvReader | undefined,
    endBlock(ctx: BlockContext) {
      probe.last = ctx.store;
      return undefined;
    },
  };
  return probe;
}

/** A market chain: one app, nonces tracked per wallet, one block per `block()` call. */
export class MarketChain {
  height = 0;
  private readonly nonces = new Map<string, number>();

  private constructor(
    readonly app: DccnApp,
    private readonly probe: ReturnType<typeof probeModule>,
  ) {}

  static async open(market?: Record<string, unknown>, funds: readonly [Wallet, bigint][] = defaultFunds()) {
    const probe = probeModule();
    const app = await openApp(tempDir(), { modules: [marketModule, probe] });
    const state = JSON.parse(appState(funds)) as Record<string, unknown>;
    if (market !== undefined) state.market = market;
    await initApp(app, JSON.stringify(state));
    return new MarketChain(app, probe);
  }

  /** The state as of the last block's EndBlock. */
  get store(): KvReader {
    if (this.probe.last === undefined) throw new Error("no block has run yet");
    return this.probe.last;
  }

  /** Runs one block with these txs (gas price 0 unless given); returns results and the app hash. */
  async block(...txs: TxSpec[]): Promise<{ results: ExecTxResult[]; appHash: Uint8Array }> {
    const raw = txs.map((t) => {
      const nonce = this.nonces.get(t.from.bech32) ?? 0;
      this.nonces.set(t.from.bech32, nonce + 1);
      return signed(t.from, {
        msg: t.msg,
        nonce,
        gasPrice: t.gasPrice ?? 0n,
        gasLimit: t.gasLimit ?? 200_000,
      });
    });
    this.height++;
    return runBlock(this.app, this.height, raw);
  }

  /** Forgets a tx the app refused before executing it (its nonce was not used). */
  unuseNonce(w: Wallet): void {
    this.nonces.set(w.bech32, (this.nonces.get(w.bech32) ?? 1) - 1);
  }

  /** One block whose txs must all succeed. */
  async ok(...txs: TxSpec[]): Promise<ExecTxResult[]> {
    const { results } = await this.block(...txs);
    results.forEach((r, i) => {
      if (r.code !== 0) throw new Error(`tx ${i} failed with code ${r.code}: ${r.log}`);
    });
    return results;
  }

  /** Empty blocks until block time reaches `sec`. */
  async until(sec: number): Promise<void> {
    while (timeOf(this.height) < sec) await this.block();
  }

  /** A self-transfer of 1 unit: changes nothing but the sender's nonce (the twin of a failed tx). */
  noop(from: Wallet): TxSpec {
    return { from, msg: sendMsg(from.address, 1n) };
  }

  async query<T>(path: string, data: unknown = undefined): Promise<T> {
    const res = await this.app.query({
      path,
      data: data === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(data)),
      height: 0,
      prove: false,
    });
    if (res.code !== 0) throw new Error(`query ${path} failed (${res.code}): ${res.log}`);
    return JSON.parse(fromUtf8(res.value)) as T;
  }

  async queryCode(path: string): Promise<number> {
    return (await this.app.query({ path, data: new Uint8Array(0), height: 0, prove: false })).code;
  }

  async balance(w: Wallet | Uint8Array): Promise<bigint> {
    return (await accountOf(this.app, w)).balance;
  }

  /** Σ balances of every wallet and module account the market touches. */
  async totalBalance(): Promise<bigint> {
    let sum = 0n;
    for (const w of [...EVERYONE.map((x) => x.address), ESCROW_ACCOUNT, PLATFORM_ACCOUNT, FEE_COLLECTOR]) {
      sum += await this.balance(w);
    }
    return sum;
  }

  async task(id: number): Promise<TaskJson> {
    return this.query<TaskJson>(`/market/task/${id}`);
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

export function defaultFunds(): [Wallet, bigint][] {
  return EVERYONE.filter((w) => w !== POOR).map((w) => [w, FUNDS] as [Wallet, bigint]);
}

/** The task id in a submit's result data (MsgSubmitTaskResponse). */
export function submittedId(r: ExecTxResult): number {
  const reader = new ProtoReader(r.data ?? new Uint8Array(0), "MsgSubmitTaskResponse");
  let id = 0;
  for (let f = reader.next(); f !== 0; f = reader.next()) {
    if (f === 1) id = reader.uint();
    else reader.unknown();
  }
  return id;
}

export interface TaskJson {
  id: number;
  tenant: string;
  status: string;
  provider: string;
  instance: string;
  escrow_locked: string;
  escrow: string;
  price_per_sec: string;
  started_at: number;
  ended_at: number;
  attempts: number;
  avoid_providers: string[];
  paid_provider: string;
  paid_app: string;
  paid_platform: string;
  refunded: string;
  metered_until: number;
  scheduled_height: number;
}

export const registerProvider = (w: Wallet, region = "eu", tags: string[] = []): TxSpec => ({
  from: w,
  msg: m("registerProvider", { name: `dc-${w.bech32.slice(5, 10)}`, region, tags }),
});

export const addInstance = (
  w: Wallet,
  instanceId: string,
  capacity: Resources,
  prices: Resources,
  region = "",
  tags: string[] = [],
): TxSpec => ({ from: w, msg: m("addInstance", { instanceId, capacity, prices, region, tags }) });

export interface SubmitOptions {
  readonly kind?: "service" | "job";
  readonly replicas?: number;
  readonly durationSec?: number;
  readonly maxPricePerSec: bigint;
  readonly app?: Wallet;
  readonly appFeeBps?: number;
  readonly region?: string;
  readonly tags?: string[];
  readonly minReputation?: bigint;
}

export const submit = (w: Wallet, demand: Resources, o: SubmitOptions): TxSpec => ({
  from: w,
  msg: m("submitTask", {
    kind: o.kind ?? "job",
    demand,
    replicas: o.replicas ?? 1,
    durationSec: o.durationSec ?? 100,
    maxPricePerSec: o.maxPricePerSec,
    appProvider: o.app?.address ?? new Uint8Array(0),
    appFeeBps: o.appFeeBps ?? 0,
    region: o.region ?? "",
    tags: o.tags ?? [],
    minReputation: o.minReputation ?? 0n,
  }),
});

export const taskMsg = (
  kind: "cancelTask" | "ackTask" | "completeTask",
  w: Wallet,
  taskId: number,
): TxSpec => ({
  from: w,
  msg: m(kind, { taskId }),
});

export const report = (
  w: Wallet,
  taskId: number,
  periodStart: number,
  periodEnd: number,
  usage: Resources,
): TxSpec => ({
  from: w,
  msg: m("reportUsage", { taskId, periodStart, periodEnd, usage }),
});

export const rate = (w: Wallet, taskId: number, score: number): TxSpec => ({
  from: w,
  msg: m("rate", { taskId, score }),
});

export { FEE_COLLECTOR };
