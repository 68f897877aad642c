/**
 * A small but real Application for mempool tests: accounts with a balance and a nonce over
 * in-memory maps, real signed txs (decodeTx + verifySignature). A tx pays gasLimit·gasPrice
 * and moves `amount` to `to` (msg value = 20-byte address ‖ u64be amount).
 *
 * State follows the ABCI contract: a committed state, a check state that CheckTx mutates (in
 * both "new" and "recheck" mode) and commit() resets to the committed one, and a deliver
 * state for the block being executed.
 */
import type {
  Application,
  BeginBlockResponse,
  CheckTxMode,
  CheckTxResult,
  CommitResponse,
  EndBlockResponse,
  ExecTxResult,
  InfoResponse,
  InitChainResponse,
  QueryResponse,
} from "../../../src/abci/types.js";
import { CODE_OK } from "../../../src/abci/types.js";
import { concatBytes, readU64be, toHex, u64be } from "../../../src/codec/bytes.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { type PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { type DecodedTx, decodeTx, signTx, txSignBytes } from "../../../src/types/tx.js";

export const CHAIN_ID = "mempool-test";
export const SEND_TYPE_URL = "/test.v1.MsgSend";

export const CODE_DECODE = 2;
export const CODE_BAD_NONCE = 3;
export const CODE_BAD_SIGNATURE = 4;
export const CODE_INSUFFICIENT_FUNDS = 5;
export const CODE_WRONG_CHAIN = 6;

interface Account {
  balance: bigint;
  nonce: number;
}

type State = Map<string, Account>;

export interface AppCall {
  readonly mode: CheckTxMode | "deliver";
  readonly sender: string;
  readonly nonce: number;
  /** How many blocks the app had committed when the call ran. */
  readonly commits: number;
}

export interface Pause {
  /** Resolves once a matching checkTx call has started and is being held. */
  readonly reached: Promise<void>;
  release(): void;
}

export interface TxParams {
  readonly nonce: number;
  readonly gasLimit?: number;
  readonly gasPrice?: bigint;
  readonly amount?: bigint;
  readonly to?: Uint8Array;
  readonly memo?: string;
}

/** Builds a real signed transfer. */
export function makeTx(key: PrivateKey, p: TxParams): Uint8Array {
  const to = p.to ?? new Uint8Array(20).fill(0xee);
  return signTx(key, {
    chainId: CHAIN_ID,
    nonce: p.nonce,
    gasLimit: p.gasLimit ?? 1000,
    gasPrice: p.gasPrice ?? 1n,
    memo: p.memo ?? "",
    msg: { typeUrl: SEND_TYPE_URL, value: concatBytes(to, u64be(p.amount ?? 0n)) },
  });
}

export const addressOf = (key: PrivateKey): Uint8Array => addressFromPublicKey(key.publicKey);

const result = (code: number, log: string, extra: Partial<CheckTxResult> = {}): CheckTxResult => ({
  code,
  codespace: code === CODE_OK ? "" : "nonce-app",
  log,
  info: "",
  data: new Uint8Array(0),
  gasWanted: 0,
  gasUsed: 0,
  events: [],
  ...extra,
});

export class NonceApp implements Application {
  /** Every checkTx/deliverTx that decoded, in call order. */
  readonly calls: AppCall[] = [];
  /** Highest number of checkTx calls in progress at once. */
  maxInFlight = 0;
  /** When set, the next checkTx throws this (then it is cleared). */
  failNext: Error | undefined;

  private committed: State = new Map();
  private check: State = new Map();
  private deliver: State = new Map();
  private inFlight = 0;
  private commits = 0;
  private pauses: { mode: CheckTxMode; hit: () => void; gate: Promise<void> }[] = [];

  /** Credits an account in every state (test set-up, as genesis would). */
  fund(address: Uint8Array, balance: bigint): void {
    for (const s of [this.committed, this.check, this.deliver]) {
      const acc = s.get(toHex(address)) ?? { balance: 0n, nonce: 0 };
      s.set(toHex(address), { balance: acc.balance + balance, nonce: acc.nonce });
    }
  }

  account(address: Uint8Array, which: "committed" | "check" = "committed"): Account {
    const s = which === "committed" ? this.committed : this.check;
    return { ...(s.get(toHex(address)) ?? { balance: 0n, nonce: 0 }) };
  }

  /** Holds the next checkTx in `mode` until release(). */
  pauseNext(mode: CheckTxMode): Pause {
    let hit = (): void => {};
    let release = (): void => {};
    const reached = new Promise<void>((resolve) => {
      hit = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.pauses.push({ mode, hit, gate });
    return { reached, release };
  }

  async checkTx(tx: Uint8Array, mode: CheckTxMode): Promise<CheckTxResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const at = this.pauses.findIndex((p) => p.mode === mode);
      const pause = at >= 0 ? this.pauses.splice(at, 1)[0] : undefined;
      if (pause) {
        pause.hit();
        await pause.gate;
      }
      // Let other callers run in between, as a real app awaiting storage would.
      await Promise.resolve();
      if (this.failNext) {
        const err = this.failNext;
        this.failNext = undefined;
        throw err;
      }
      // Signatures were verified when the tx was first admitted; recheck skips them.
      return this.apply(this.check, tx, mode, mode === "new");
    } finally {
      this.inFlight--;
    }
  }

  async deliverTx(tx: Uint8Array): Promise<ExecTxResult> {
    return this.apply(this.deliver, tx, "deliver", true);
  }

  async beginBlock(): Promise<BeginBlockResponse> {
    this.deliver = copy(this.committed);
    return { events: [] };
  }

  async endBlock(): Promise<EndBlockResponse> {
    return { validatorUpdates: [], events: [] };
  }

  async commit(): Promise<CommitResponse> {
    this.commits++;
    this.committed = this.deliver;
    this.check = copy(this.committed);
    this.deliver = copy(this.committed);
    return { appHash: new Uint8Array(32), retainHeight: 0 };
  }

  /** Executes a block of txs without committing it; returns the DeliverTx results. */
  async executeBlock(txs: readonly Uint8Array[]): Promise<ExecTxResult[]> {
    await this.beginBlock();
    const results: ExecTxResult[] = [];
    for (const tx of txs) results.push(await this.deliverTx(tx));
    await this.endBlock();
    return results;
  }

  async info(): Promise<InfoResponse> {
    return {
      data: "nonce-app",
      version: "1",
      appVersion: 1,
      lastBlockHeight: 0,
      lastBlockAppHash: new Uint8Array(),
    };
  }

  async initChain(): Promise<InitChainResponse> {
    return { validators: [], appHash: new Uint8Array(32) };
  }

  async query(): Promise<QueryResponse> {
    return {
      code: 1,
      log: "nonce-app serves no queries",
      info: "",
      index: 0,
      key: new Uint8Array(),
      value: new Uint8Array(),
      proofOps: null,
      height: 0,
      codespace: "nonce-app",
    };
  }

  async close(): Promise<void> {}

  private apply(state: State, tx: Uint8Array, mode: AppCall["mode"], verify: boolean): CheckTxResult {
    let decoded: DecodedTx;
    try {
      decoded = decodeTx(tx);
    } catch (err) {
      return result(CODE_DECODE, `cannot decode tx: ${(err as Error).message}`);
    }
    const { body, raw, sender } = decoded;
    const senderKey = toHex(sender);
    this.calls.push({ mode, sender: senderKey, nonce: body.nonce, commits: this.commits });
    const base = { sender, nonce: body.nonce, gasWanted: body.gasLimit };
    if (body.chainId !== CHAIN_ID) return result(CODE_WRONG_CHAIN, `wrong chain id ${body.chainId}`, base);
    if (verify && !verifySignature(raw.pubKey, txSignBytes(raw.body), raw.signature)) {
      return result(CODE_BAD_SIGNATURE, "signature does not verify", base);
    }
    const acc = state.get(senderKey) ?? { balance: 0n, nonce: 0 };
    if (body.nonce < acc.nonce) {
      return result(CODE_BAD_NONCE, `nonce ${body.nonce} already used; next is ${acc.nonce}`, base);
    }
    if (body.nonce > acc.nonce) {
      return result(CODE_BAD_NONCE, `nonce ${body.nonce} is ahead; next is ${acc.nonce}`, {
        ...base,
        nonceAhead: true,
      });
    }
    if (body.msg.typeUrl !== SEND_TYPE_URL || body.msg.value.length !== 28) {
      return result(CODE_DECODE, "unknown msg", base);
    }
    const to = toHex(body.msg.value.subarray(0, 20));
    const amount = readU64be(body.msg.value, 20);
    const cost = BigInt(body.gasLimit) * body.gasPrice + amount;
    if (acc.balance < cost) {
      return result(CODE_INSUFFICIENT_FUNDS, `balance ${acc.balance} < cost ${cost}`, base);
    }
    state.set(senderKey, { balance: acc.balance - cost, nonce: acc.nonce + 1 });
    const dest = state.get(to) ?? { balance: 0n, nonce: 0 };
    state.set(to, { balance: dest.balance + amount, nonce: dest.nonce });
    return result(CODE_OK, "", { ...base, gasUsed: body.gasLimit });
  }
}

function copy(state: State): State {
  return new Map([...state].map(([k, v]) => [k, { ...v }]));
}
