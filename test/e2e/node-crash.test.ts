/**
 * Crash recovery of a single-validator node under load. Clients submit transfers continuously
 * while the node is SIGKILLed at seeded random points — some the instant a block's NewBlock
 * event arrives (right after a commit), some a random few milliseconds later (during the commit
 * wait, the proposal or the execution of the next block) — and restarted each time. Then:
 *  - it resumed from the last height it had committed, with the same block hashes;
 *  - every tx whose commit a client observed is still found by `tx` at that height, each
 *    sender's committed txs are exactly its nonces 0..n-1, each in one block only, and
 *    balances, nonces and fees equal the sum of the committed transfers to the base unit;
 *  - a copy of the home whose application database is deleted replays the block store into a
 *    fresh app (the startup handshake) and reaches the same app hash at the final height.
 *
 * Set DCCN_E2E_SEED to replay a particular schedule.
 */
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { buildSendTx, RpcClient, RpcClientError, type SignedTx } from "../../src/client/index.js";
import { fromBase64, toHexUpper } from "../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../src/crypto/address.js";
import { PrivateKey } from "../../src/crypto/ed25519.js";
import { ResultCode } from "../../src/dccn-app/codes.js";
import { FEE_COLLECTOR } from "../../src/dccn-app/tx.js";
import { txHash } from "../../src/types/tx.js";
import {
  checkChain,
  checkLedger,
  feesPaidOut,
  freePorts,
  initTestHome,
  type LedgerTransfer,
  NodeProcess,
  patchToml,
  queryAccount,
  rpc,
  type TestHome,
  tempDir,
  waitFor,
  waitForHeight,
} from "./harness.js";

const CHAIN_ID = "e2e-crash";
const SEED = Number(process.env.DCCN_E2E_SEED ?? 0x5eed2);
const KILLS = 6;
const SENDERS = 4;
/** Most txs a sender keeps submitted but not yet seen committed. */
const WINDOW = 24;
const GENESIS_BALANCE = 10n ** 24n;

/** mulberry32: a small seeded generator, so a failing schedule can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const key = (i: number) => PrivateKey.fromSeed(new Uint8Array(32).fill(0x70 + i));
const senders = Array.from({ length: SENDERS }, (_, i) => key(i));
const senderAddr = senders.map((k) => toBech32(addressFromPublicKey(k.publicKey)));
const receivers = [
  ...Array.from({ length: 2 }, (_, i) => toBech32(addressFromPublicKey(key(50 + i).publicKey))),
  ...senderAddr,
];

interface Transfer {
  readonly sender: number;
  readonly nonce: number;
  readonly to: string;
  readonly amount: bigint;
  readonly gasPrice: bigint;
  readonly tx: SignedTx;
}

/** The tx for (sender, nonce) is always the same bytes, so a resubmission has the same hash. */
const transfers = new Map<string, Transfer>();
const byHash = new Map<string, Transfer>();
function transferFor(sender: number, nonce: number): Transfer {
  const id = `${sender}/${nonce}`;
  let t = transfers.get(id);
  if (t === undefined) {
    const to = receivers[(sender * 5 + nonce) % receivers.length]!;
    const amount = 10_000n + BigInt(sender * 100 + (nonce % 97));
    const gasPrice = BigInt(1 + sender);
    const tx = buildSendTx({ key: senders[sender]!, chainId: CHAIN_ID, nonce, to, amount, gasPrice });
    t = { sender, nonce, to, amount, gasPrice, tx };
    transfers.set(id, t);
    byHash.set(tx.hash, t);
  }
  return t;
}

/** What the clients saw committed: tx hash → height, block hashes, and per sender the next nonce. */
class CommitTracker {
  readonly txHeight = new Map<string, number>();
  readonly blockHash = new Map<number, string>();
  readonly nextNonce: number[] = Array.from({ length: SENDERS }, () => 0);
  height = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly url: string) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.catchUp();
        } catch {
          // the node is down or restarting; try again
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async catchUp(): Promise<void> {
    const st = await rpc<{ sync_info: { latest_block_height: string } }>(this.url, "status");
    const latest = Number(st.sync_info.latest_block_height);
    while (this.height < latest) {
      const h = this.height + 1;
      const b = await rpc<{ block_id: { hash: string }; block: { data: { txs: string[] | null } } }>(
        this.url,
        "block",
        { height: String(h) },
      );
      for (const txb64 of b.block.data.txs ?? []) {
        const hash = txHashHex(txb64);
        this.txHeight.set(hash, h);
        const t = byHash.get(hash);
        if (t !== undefined) this.nextNonce[t.sender] = Math.max(this.nextNonce[t.sender]!, t.nonce + 1);
      }
      this.blockHash.set(h, b.block_id.hash);
      this.height = h;
    }
  }
}

const txHashHex = (b64: string): string => toHexUpper(txHash(fromBase64(b64)));

/** Clients that keep submitting transfers; after a restart each resumes from its committed nonce. */
class Load {
  private stopped = false;
  private generation = 0;
  private workers: Promise<void>[] = [];
  readonly unexpected: string[] = [];
  readonly nextNonce: number[] = Array.from({ length: SENDERS }, () => 0);

  constructor(
    private readonly client: RpcClient,
    private readonly tracker: CommitTracker,
  ) {}

  start(): void {
    this.workers = senders.map((_, s) => this.worker(s));
  }

  /** Called after each restart: workers re-read their nonce from the chain. */
  restarted(): void {
    this.generation++;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  private async worker(s: number): Promise<void> {
    let seen = -1;
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    while (!this.stopped) {
      try {
        if (seen !== this.generation) {
          const g = this.generation;
          this.nextNonce[s] = (await queryAccount(this.client.url, senderAddr[s]!)).nonce;
          seen = g;
        }
        const nonce = this.nextNonce[s]!;
        if (nonce - this.tracker.nextNonce[s]! >= WINDOW) {
          await pause(10);
          continue;
        }
        const t = transferFor(s, nonce);
        const r = await this.client.broadcastTxSync(t.tx.bytes);
        if (r.code === 0) this.nextNonce[s] = nonce + 1;
        else {
          // A resubmitted tx may have been committed since the nonce was read: read it again.
          if (r.code !== ResultCode.NONCE_TOO_LOW)
            this.unexpected.push(`sender ${s} nonce ${nonce}: code ${r.code} ${r.log}`);
          seen = -1;
        }
      } catch (err) {
        if (
          err instanceof RpcClientError &&
          err.code === "RPC_ERROR" &&
          /already in the mempool/.test(err.message)
        ) {
          this.nextNonce[s]! += 1;
          continue;
        }
        // Down, or killed mid-request: resynchronise once it answers again.
        seen = -1;
        await pause(20);
      }
    }
  }
}

/** Subscribes to NewBlock and calls `onBlock` with the first block's height, then closes. */
async function onNextBlock(url: string, onBlock: (height: number) => void): Promise<number> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/websocket`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return await new Promise<number>((resolve, reject) => {
      ws.once("close", () => reject(new Error("websocket closed before a NewBlock event")));
      ws.on("message", (data) => {
        const m = JSON.parse(data.toString()) as {
          result?: { data?: { value?: { block?: { header?: { height?: string } } } } };
        };
        const height = m.result?.data?.value?.block?.header?.height;
        if (height === undefined) return;
        onBlock(Number(height));
        resolve(Number(height));
      });
      ws.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "subscribe",
          params: { query: "tm.event='NewBlock'" },
        }),
      );
    });
  } finally {
    ws.terminate();
  }
}

describe(`single node: SIGKILL under load and restart (seed ${SEED})`, () => {
  let th: TestHome;
  let node: NodeProcess;
  let replayHome: string | undefined;
  let replayNode: NodeProcess | undefined;

  beforeAll(async () => {
    th = await initTestHome("crash", {
      chainId: CHAIN_ID,
      accounts: senderAddr.map((address) => ({ address, balance: GENESIS_BALANCE })),
      config: { app: { minimum_gas_price: "1" } },
    });
    node = new NodeProcess(th.home, th.rpcPort);
    await node.start();
    await waitForHeight(node.rpcUrl, 1);
  });

  afterAll(async () => {
    await node?.stop("SIGKILL");
    await replayNode?.stop("SIGKILL");
    if (th) rmSync(th.home, { recursive: true, force: true });
    if (replayHome) rmSync(replayHome, { recursive: true, force: true });
  });

  it("loses no committed tx, applies none twice, and matches a clean replay", {
    timeout: 120_000,
  }, async () => {
    const url = node.rpcUrl;
    const rand = prng(SEED);
    const tracker = new CommitTracker(url);
    const load = new Load(new RpcClient(url), tracker);
    tracker.start();
    load.start();

    const kills: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      // Under load: wait until this incarnation has committed some of the clients' txs.
      const committedBefore = tracker.txHeight.size;
      await waitFor("transfers committed under load", async () =>
        tracker.txHeight.size >= committedBefore + 20 ? true : undefined,
      );
      const afterCommit = rand() < 0.5;
      const delayMs = afterCommit ? 0 : Math.floor(rand() * 300);
      let killed: Promise<unknown> | undefined;
      const height = await onNextBlock(url, () => {
        if (delayMs === 0) killed = node.stop("SIGKILL");
        else killed = new Promise((r) => setTimeout(r, delayMs)).then(() => node.stop("SIGKILL"));
      });
      await killed;
      kills.push(afterCommit ? `after commit of ${height}` : `${delayMs} ms after commit of ${height}`);

      // It resumes at or above every height known committed before the kill, with the same
      // blocks, then moves on.
      const seen = tracker.height;
      const lastSeen = Math.max(seen, height);
      load.restarted();
      await node.start();
      const st = await rpc<{ sync_info: { latest_block_height: string } }>(url, "status");
      expect(Number(st.sync_info.latest_block_height), kills.join("; ")).toBeGreaterThanOrEqual(lastSeen);
      await waitForHeight(url, lastSeen + 1);
      for (const h of [seen - 1, seen]) {
        if (h < 1) continue;
        const b = await rpc<{ block_id: { hash: string } }>(url, "block", { height: String(h) });
        expect(b.block_id.hash, `block ${h} after restart ${k + 1}`).toBe(tracker.blockHash.get(h));
      }
    }

    await load.stop();
    expect(load.unexpected).toEqual([]);
    // Everything submitted commits (nothing the clients resubmitted was left behind).
    await waitFor("every submitted tx committed", async () => {
      for (let s = 0; s < SENDERS; s++) {
        if ((await queryAccount(url, senderAddr[s]!)).nonce !== load.nextNonce[s]) return undefined;
      }
      return true;
    });
    const finalHeight = await waitForHeight(url, tracker.height + 1);
    await waitFor("tracker at the final height", async () =>
      tracker.height >= finalHeight ? true : undefined,
    );
    await tracker.stop();

    // The chain is sound across every restart, and each tx sits in one block only.
    const accounts = [...new Set(receivers)];
    const chain = await checkChain(url, finalHeight, { proveAccounts: accounts });
    expect(chain.problems).toEqual([]);
    const inBlock = new Map<string, number>();
    for (const b of chain.blocks) {
      for (const h of b.txHashes) {
        expect(inBlock.has(h), `tx ${h} applied twice`).toBe(false);
        inBlock.set(h, b.height);
      }
    }
    // No tx whose commit a client observed was lost, or moved.
    for (const [hash, height] of tracker.txHeight) expect(inBlock.get(hash), hash).toBe(height);

    // Per sender exactly nonces 0..n-1 are committed, and `tx` finds each where its block is.
    const client = new RpcClient(url);
    const ledger = new Map<string, LedgerTransfer>();
    let fees = 0n;
    for (let s = 0; s < SENDERS; s++) {
      const n = load.nextNonce[s]!;
      expect(n).toBeGreaterThan(0);
      for (let nonce = 0; nonce < n; nonce++) {
        const t = transferFor(s, nonce);
        const r = await client.tx(t.tx.hash);
        expect(Number(r.height), `sender ${s} nonce ${nonce}`).toBe(inBlock.get(t.tx.hash));
        expect(r.tx_result.code, r.tx_result.log).toBe(0);
        const fee = BigInt(r.tx_result.gas_used) * t.gasPrice;
        fees += fee;
        ledger.set(t.tx.hash, { from: senderAddr[s]!, to: t.to, amount: t.amount, fee });
      }
    }
    expect(inBlock.size).toBe(ledger.size);

    // Every account's proven state after every block is the committed transfers replayed up to
    // it (a tx applied twice, or lost after being applied, would show), and so is the end state.
    const genesis = new Map(senderAddr.map((a) => [a, GENESIS_BALANCE]));
    const replayed = checkLedger(chain, genesis, ledger);
    expect(replayed.problems).toEqual([]);
    for (const address of accounts) {
      const acc = await queryAccount(url, address, finalHeight);
      expect(acc.balance, address).toBe(replayed.balances.get(address) ?? 0n);
      const s = senderAddr.indexOf(address);
      expect(acc.nonce, address).toBe(s < 0 ? 0 : load.nextNonce[s]);
    }
    const collector = await queryAccount(url, toBech32(FEE_COLLECTOR), finalHeight);
    expect(collector.balance + (await feesPaidOut(url, finalHeight))).toBe(fees);

    // A clean replay: the same blocks executed into an empty app reach the same app hash.
    await node.stop("SIGTERM");
    const stored = await storedTip(th.home);
    replayHome = tempDir("crash-replay");
    cpSync(th.home, replayHome, { recursive: true });
    rmSync(join(replayHome, "data", "application.db"), { recursive: true, force: true });
    const [rpcPort, p2pPort] = (await freePorts(2)) as [number, number];
    const configFile = join(replayHome, "config", "config.toml");
    patchToml(configFile, "rpc", { laddr: `tcp://127.0.0.1:${rpcPort}` });
    patchToml(configFile, "p2p", { laddr: `/ip4/127.0.0.1/tcp/${p2pPort}` });
    replayNode = new NodeProcess(replayHome, rpcPort, ["--role", "full"]);
    await replayNode.start();
    const info = await rpc<{ response: { last_block_height: string; last_block_app_hash: string } }>(
      replayNode.rpcUrl,
      "abci_info",
    );
    expect(Number(info.response.last_block_height)).toBe(stored.height);
    expect(toHexUpper(fromBase64(info.response.last_block_app_hash))).toBe(stored.appHash);
    expect(replayNode.tailLog(400)).toMatch(/replaying blocks to the app/);
  });
});

/**
 * The height and app hash the original node ended with, read back by starting it as a full node
 * (no consensus: nothing new is committed) and asking `abci_info`.
 */
async function storedTip(home: string): Promise<{ height: number; appHash: string }> {
  const [rpcPort, p2pPort] = (await freePorts(2)) as [number, number];
  const configFile = join(home, "config", "config.toml");
  patchToml(configFile, "rpc", { laddr: `tcp://127.0.0.1:${rpcPort}` });
  patchToml(configFile, "p2p", { laddr: `/ip4/127.0.0.1/tcp/${p2pPort}` });
  const n = new NodeProcess(home, rpcPort, ["--role", "full"]);
  await n.start();
  try {
    const info = await rpc<{ response: { last_block_height: string; last_block_app_hash: string } }>(
      n.rpcUrl,
      "abci_info",
    );
    return {
      height: Number(info.response.last_block_height),
      appHash: toHexUpper(fromBase64(info.response.last_block_app_hash)),
    };
  } finally {
    await n.stop();
  }
}
