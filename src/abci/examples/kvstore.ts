/**
 * A small, real, deterministic Application for tests of consensus, the executor and networking
 * without the DCCN app. Txs are UTF-8 text:
 *
 *   key=value                   sets `key` (the first "=" splits; key non-empty, no "val:" prefix)
 *   val:<64 hex pubkey>!<power> sets a validator's power (0 removes; takes effect at height + 2)
 *
 * State is a string → string map persisted in LevelDB; the app hash is SHA-256 over the sorted
 * entries. InitChain's state (app_state: a JSON object of string values, plus the genesis
 * validators) is staged and committed with the first block, so `info()` reports height 0 until
 * then. Commit writes the block's changes, height and app hash in ONE atomic batch.
 */
import { compareBytes, fromHex, fromUtf8, toHex, u64be, utf8 } from "../../codec/bytes.js";
import { sha256 } from "../../crypto/hash.js";
import { DccnError } from "../../errors.js";
import { type BatchOp, Database } from "../../store/db.js";
import {
  type Application,
  type BeginBlockRequest,
  type BeginBlockResponse,
  type CheckTxMode,
  type CheckTxResult,
  CODE_OK,
  type CommitResponse,
  type EndBlockRequest,
  type EndBlockResponse,
  type ExecTxResult,
  type InfoResponse,
  type InitChainRequest,
  type InitChainResponse,
  type QueryRequest,
  type QueryResponse,
  type ValidatorUpdate,
} from "../types.js";

export const KVSTORE_CODES = { ok: 0, encoding: 1, unauthorized: 2, badValidator: 3 } as const;
const CODESPACE = "kvstore";
const VAL_PREFIX = "val:";
/** Keeps any realistic set far below the consensus cap on total power. */
const MAX_VALIDATOR_POWER = 2 ** 40;

const DATA = 0x64; // "d" + key -> value
const META_HEIGHT = utf8("m:height");
const META_APP_HASH = utf8("m:apphash");
const META_TX_COUNT = utf8("m:txcount");

export interface KVStoreOptions {
  /** Ask the node to keep only this many recent blocks (0 = keep all). */
  readonly retainBlocks?: number;
}

type ParsedTx =
  | { readonly kind: "set"; readonly key: string; readonly value: string }
  | { readonly kind: "validator"; readonly pubKey: Uint8Array; readonly power: number };

function parseTx(tx: Uint8Array): ParsedTx | string {
  let text: string;
  try {
    text = fromUtf8(tx);
  } catch {
    return "tx is not UTF-8";
  }
  if (text.startsWith(VAL_PREFIX)) {
    const m = /^val:([0-9a-fA-F]{64})!(0|[1-9][0-9]{0,14})$/.exec(text);
    if (m === null) return "validator tx must be val:<64 hex pubkey>!<power>";
    return { kind: "validator", pubKey: fromHex(m[1]!), power: Number(m[2]) };
  }
  const eq = text.indexOf("=");
  if (eq <= 0) return "tx must be key=value with a non-empty key";
  return { kind: "set", key: text.slice(0, eq), value: text.slice(eq + 1) };
}

function result(code: number, log: string, extra: Partial<ExecTxResult> = {}): ExecTxResult {
  return {
    code,
    codespace: code === CODE_OK ? "" : CODESPACE,
    log,
    info: "",
    data: new Uint8Array(0),
    gasWanted: 1,
    gasUsed: 1,
    events: [],
    ...extra,
  };
}

/**
 * SHA-256 over the count of txs ever applied (so applying a block twice shows) and the entries
 * sorted by key bytes, each as len(key)‖key‖len(value)‖value.
 */
export function kvStateHash(entries: ReadonlyMap<string, string>, txCount: number): Uint8Array {
  const sorted = [...entries].map(([k, v]) => [utf8(k), utf8(v)] as const);
  sorted.sort((a, b) => compareBytes(a[0], b[0]));
  const parts: Uint8Array[] = [u64be(txCount)];
  const len = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    return b;
  };
  for (const [k, v] of sorted) parts.push(len(k.length), k, len(v.length), v);
  return sha256(...parts);
}

export class KVStoreApp implements Application {
  private readonly committed: Map<string, string>;
  /** Writes of the block being executed (and InitChain's state until the first commit). */
  private readonly working = new Map<string, string>();
  private validatorUpdates: ValidatorUpdate[] = [];
  private blockHeight = 0;
  /** Successful txs of the block being executed. */
  private blockTxs = 0;

  private constructor(
    private readonly db: Database,
    committed: Map<string, string>,
    private height: number,
    private appHash: Uint8Array,
    private txCount: number,
    private readonly opts: KVStoreOptions,
  ) {
    this.committed = committed;
  }

  static async open(path: string, opts: KVStoreOptions = {}): Promise<KVStoreApp> {
    const db = await Database.open(path);
    try {
      const committed = new Map<string, string>();
      for await (const [k, v] of db.entries({ prefix: Uint8Array.of(DATA) })) {
        committed.set(fromUtf8(k.subarray(1)), fromUtf8(v));
      }
      const h = await db.get(META_HEIGHT);
      const height = h === undefined ? 0 : Number(fromUtf8(h));
      const appHash = (await db.get(META_APP_HASH)) ?? new Uint8Array(0);
      const count = await db.get(META_TX_COUNT);
      const txCount = count === undefined ? 0 : Number(fromUtf8(count));
      return new KVStoreApp(db, committed, height, appHash, txCount, opts);
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
  }

  private get(key: string): string | undefined {
    return this.working.get(key) ?? this.committed.get(key);
  }

  /** The committed value of `key` (tests). */
  committedValue(key: string): string | undefined {
    return this.committed.get(key);
  }

  async info(): Promise<InfoResponse> {
    return {
      data: "kvstore",
      version: "1.0.0",
      appVersion: 1,
      lastBlockHeight: this.height,
      lastBlockAppHash: this.appHash,
    };
  }

  async initChain(req: InitChainRequest): Promise<InitChainResponse> {
    if (this.height !== 0) {
      throw new DccnError("KVSTORE_ALREADY_INITIALIZED", `InitChain called at height ${this.height}`);
    }
    this.working.clear();
    if (req.appStateJson.trim() !== "") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(req.appStateJson);
      } catch {
        throw new DccnError("KVSTORE_BAD_GENESIS", "app_state must be JSON");
      }
      if (parsed !== null) {
        if (typeof parsed !== "object" || Array.isArray(parsed)) {
          throw new DccnError("KVSTORE_BAD_GENESIS", "app_state must be an object of string values");
        }
        for (const [k, v] of Object.entries(parsed)) {
          if (typeof v !== "string" || k === "" || k.startsWith(VAL_PREFIX)) {
            throw new DccnError(
              "KVSTORE_BAD_GENESIS",
              `app_state entry ${JSON.stringify(k)} is not a valid key/string`,
            );
          }
          this.working.set(k, v);
        }
      }
    }
    for (const v of req.validators) this.working.set(`${VAL_PREFIX}${toHex(v.pubKey)}`, String(v.power));
    const merged = new Map(this.committed);
    for (const [k, v] of this.working) merged.set(k, v);
    return { validators: [], appHash: kvStateHash(merged, this.txCount) };
  }

  async checkTx(tx: Uint8Array, _mode: CheckTxMode = "new"): Promise<CheckTxResult> {
    const parsed = parseTx(tx);
    return typeof parsed === "string" ? result(KVSTORE_CODES.encoding, parsed) : result(CODE_OK, "");
  }

  async beginBlock(req: BeginBlockRequest): Promise<BeginBlockResponse> {
    this.blockHeight = req.header.height;
    this.validatorUpdates = [];
    this.blockTxs = 0;
    return {
      events: [
        {
          type: "begin",
          attributes: [{ key: "height", value: String(req.header.height), index: false }],
        },
      ],
    };
  }

  async deliverTx(tx: Uint8Array): Promise<ExecTxResult> {
    const parsed = parseTx(tx);
    if (typeof parsed === "string") return result(KVSTORE_CODES.encoding, parsed);
    if (parsed.kind === "set") {
      this.working.set(parsed.key, parsed.value);
      this.blockTxs++;
      return result(CODE_OK, "", {
        data: utf8(parsed.key),
        events: [
          {
            type: "app",
            attributes: [
              { key: "key", value: parsed.key, index: true },
              { key: "value", value: parsed.value, index: false },
            ],
          },
        ],
      });
    }
    const key = `${VAL_PREFIX}${toHex(parsed.pubKey)}`;
    if (parsed.power === 0 && this.get(key) === undefined) {
      return result(KVSTORE_CODES.unauthorized, "cannot remove an unknown validator");
    }
    if (parsed.power === 0 && this.validatorCount() <= 1) {
      return result(KVSTORE_CODES.badValidator, "cannot remove the last validator");
    }
    if (parsed.power > MAX_VALIDATOR_POWER) {
      return result(KVSTORE_CODES.badValidator, `power must be at most ${MAX_VALIDATOR_POWER}`);
    }
    if (this.validatorUpdates.some((u) => toHex(u.pubKey) === toHex(parsed.pubKey))) {
      return result(KVSTORE_CODES.badValidator, "one update per validator per block");
    }
    if (parsed.power === 0) this.working.set(key, "0");
    else this.working.set(key, String(parsed.power));
    this.validatorUpdates.push({ pubKey: parsed.pubKey, power: parsed.power });
    this.blockTxs++;
    return result(CODE_OK, "", {
      events: [
        { type: "validator", attributes: [{ key: "pubkey", value: toHex(parsed.pubKey), index: true }] },
      ],
    });
  }

  private validatorCount(): number {
    const keys = new Set<string>();
    for (const m of [this.committed, this.working]) {
      for (const k of m.keys()) if (k.startsWith(VAL_PREFIX)) keys.add(k);
    }
    let n = 0;
    for (const k of keys) if (this.get(k) !== "0") n++;
    return n;
  }

  async endBlock(_req: EndBlockRequest): Promise<EndBlockResponse> {
    const validatorUpdates = this.validatorUpdates;
    this.validatorUpdates = [];
    return { validatorUpdates, events: [] };
  }

  async commit(): Promise<CommitResponse> {
    const merged = new Map(this.committed);
    for (const [k, v] of this.working) merged.set(k, v);
    const txCount = this.txCount + this.blockTxs;
    const appHash = kvStateHash(merged, txCount);
    const height = this.blockHeight;
    const ops: BatchOp[] = [...this.working].map(([k, v]) => ({
      type: "put" as const,
      key: Uint8Array.of(DATA, ...utf8(k)),
      value: utf8(v),
    }));
    ops.push({ type: "put", key: META_HEIGHT, value: utf8(String(height)) });
    ops.push({ type: "put", key: META_APP_HASH, value: appHash });
    ops.push({ type: "put", key: META_TX_COUNT, value: utf8(String(txCount)) });
    await this.db.batch(ops, { sync: true });
    for (const [k, v] of this.working) this.committed.set(k, v);
    this.working.clear();
    this.height = height;
    this.appHash = appHash;
    this.txCount = txCount;
    this.blockTxs = 0;
    const keep = this.opts.retainBlocks ?? 0;
    return { appHash, retainHeight: keep > 0 && height > keep ? height - keep + 1 : 0 };
  }

  async query(req: QueryRequest): Promise<QueryResponse> {
    const base = {
      index: 0,
      key: req.data,
      proofOps: null,
      height: this.height,
      codespace: "",
      info: "",
    };
    if (req.path !== "/store" && req.path !== "/key" && req.path !== "") {
      return {
        ...base,
        code: KVSTORE_CODES.encoding,
        codespace: CODESPACE,
        log: `unknown path ${req.path}`,
        value: new Uint8Array(0),
      };
    }
    if (req.height !== 0 && req.height !== this.height) {
      return {
        ...base,
        code: KVSTORE_CODES.encoding,
        codespace: CODESPACE,
        log: `only the latest height ${this.height} is queryable`,
        value: new Uint8Array(0),
      };
    }
    let key: string;
    try {
      key = fromUtf8(req.data);
    } catch {
      return {
        ...base,
        code: KVSTORE_CODES.encoding,
        codespace: CODESPACE,
        log: "key is not UTF-8",
        value: new Uint8Array(0),
      };
    }
    const value = this.committed.get(key);
    return {
      ...base,
      code: CODE_OK,
      log: value === undefined ? "does not exist" : "exists",
      value: value === undefined ? new Uint8Array(0) : utf8(value),
    };
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
