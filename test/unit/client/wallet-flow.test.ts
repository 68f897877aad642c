/** The typed client against a real DccnApp: automatic gas, gas price and nonce, any message, queries. */
import { afterEach, describe, expect, it } from "vitest";
import { DccnClient, DccnClientError, NEEDS_GAS_RE, sendMsg } from "../../../src/client/index.js";
import { DEFAULT_PARAMS } from "../../../src/dccn-app/params.js";
import { decodeTx, signTx } from "../../../src/types/tx.js";
import { ANKR, CHAIN_ID, removeTempDirs, wallet } from "../dccn-app/helpers.js";
import { type AppChain, startAppChain } from "./app-chain.js";

const alice = wallet(21);
const bob = wallet(22);

let chain: AppChain | undefined;
afterEach(async () => {
  await chain?.close();
  chain = undefined;
  removeTempDirs();
});

async function clientError(p: Promise<unknown>): Promise<DccnClientError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DccnClientError);
    return err as DccnClientError;
  }
  throw new Error("expected a DccnClientError");
}

describe("automatic gas", () => {
  it("asks the node for exactly the gas the tx needs under the chain's schedule", async () => {
    chain = await startAppChain([[alice, 1000n * ANKR]], {
      params: { tx_base_gas: 1234, tx_byte_gas: 7 },
    });
    const client = new DccnClient(chain.rpc.url);
    const msg = sendMsg(bob.bech32, 5n * ANKR);
    const prepared = await client.prepareTx(alice.key, { msg, memo: "a memo to make the tx longer" });
    const limit = prepared.body.gasLimit;
    // intrinsic (base + bytes × byte gas) + the transfer's own gas
    expect(limit).toBe(1234 + 7 * prepared.bytes.length + 20_000);

    // One gas less is refused by the node; the estimate is admitted.
    const short = signTx(alice.key, { ...prepared.body, gasLimit: limit - 1 });
    const refused = await chain.app.dryRunCheckTx(short);
    expect(refused.code).not.toBe(0);
    expect(refused.log).toMatch(NEEDS_GAS_RE);
    expect((await chain.app.dryRunCheckTx(prepared.bytes)).code).toBe(0);

    // The probes left the check state alone: the real tx still gets nonce 0 and commits.
    const out = await client.broadcast(prepared.bytes, "sync", { pollIntervalMs: 1 });
    expect(out).toMatchObject({ code: 0, gasUsed: limit, gasWanted: limit });
    expect((await client.getAccount(bob.address)).balance).toBe(5n * ANKR);
  });

  it("applies a gas adjustment on top of the node's answer", async () => {
    chain = await startAppChain([[alice, 1000n * ANKR]]);
    const client = new DccnClient(chain.rpc.url);
    const msg = sendMsg(bob.bech32, 1n);
    const exact = await client.prepareTx(alice.key, { msg, memo: "" });
    const padded = await client.prepareTx(alice.key, { msg, memo: "", gasAdjustment: 1.5 });
    expect(padded.body.gasLimit).toBeGreaterThanOrEqual(Math.ceil(exact.body.gasLimit * 1.5) - 1);
    expect(padded.body.gasLimit).toBeLessThanOrEqual(Math.ceil(exact.body.gasLimit * 1.5) + 32);
  });

  it("pays the node's minimum gas price when none is given, and reports a price below it", async () => {
    chain = await startAppChain([[alice, 1000n * ANKR]], { minGasPrice: 3n });
    const client = new DccnClient(chain.rpc.url);
    const out = await client.send({
      key: alice.key,
      to: bob.bech32,
      amount: 10n,
      wait: { pollIntervalMs: 1 },
    });
    expect(out.code).toBe(0);
    const sent = decodeTx(chain.committed.get(out.hash)!.tx);
    expect(sent.body.gasPrice).toBe(3n);
    const fee = 3n * BigInt(out.gasUsed);
    expect((await client.getAccount(alice.address)).balance).toBe(1000n * ANKR - 10n - fee);

    const low = await clientError(client.send({ key: alice.key, to: bob.bech32, amount: 1n, gasPrice: 1n }));
    expect(low.code).toBe("TX_REJECTED");
    expect(low.message).toContain("minimum of 3");
  });

  it("surfaces a tx the node would refuse anyway while estimating (wrong chain id)", async () => {
    chain = await startAppChain([[alice, 1000n * ANKR]]);
    const client = new DccnClient(chain.rpc.url, { chainId: "another-chain" });
    const err = await clientError(client.send({ key: alice.key, to: bob.bech32, amount: 1n }));
    expect(err.code).toBe("TX_REJECTED");
    expect(err.message).toContain("another-chain");
    expect(chain.committed.size).toBe(0);
  });
});

describe("nonces", () => {
  it("counts its own txs still in the mempool, and asks the chain again after a nonce refusal", async () => {
    chain = await startAppChain([[alice, 1000n * ANKR]], { autoCommit: false });
    const client = new DccnClient(chain.rpc.url);
    const first = await client.prepareTx(alice.key, { msg: sendMsg(bob.bech32, 1n), memo: "" });
    await client.broadcastOnly(first.bytes);
    const second = await client.prepareTx(alice.key, { msg: sendMsg(bob.bech32, 2n), memo: "" });
    expect([first.body.nonce, second.body.nonce]).toEqual([0, 1]);
    await client.broadcastOnly(second.bytes);
    await chain.commitPending();
    expect((await client.getAccount(alice.address)).nonce).toBe(2);
    expect((await client.getAccount(bob.address)).balance).toBe(3n);

    // Another wallet spends nonce 2 behind this client's back: the client's guess is stale.
    const other = new DccnClient(chain.rpc.url);
    await other.broadcastOnly(
      (await other.prepareTx(alice.key, { msg: sendMsg(bob.bech32, 1n), memo: "" })).bytes,
    );
    await chain.commitPending();
    const stale = await client.prepareTx(alice.key, { msg: sendMsg(bob.bech32, 1n), memo: "", nonce: 1 });
    const refused = await clientError(client.broadcastOnly(stale.bytes));
    expect(refused.message).toMatch(/nonce 1 was already used/);
    const fresh = await client.prepareTx(alice.key, { msg: sendMsg(bob.bech32, 1n), memo: "" });
    expect(fresh.body.nonce).toBe(3);
  });
});

describe("any message, any query path", () => {
  it("signs and broadcasts a message given as {typeUrl, value}, and waits for its block", async () => {
    chain = await startAppChain([[alice, 1000n * ANKR]]);
    const client = new DccnClient(chain.rpc.url);
    const out = await client.signAndBroadcast(alice.key, sendMsg(bob.bech32, 7n), {
      memo: "generic",
      wait: { pollIntervalMs: 1 },
    });
    expect(out).toMatchObject({ code: 0, height: chain.height() });
    expect(decodeTx(chain.committed.get(out.hash)!.tx).body).toMatchObject({
      chainId: CHAIN_ID,
      memo: "generic",
    });
  });

  it("reads JSON query paths, returns failed queries' codes, and throws QUERY_FAILED from queryJson", async () => {
    chain = await startAppChain([[alice, 1000n * ANKR]]);
    const client = new DccnClient(chain.rpc.url);
    expect(await client.getParams()).toEqual({
      maxTxBytes: DEFAULT_PARAMS.maxTxBytes,
      txBaseGas: DEFAULT_PARAMS.txBaseGas,
      txByteGas: DEFAULT_PARAMS.txByteGas,
      msgGas: {},
    });
    const raw = await client.query("/account", { data: alice.address });
    expect(raw.code).toBe(0);
    expect(JSON.parse(Buffer.from(raw.value).toString("utf8"))).toMatchObject({
      balance: (1000n * ANKR).toString(),
    });
    const unknown = await client.query("/no/such/path");
    expect(unknown.code).not.toBe(0);
    expect((await clientError(client.queryJson("/no/such/path"))).code).toBe("QUERY_FAILED");
  });
});
