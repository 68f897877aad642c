import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ExecTxResult } from "../../../src/abci/types.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import {
  DccnApp,
  type DccnAppOptions,
  encodeMsgSend,
  MSG_SEND_TYPE_URL,
} from "../../../src/dccn-app/index.js";
import type { Header } from "../../../src/types/block.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../../../src/types/params.js";
import { type AnyMsg, signTx, type TxBody } from "../../../src/types/tx.js";

export const CHAIN_ID = "dccn-test-1";
export const ANKR = 10n ** 18n;

export interface Wallet {
  readonly key: PrivateKey;
  readonly address: Uint8Array;
  readonly bech32: string;
}

export function wallet(n: number): Wallet {
  const key = PrivateKey.fromSeed(new Uint8Array(32).fill(n));
  const address = addressFromPublicKey(key.publicKey);
  return { key, address, bech32: toBech32(address) };
}

const dirs: string[] = [];

export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "dccn-app-"));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export async function openApp(dir: string, opts: Partial<DccnAppOptions> = {}): Promise<DccnApp> {
  return DccnApp.open({ dbPath: path.join(dir, "data", "application.db"), ...opts });
}

export function appState(accounts: readonly [Wallet, bigint][], params?: Record<string, unknown>): string {
  return JSON.stringify({
    accounts: accounts.map(([w, balance]) => ({ address: w.bech32, balance: balance.toString() })),
    ...(params === undefined ? {} : { params }),
  });
}

export async function initApp(app: DccnApp, appStateJson: string, chainId = CHAIN_ID): Promise<Uint8Array> {
  const res = await app.initChain({
    timeMs: 1_700_000_000_000,
    chainId,
    initialHeight: 1,
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
    validators: [],
    appStateJson,
  });
  return res.appHash;
}

export const sendMsg = (to: Uint8Array, amount: bigint): AnyMsg => ({
  typeUrl: MSG_SEND_TYPE_URL,
  value: encodeMsgSend({ to, amount }),
});

export function signed(from: Wallet, body: Partial<TxBody> & { msg: AnyMsg }): Uint8Array {
  return signTx(from.key, {
    chainId: CHAIN_ID,
    nonce: 0,
    gasLimit: 100_000,
    gasPrice: 1n,
    memo: "",
    ...body,
  });
}

export function header(height: number, chainId = CHAIN_ID): Header {
  const z = new Uint8Array(32);
  return {
    chainId,
    height,
    timeMs: 1_700_000_000_000 + height * 1000,
    lastBlockHash: z,
    lastCommitHash: z,
    dataHash: z,
    validatorsHash: z,
    nextValidatorsHash: z,
    consensusHash: z,
    appHash: z,
    lastResultsHash: z,
    evidenceHash: z,
    proposerAddress: new Uint8Array(20),
  };
}

/** BeginBlock → DeliverTx* → EndBlock → Commit; returns the tx results and the new app hash. */
export async function runBlock(
  app: DccnApp,
  height: number,
  txs: readonly Uint8Array[],
): Promise<{ results: ExecTxResult[]; appHash: Uint8Array }> {
  await app.beginBlock({
    hash: new Uint8Array(32).fill(height & 0xff),
    header: header(height),
    lastCommitInfo: { round: 0, votes: [] },
    byzantineValidators: [],
  });
  const results: ExecTxResult[] = [];
  for (const tx of txs) results.push(await app.deliverTx(tx));
  await app.endBlock({ height });
  const { appHash } = await app.commit();
  return { results, appHash };
}

export async function accountOf(app: DccnApp, w: Wallet | Uint8Array, height = 0) {
  const address = w instanceof Uint8Array ? w : w.address;
  const res = await app.query({ path: "/account", data: address, height, prove: false });
  if (res.code !== 0) throw new Error(`account query failed: ${res.log}`);
  const doc = JSON.parse(Buffer.from(res.value).toString("utf8")) as { balance: string; nonce: number };
  return { balance: BigInt(doc.balance), nonce: doc.nonce };
}

export function attrs(result: ExecTxResult, type: string): Record<string, string> | undefined {
  const e = result.events.find((ev) => ev.type === type);
  return e === undefined ? undefined : Object.fromEntries(e.attributes.map((a) => [a.key, a.value]));
}
