/**
 * `DccnApp`: the built-in DCCN application behind the `Application` interface.
 *
 * State is an SMT (src/store/smt) in `<home>/data/application.db`; its root is the app hash.
 * Layers (state/kv.ts): committed state ← block working set (DeliverTx, written by Commit in
 * one atomic batch with the app's metadata) and a separate check state (CheckTx), which Commit
 * replaces with a fresh layer over the new committed state. The mempool is expected to recheck
 * its remaining txs after each Commit; their reservations in the old check state are gone.
 *
 * Genesis: InitChain applies `app_state` and commits it at once as SMT version
 * `initialHeight − 1`, so it survives a crash before the first block. `info()` then reports
 * `lastBlockHeight` 0 (no block yet) with the genesis app hash; a repeated InitChain with the same
 * genesis (the handshake calls it while the height is 0) returns the stored result without
 * rewriting anything, and a different genesis is refused. After block H commits, `info()`
 * reports H and the root of version H.
 *
 * Queries: `height` 0 is the latest committed version; height H is the state after block H,
 * whose root is the app hash in header H+1. Proofs (`prove=true`) are SMT proofs against it.
 */
import type {
  AbciEvent,
  Application,
  BeginBlockRequest,
  BeginBlockResponse,
  CheckTxMode,
  CheckTxResult,
  CommitResponse,
  EndBlockRequest,
  EndBlockResponse,
  ExecTxResult,
  InfoResponse,
  InitChainRequest,
  InitChainResponse,
  QueryRequest,
  QueryResponse,
  ValidatorUpdate,
} from "../abci/types.js";
import { equalBytes, fromUtf8, readU64be, u64be, utf8 } from "../codec/bytes.js";
import { sha256 } from "../crypto/hash.js";
import { errorMessage, isDccnError } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { Database } from "../store/db.js";
import { appMetaKey } from "../store/smt/layout.js";
import { encodeSmtProof, SMT_PROOF_TYPE } from "../store/smt/proof.js";
import { SmtStore } from "../store/smt/store.js";
import { bankModule } from "./bank/module.js";
import { AppError, AppFatalError, CODESPACE, ResultCode } from "./codes.js";
import { parseAppState } from "./genesis.js";
import type {
  BlockContext,
  EndBlockResult,
  GenesisContext,
  Module,
  QueryContext,
  QueryRoute,
} from "./module.js";
import {
  type AppParams,
  DEFAULT_PARAMS,
  decodeParams,
  encodeParams,
  PARAMS_KEY,
  paramsToJson,
} from "./params.js";
import { QueryRouter } from "./query.js";
import { VerifiedTxCache } from "./sig-cache.js";
import { CommittedState, VersionReader } from "./state/committed.js";
import { CacheStore, type KvReader } from "./state/kv.js";
import {
  checkTx,
  type DecodedEntry,
  deliverTx,
  preVerifyTx,
  type RegisteredMsg,
  type SignatureVerifier,
  type TxEnv,
} from "./tx.js";

export const APP_NAME = "dccn";
export const APP_VERSION = "0.1.0";
export const APP_PROTOCOL_VERSION = 1;

export interface DccnAppOptions {
  /** The app's LevelDB directory, normally `<home>/data/application.db`. */
  readonly dbPath: string;
  /** Node-local minimum gas price (base units per gas), enforced by CheckTx only. Default 0. */
  readonly minGasPrice?: bigint;
  readonly logger?: Logger;
  /** Modules beyond the built-in bank module (staking, market, contracts, …). */
  readonly modules?: readonly Module[];
  /** SMT nodes kept in memory (see SmtStoreOptions). */
  readonly nodeCacheSize?: number;
  /** Committed values kept in memory. */
  readonly stateCacheSize?: number;
  /** Verified tx signatures remembered. */
  readonly sigCacheSize?: number;
  /**
   * Verifies tx signatures for `preCheckTx` (a worker pool); without one, signatures are
   * verified inside CheckTx/DeliverTx on the calling thread.
   */
  readonly verifier?: SignatureVerifier;
}

// App metadata (outside the tree, written in the same batch as the state it describes):
// chain_id, initial_height and the genesis fingerprint at InitChain; last_height at each Commit.
const META_CHAIN_ID = appMetaKey("chain_id");
const META_INITIAL_HEIGHT = appMetaKey("initial_height");
const META_GENESIS = appMetaKey("genesis");
const META_LAST_HEIGHT = appMetaKey("last_height");
const EMPTY = new Uint8Array(0);

interface BlockInProgress {
  readonly height: number;
  readonly timeMs: number;
  readonly store: CacheStore;
}

interface Genesis {
  readonly chainId: string;
  readonly initialHeight: number;
}

/** Routes of the app core: raw state reads and the parameters. */
const coreQueries: readonly QueryRoute[] = [
  {
    path: "/store/key",
    handle(ctx, data) {
      if (data.length === 0)
        throw new AppError("INVALID_QUERY", "/store/key takes the raw state key as data");
      return { key: data, value: ctx.store.get(data) ?? EMPTY };
    },
  },
  {
    path: "/app/params",
    handle(ctx) {
      const raw = ctx.store.get(PARAMS_KEY);
      const params = raw === undefined ? DEFAULT_PARAMS : decodeParams(raw);
      return { key: PARAMS_KEY, value: utf8(JSON.stringify(paramsToJson(params))) };
    },
  },
];

function genesisFingerprint(req: InitChainRequest): Uint8Array {
  return sha256(u64be(req.initialHeight), utf8(req.chainId), Uint8Array.of(0), utf8(req.appStateJson));
}

function queryError(code: number, log: string, height: number): QueryResponse {
  return {
    code,
    log,
    info: "",
    index: 0,
    key: EMPTY,
    value: EMPTY,
    proofOps: null,
    height,
    codespace: CODESPACE,
  };
}

export class DccnApp implements Application {
  private readonly logger: Logger;
  private readonly minGasPrice: bigint;
  private readonly modules: readonly Module[];
  private readonly msgs: ReadonlyMap<string, RegisteredMsg>;
  private readonly router: QueryRouter;
  private readonly sigCache: VerifiedTxCache;
  private readonly verifier: SignatureVerifier | undefined;
  private readonly decodedTxs = new WeakMap<Uint8Array, DecodedEntry>();
  private genesis: Genesis | null;
  private lastHeight: number;
  private params: AppParams;
  private env: TxEnv | null = null;
  private check: CacheStore;
  private block: BlockInProgress | null = null;
  private writing: Promise<unknown> | null = null;
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly smt: SmtStore,
    private readonly committed: CommittedState,
    opts: DccnAppOptions,
  ) {
    this.logger = (opts.logger ?? silentLogger).child("app");
    this.minGasPrice = opts.minGasPrice ?? 0n;
    if (this.minGasPrice < 0n) throw new AppFatalError("APP_BAD_OPTIONS", "minGasPrice must not be negative");
    this.modules = [bankModule, ...(opts.modules ?? [])];
    const { msgs, routes } = registerModules(this.modules);
    this.msgs = msgs;
    this.router = new QueryRouter([...coreQueries, ...routes]);
    this.sigCache = new VerifiedTxCache(opts.sigCacheSize);
    this.verifier = opts.verifier;
    this.check = new CacheStore(committed);

    const raw = db.raw;
    const chainId = raw.getSync(META_CHAIN_ID);
    const initial = raw.getSync(META_INITIAL_HEIGHT);
    this.genesis =
      chainId === undefined || initial === undefined
        ? null
        : { chainId: fromUtf8(chainId), initialHeight: Number(readU64be(initial)) };
    const last = raw.getSync(META_LAST_HEIGHT);
    this.lastHeight = last === undefined ? 0 : Number(readU64be(last));
    const params = committed.get(PARAMS_KEY);
    this.params = params === undefined ? DEFAULT_PARAMS : decodeParams(params);
    this.refreshEnv();
  }

  /** Opens (creating if needed) the app database and loads the last committed state. */
  static async open(opts: DccnAppOptions): Promise<DccnApp> {
    const db = await Database.open(opts.dbPath);
    try {
      const smt = await SmtStore.open(
        db.raw,
        opts.nodeCacheSize === undefined ? {} : { nodeCacheSize: opts.nodeCacheSize },
      );
      return new DccnApp(db, smt, new CommittedState(smt, opts.stateCacheSize), opts);
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
  }

  // --- Application ------------------------------------------------------------------------

  async info(): Promise<InfoResponse> {
    this.assertOpen();
    await this.idle();
    return {
      data: APP_NAME,
      version: APP_VERSION,
      appVersion: APP_PROTOCOL_VERSION,
      lastBlockHeight: this.lastHeight,
      lastBlockAppHash: this.smt.version === null ? EMPTY : this.smt.root,
    };
  }

  async initChain(req: InitChainRequest): Promise<InitChainResponse> {
    this.assertOpen();
    await this.idle();
    const fingerprint = genesisFingerprint(req);
    const stored = this.db.raw.getSync(META_GENESIS);
    if (stored !== undefined) {
      const root = this.smt.rootAt(req.initialHeight - 1);
      if (!equalBytes(stored, fingerprint) || root === undefined) {
        throw new AppFatalError(
          "APP_GENESIS_MISMATCH",
          "the app database was initialised from a different genesis (chain id, initial height or app_state); use the matching genesis file or reset the app data",
        );
      }
      this.logger.info("InitChain already applied; returning the stored genesis app hash");
      return { validators: [], appHash: root };
    }
    if (this.smt.version !== null) {
      throw new AppFatalError(
        "APP_GENESIS_MISMATCH",
        "the app database holds state but no genesis record; reset the app data",
      );
    }
    if (req.chainId === "") throw new AppFatalError("APP_GENESIS_INVALID", "chain id must not be empty");
    if (!Number.isSafeInteger(req.initialHeight) || req.initialHeight < 1) {
      throw new AppFatalError("APP_GENESIS_INVALID", `initial height must be ≥ 1, got ${req.initialHeight}`);
    }
    const parsed = parseAppState(req.appStateJson, this.modules);
    const store = new CacheStore(this.committed);
    store.set(PARAMS_KEY, encodeParams(parsed.params));
    const ctx: GenesisContext = {
      chainId: req.chainId,
      params: parsed.params,
      store,
      initialHeight: req.initialHeight,
      genesisTimeMs: req.timeMs,
      validators: req.validators,
    };
    for (const m of this.modules) await m.initGenesis?.(ctx, parsed.sections.get(m.name) ?? {});
    const changes = store.changes();
    const root = await this.exclusive(async () => {
      const r = await this.smt.commit(req.initialHeight - 1, changes, [
        { type: "put", key: META_CHAIN_ID, value: utf8(req.chainId) },
        { type: "put", key: META_INITIAL_HEIGHT, value: u64be(req.initialHeight) },
        { type: "put", key: META_GENESIS, value: fingerprint },
      ]);
      this.committed.applyCommitted(changes);
      return r;
    });
    this.genesis = { chainId: req.chainId, initialHeight: req.initialHeight };
    this.params = parsed.params;
    this.refreshEnv();
    this.check = new CacheStore(this.committed);
    this.logger.info("genesis state committed", { chainId: req.chainId, keys: changes.length });
    return { validators: [], appHash: root };
  }

  /**
   * Decodes `tx` and verifies its signature on the verifier's threads, for the CheckTx to come;
   * undefined without a verifier (CheckTx then verifies on the calling thread).
   */
  preCheckTx(tx: Uint8Array): Promise<void> | undefined {
    const env = this.env;
    if (this.closed || env === null || this.verifier === undefined) return undefined;
    return preVerifyTx(env, this.verifier, tx);
  }

  /** CheckTx ("new" and "recheck" alike) against the check state. Never throws. */
  async checkTx(tx: Uint8Array, _mode: CheckTxMode): Promise<CheckTxResult> {
    // Awaited only when needed: one await per tx is a promise and a suspension on the hot path.
    if (this.writing !== null) await this.idle();
    const env = this.env;
    if (this.closed || env === null) {
      const log = this.closed
        ? "the app is closed"
        : "the chain is not initialised yet (InitChain has not run)";
      return unavailableCheckResult(log);
    }
    return checkTx(env, this.check, tx, this.minGasPrice);
  }

  /**
   * CheckTx against a throwaway layer over the check state: RPC `check_tx` answers whether the
   * mempool would admit the tx without reserving its nonce or balance.
   */
  async dryRunCheckTx(tx: Uint8Array): Promise<CheckTxResult> {
    if (this.writing !== null) await this.idle();
    const env = this.env;
    if (this.closed || env === null) return unavailableCheckResult("the app is not ready");
    return checkTx(env, new CacheStore(this.check), tx, this.minGasPrice);
  }

  async beginBlock(req: BeginBlockRequest): Promise<BeginBlockResponse> {
    this.assertOpen();
    await this.idle();
    const genesis = this.requireGenesis();
    const height = req.header.height;
    const expected = this.lastHeight === 0 ? genesis.initialHeight : this.lastHeight + 1;
    if (height !== expected) {
      throw new AppFatalError(
        "APP_UNEXPECTED_HEIGHT",
        `BeginBlock for height ${height}, the app expects ${expected}`,
        {
          height,
          expected,
        },
      );
    }
    if (req.header.chainId !== genesis.chainId) {
      throw new AppFatalError(
        "APP_CHAIN_ID_MISMATCH",
        `block is for chain "${req.header.chainId}", the app runs "${genesis.chainId}"`,
      );
    }
    if (this.block !== null)
      this.logger.warn("discarding an uncommitted block", { height: this.block.height });
    this.block = { height, timeMs: req.header.timeMs, store: new CacheStore(this.committed) };
    const ctx = this.blockContext(this.block);
    for (const m of this.modules) await m.beginBlock?.(ctx, req);
    return { events: ctx.events };
  }

  async deliverTx(tx: Uint8Array): Promise<ExecTxResult> {
    this.assertOpen();
    const block = this.requireBlock();
    return deliverTx(this.env!, block.store, tx, block);
  }

  async endBlock(req: EndBlockRequest): Promise<EndBlockResponse> {
    this.assertOpen();
    const block = this.requireBlock();
    if (req.height !== block.height) {
      throw new AppFatalError(
        "APP_UNEXPECTED_HEIGHT",
        `EndBlock for height ${req.height} inside block ${block.height}`,
      );
    }
    const ctx = this.blockContext(block);
    const validatorUpdates: ValidatorUpdate[] = [];
    for (const m of this.modules) {
      const r: EndBlockResult | undefined = await m.endBlock?.(ctx, req);
      if (r?.validatorUpdates) validatorUpdates.push(...r.validatorUpdates);
    }
    return { validatorUpdates, events: ctx.events };
  }

  async commit(): Promise<CommitResponse> {
    this.assertOpen();
    const block = this.requireBlock();
    const changes = block.store.changes();
    const appHash = await this.exclusive(async () => {
      const root = await this.smt.commit(block.height, changes, [
        { type: "put", key: META_LAST_HEIGHT, value: u64be(block.height) },
      ]);
      this.committed.applyCommitted(changes);
      this.lastHeight = block.height;
      this.block = null;
      // The mempool rechecks its txs against this fresh check state.
      this.check = new CacheStore(this.committed);
      return root;
    });
    return { appHash, retainHeight: 0 };
  }

  async query(req: QueryRequest): Promise<QueryResponse> {
    await this.idle();
    const latest = this.smt.version;
    if (this.closed) return queryError(ResultCode.INTERNAL, "the app is closed", req.height);
    if (latest === null) {
      return queryError(ResultCode.HEIGHT_UNAVAILABLE, "no state has been committed yet", req.height);
    }
    const height = req.height === 0 ? latest : req.height;
    if (
      !Number.isSafeInteger(height) ||
      height < 0 ||
      height > latest ||
      this.smt.rootAt(height) === undefined
    ) {
      return queryError(
        ResultCode.HEIGHT_UNAVAILABLE,
        `height ${req.height} is not available (latest is ${latest})`,
        req.height,
      );
    }
    const found = this.router.find(req.path);
    if (found === undefined) {
      return queryError(
        ResultCode.UNKNOWN_QUERY,
        `unknown query path "${req.path}"; known: ${this.router.paths().join(", ")}`,
        height,
      );
    }
    const store: KvReader = height === latest ? this.committed : new VersionReader(this.smt, height);
    const ctx: QueryContext = { chainId: this.genesis?.chainId ?? "", params: this.params, store, height };
    try {
      const res = await found.route.handle(ctx, req.data, found.rest);
      let proofOps: QueryResponse["proofOps"] = null;
      if (req.prove) {
        const key = res.proveKey ?? res.key;
        const { proof } = this.smt.prove(key, height);
        proofOps = [{ type: SMT_PROOF_TYPE, key, data: encodeSmtProof(proof) }];
      }
      return {
        code: ResultCode.OK,
        log: "",
        info: "",
        index: 0,
        key: res.key,
        value: res.value,
        proofOps,
        height,
        codespace: "",
      };
    } catch (err) {
      if (err instanceof AppError) return queryError(err.resultCode, err.message, height);
      if (isDccnError(err, "SMT_UNKNOWN_VERSION")) {
        return queryError(ResultCode.HEIGHT_UNAVAILABLE, errorMessage(err), height);
      }
      this.logger.error("query failed", { path: req.path, err: errorMessage(err) });
      return queryError(ResultCode.INTERNAL, `internal error: ${errorMessage(err)}`, height);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    await this.db.close();
  }

  // --- helpers ----------------------------------------------------------------------------

  /** The node-local minimum gas price this app enforces in CheckTx. */
  get minimumGasPrice(): bigint {
    return this.minGasPrice;
  }

  /** The chain parameters in force. */
  get appParams(): AppParams {
    return this.params;
  }

  private refreshEnv(): void {
    this.env =
      this.genesis === null
        ? null
        : {
            chainId: this.genesis.chainId,
            params: this.params,
            msgs: this.msgs,
            sigCache: this.sigCache,
            decoded: this.decodedTxs,
            logger: this.logger,
          };
  }

  private blockContext(block: BlockInProgress): BlockContext {
    const genesis = this.requireGenesis();
    return {
      chainId: genesis.chainId,
      params: this.params,
      store: block.store,
      height: block.height,
      timeMs: block.timeMs,
      events: [] as AbciEvent[],
    };
  }

  /** Runs a state write; CheckTx and queries wait for it so they never see it half-applied. */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.idle();
    const run = fn();
    this.writing = run;
    try {
      return await run;
    } finally {
      this.writing = null;
    }
  }

  private async idle(): Promise<void> {
    while (this.writing !== null) await this.writing.catch(() => {});
  }

  private assertOpen(): void {
    if (this.closed) throw new AppFatalError("APP_CLOSED", "the app is closed");
  }

  private requireGenesis(): Genesis {
    if (this.genesis === null) {
      throw new AppFatalError("APP_NOT_INITIALIZED", "InitChain has not been run on this app database");
    }
    return this.genesis;
  }

  private requireBlock(): BlockInProgress {
    if (this.block === null)
      throw new AppFatalError("APP_NO_BLOCK", "no block in progress: call BeginBlock first");
    return this.block;
  }
}

function unavailableCheckResult(log: string): CheckTxResult {
  return {
    code: ResultCode.INTERNAL,
    codespace: CODESPACE,
    log,
    info: "",
    data: EMPTY,
    gasWanted: 0,
    gasUsed: 0,
    events: [],
  };
}

/** Indexes modules' msgs and routes; two modules claiming the same thing is a wiring error. */
function registerModules(modules: readonly Module[]): {
  msgs: Map<string, RegisteredMsg>;
  routes: QueryRoute[];
} {
  const conflict = (what: string) => new AppFatalError("APP_MODULE_CONFLICT", what);
  const names = new Set<string>();
  const msgs = new Map<string, RegisteredMsg>();
  const paths = new Set<string>(coreQueries.map((r) => r.path));
  const genesisKeys = new Set<string>(["params"]);
  const routes: QueryRoute[] = [];
  for (const m of modules) {
    if (names.has(m.name)) throw conflict(`two modules are named "${m.name}"`);
    names.add(m.name);
    for (const h of m.msgs ?? []) {
      if (msgs.has(h.typeUrl)) throw conflict(`msg type ${h.typeUrl} is handled twice`);
      msgs.set(h.typeUrl, { handler: h, module: m.name });
    }
    for (const k of m.genesisKeys ?? []) {
      if (genesisKeys.has(k)) throw conflict(`app_state.${k} is claimed twice`);
      genesisKeys.add(k);
    }
    for (const r of m.queries ?? []) {
      if (paths.has(r.path)) throw conflict(`query path ${r.path} is served twice`);
      paths.add(r.path);
      routes.push(r);
    }
  }
  return { msgs, routes };
}
