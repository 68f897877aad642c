/**
 * A single-validator node as a child process: 200 signed transfers from five senders over RPC
 * (broadcast_tx_sync, each sender's txs in concurrent windows of consecutive nonces, so some
 * arrive ahead of their predecessor and are parked), then every balance, nonce and fee is
 * checked to the base unit and blocks 1..H are checked link by link.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSendTx, DccnClient, type TxResult } from "../../src/client/index.js";
import { toBase64 } from "../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../src/crypto/address.js";
import { PrivateKey } from "../../src/crypto/ed25519.js";
import { FEE_COLLECTOR } from "../../src/dccn-app/tx.js";
import {
  checkChain,
  checkLedger,
  feesPaidOut,
  initTestHome,
  type LedgerTransfer,
  NodeProcess,
  queryAccount,
  rpc,
  type TestHome,
  waitFor,
  waitForHeight,
} from "./harness.js";

const CHAIN_ID = "e2e-transfers";
const SENDERS = 5;
const PER_SENDER = 40;
const WINDOW = 8;
const GENESIS_BALANCE = 10n ** 24n;

const key = (i: number) => PrivateKey.fromSeed(new Uint8Array(32).fill(0x40 + i));
const senders = Array.from({ length: SENDERS }, (_, i) => key(i));
const senderAddr = senders.map((k) => toBech32(addressFromPublicKey(k.publicKey)));
// Three accounts that only receive, plus the senders themselves (so some senders also receive).
const receivers = [
  ...Array.from({ length: 3 }, (_, i) => toBech32(addressFromPublicKey(key(100 + i).publicKey))),
  ...senderAddr,
];

interface Sent {
  readonly hash: string;
  readonly txBase64: string;
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
  readonly gasPrice: bigint;
}

describe("single node: 200 transfers over RPC", () => {
  let th: TestHome;
  let node: NodeProcess;

  beforeAll(async () => {
    th = await initTestHome("transfers", {
      chainId: CHAIN_ID,
      accounts: senderAddr.map((address) => ({ address, balance: GENESIS_BALANCE })),
      config: { app: { minimum_gas_price: "1" } },
    });
    node = new NodeProcess(th.home, th.rpcPort);
    await node.start();
    await waitForHeight(node.rpcUrl, 1);
  });

  afterAll(async () => {
    await node?.stop();
    if (th) rmSync(th.home, { recursive: true, force: true });
  });

  it("commits every transfer with exact balances, nonces and fees on a soundly linked chain", async () => {
    const url = node.rpcUrl;
    const client = new DccnClient(url, { chainId: CHAIN_ID });
    const sent: Sent[] = [];

    // Each sender submits its txs in windows of concurrent broadcasts; senders run in parallel.
    await Promise.all(
      senders.map(async (k, s) => {
        const gasPrice = BigInt(1 + s);
        for (let start = 0; start < PER_SENDER; start += WINDOW) {
          const window = Array.from({ length: WINDOW }, (_, j) => {
            const nonce = start + j;
            const to = receivers[(s * 7 + nonce) % receivers.length]!;
            const amount = 1_000_000n + BigInt(s) * 1000n + BigInt(nonce);
            const tx = buildSendTx({ key: k, chainId: CHAIN_ID, nonce, to, amount, gasPrice });
            sent.push({
              hash: tx.hash,
              txBase64: toBase64(tx.bytes),
              from: senderAddr[s]!,
              to,
              amount,
              gasPrice,
            });
            return client.rpc.broadcastTxSync(tx.bytes).then((r) => ({ r, hash: tx.hash }));
          });
          for (const { r, hash } of await Promise.all(window)) {
            expect(r.code, `${hash}: ${r.log}`).toBe(0);
            expect(r.hash).toBe(hash);
          }
        }
      }),
    );
    expect(sent).toHaveLength(SENDERS * PER_SENDER);

    const results = new Map<string, TxResult>();
    await Promise.all(
      sent.map(async (t) => {
        const r = await waitFor(`tx ${t.hash}`, async () => {
          try {
            return await client.rpc.tx(t.hash);
          } catch {
            return undefined;
          }
        });
        results.set(t.hash, r);
      }),
    );

    // Every fee is gas used × gas price, as the tx event says.
    const ledger = new Map<string, LedgerTransfer>();
    let fees = 0n;
    for (const t of sent) {
      const r = results.get(t.hash)!.tx_result;
      expect(r.code, r.log).toBe(0);
      const gasUsed = BigInt(r.gas_used);
      expect(gasUsed).toBeGreaterThan(0n);
      const fee = gasUsed * t.gasPrice;
      const feeAttr = r.events.find((e) => e.type === "tx")?.attributes.find((a) => a.key === "fee")?.value;
      expect(feeAttr).toBe(fee.toString());
      fees += fee;
      ledger.set(t.hash, { from: t.from, to: t.to, amount: t.amount, fee });
    }

    // Blocks 1..H: links, commits, data and app hashes, and every account's proven state after
    // every block equal to the transfers replayed up to it.
    const lastTxHeight = Math.max(...[...results.values()].map((r) => Number(r.height)));
    const height = await waitForHeight(url, lastTxHeight + 1);
    const accounts = [...new Set(receivers)];
    const chain = await checkChain(url, height, { proveAccounts: accounts });
    expect(chain.problems).toEqual([]);
    const genesis = new Map(senderAddr.map((a) => [a, GENESIS_BALANCE]));
    const replayed = checkLedger(chain, genesis, ledger);
    expect(replayed.problems).toEqual([]);

    // Each tx is in exactly one block, where `tx` says; final balances and nonces are exact.
    const where = new Map<string, number>();
    for (const b of chain.blocks) {
      for (const h of b.txHashes) {
        expect(where.has(h), `${h} included twice`).toBe(false);
        where.set(h, b.height);
      }
    }
    expect(where.size).toBe(sent.length);
    for (const t of sent) {
      const r = results.get(t.hash)!;
      expect(where.get(t.hash)).toBe(Number(r.height));
      expect(chain.blocks[Number(r.height) - 1]!.txHashes[r.index]).toBe(t.hash);
      expect(r.tx).toBe(t.txBase64);
    }
    for (const address of accounts) {
      const acc = await queryAccount(url, address, height);
      expect(acc.balance, address).toBe(replayed.balances.get(address) ?? 0n);
      expect(acc.nonce, address).toBe(senderAddr.includes(address) ? PER_SENDER : 0);
    }
    // Fees went to the collector; what it holds plus what staking paid out of it is every fee.
    const collector = await queryAccount(url, toBech32(FEE_COLLECTOR), height);
    expect(collector.balance + (await feesPaidOut(url, height))).toBe(fees);

    // abci_info agrees with block_results at the height it reports.
    const info = await rpc<{ response: { last_block_height: string; last_block_app_hash: string } }>(
      url,
      "abci_info",
    );
    const atInfo = await rpc<{ app_hash: string }>(url, "block_results", {
      height: info.response.last_block_height,
    });
    expect(info.response.last_block_app_hash).toBe(atInfo.app_hash);
  });
});
