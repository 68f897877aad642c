/** A real DccnApp with the staking module, and a block driver that sets votes, evidence and proposer. */
import type { ExecTxResult, GenesisValidator, Misbehavior, VoteInfo } from "../../../src/abci/types.js";
import { fromUtf8, toBase64, u64be } from "../../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import type { DccnApp } from "../../../src/dccn-app/index.js";
import {
  createStakingModule,
  NO_MARKET_INPUTS,
  REWARD_POOL,
  type ServiceLevelInputs,
  STAKING_POOL,
  signPop,
} from "../../../src/dccn-app/staking/index.js";
import { FEE_COLLECTOR } from "../../../src/dccn-app/tx.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../../../src/types/params.js";
import type { AnyMsg } from "../../../src/types/tx.js";
import { accountOf, CHAIN_ID, header, openApp, signed, tempDir, type Wallet } from "../dccn-app/helpers.js";

export { ANKR, CHAIN_ID, removeTempDirs, type Wallet, wallet } from "../dccn-app/helpers.js";

export interface Validator {
  readonly key: PrivateKey;
  readonly pubKey: Uint8Array;
  readonly address: Uint8Array;
}

/** A consensus key (distinct seeds from wallets: 200 + n). */
export function consKey(n: number): Validator {
  const key = PrivateKey.fromSeed(new Uint8Array(32).fill(200 + n));
  return { key, pubKey: key.publicKey, address: addressFromPublicKey(key.publicKey) };
}

export interface StakingGenesis {
  readonly accounts: readonly [Pick<Wallet, "bech32">, bigint][];
  readonly staking?: Record<string, unknown>;
  readonly validators?: readonly GenesisValidator[];
}

export class Chain {
  height = 0;
  private nonces = new Map<string, number>();

  constructor(readonly app: DccnApp) {}

  static async start(g: StakingGenesis, inputs: ServiceLevelInputs = NO_MARKET_INPUTS): Promise<Chain> {
    const app = await openApp(tempDir(), { modules: [createStakingModule({ serviceLevel: inputs })] });
    await app.initChain({
      timeMs: 1_700_000_000_000,
      chainId: CHAIN_ID,
      initialHeight: 1,
      consensusParams: DEFAULT_CONSENSUS_PARAMS,
      validators: g.validators ?? [],
      appStateJson: JSON.stringify({
        accounts: g.accounts.map(([w, balance]) => ({ address: w.bech32, balance: balance.toString() })),
        ...(g.staking === undefined ? {} : { staking: g.staking }),
      }),
    });
    return new Chain(app);
  }

  /** A signed tx from `from` with its next nonce (tracked here; failed txs use their nonce too). */
  tx(from: Wallet, msg: AnyMsg, gasPrice = 0n, opts: { peek?: boolean } = {}): Uint8Array {
    const nonce = this.nonces.get(from.bech32) ?? 0;
    if (opts.peek !== true) this.nonces.set(from.bech32, nonce + 1);
    return signed(from, { msg, nonce, gasPrice, gasLimit: 200_000 });
  }

  /** Runs the next block. */
  async block(
    txs: readonly Uint8Array[] = [],
    opts: { votes?: readonly VoteInfo[]; evidence?: readonly Misbehavior[]; proposer?: Uint8Array } = {},
  ) {
    const height = ++this.height;
    const hash = sha256(u64be(height), u64be(0x5eed));
    const begin = await this.app.beginBlock({
      hash,
      header: { ...header(height), proposerAddress: opts.proposer ?? new Uint8Array(20) },
      lastCommitInfo: { round: 0, votes: opts.votes ?? [] },
      byzantineValidators: opts.evidence ?? [],
    });
    const results: ExecTxResult[] = [];
    for (const tx of txs) results.push(await this.app.deliverTx(tx));
    const end = await this.app.endBlock({ height });
    const { appHash } = await this.app.commit();
    return { results, begin, end, appHash, hash };
  }

  /** Runs empty blocks until (and including) `height`. */
  async until(height: number, opts: Parameters<Chain["block"]>[1] = {}) {
    let last: Awaited<ReturnType<Chain["block"]>> | undefined;
    while (this.height < height) last = await this.block([], opts);
    return last;
  }

  async query<T>(path: string): Promise<T> {
    const res = await this.app.query({ path, data: new Uint8Array(0), height: 0, prove: false });
    if (res.code !== 0) throw new Error(`query ${path} failed (${res.code}): ${res.log}`);
    return JSON.parse(fromUtf8(res.value)) as T;
  }

  async queryError(path: string): Promise<{ code: number; log: string }> {
    const res = await this.app.query({ path, data: new Uint8Array(0), height: 0, prove: false });
    return { code: res.code, log: res.log };
  }

  async balance(who: Wallet | Uint8Array): Promise<bigint> {
    return (await accountOf(this.app, who)).balance;
  }

  /** Σ bank balances over `accounts` and the module accounts. */
  async supply(accounts: readonly (Wallet | Uint8Array)[]): Promise<bigint> {
    let sum = 0n;
    for (const a of [...accounts, STAKING_POOL, REWARD_POOL, FEE_COLLECTOR]) sum += await this.balance(a);
    return sum;
  }

  /** Σ bonded + Σ unbonding over `accounts` (from the stake query). */
  async staked(accounts: readonly Wallet[]): Promise<bigint> {
    let sum = 0n;
    for (const a of accounts) {
      const s = await this.query<{ bonded: string; unbonding: string }>(`/staking/stake/${a.bech32}`);
      sum += BigInt(s.bonded) + BigInt(s.unbonding);
    }
    return sum;
  }
}

/** A genesis candidate entry. */
export function genesisCandidate(
  operator: Wallet,
  v: Validator,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    operator: operator.bech32,
    pub_key: toBase64(v.pubKey),
    moniker: `m-${operator.bech32.slice(5, 11)}`,
    ...extra,
  };
}

export const pop = (v: Validator, operator: Wallet, chainId = CHAIN_ID): Uint8Array =>
  signPop(v.key, chainId, operator.address);

export const vote = (v: Validator | Uint8Array, power: number, signed = true): VoteInfo => ({
  validatorAddress: v instanceof Uint8Array ? v : v.address,
  power,
  signedLastBlock: signed,
});

export function attrsOf(
  events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[],
  type: string,
) {
  return events
    .filter((e) => e.type === type)
    .map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value])) as Record<string, string>);
}

export const bech = (a: Uint8Array): string => toBech32(a);
