import { afterEach, describe, expect, it } from "vitest";
import {
  DccnClient,
  DccnClientError,
  decodeMsgSend,
  RpcClient,
  RpcClientError,
} from "../../../src/client/index.js";
import { fromBase64, toBase64, toHex, utf8 } from "../../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { decodeTx } from "../../../src/types/tx.js";
import { execResult, type FakeRpc, RpcFailure, startFakeRpc } from "./fake-rpc.js";

let server: FakeRpc | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function rpcError(p: Promise<unknown>): Promise<RpcClientError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RpcClientError);
    return err as RpcClientError;
  }
  throw new Error("expected an RpcClientError");
}

const HASH = "AB".repeat(32);

describe("RpcClient", () => {
  it("sends CometBFT-encoded parameters and returns the result", async () => {
    server = await startFakeRpc({
      block: () => ({ ok: "block" }),
      tx: () => ({ ok: "tx" }),
      abci_query: () => ({ ok: "query" }),
      broadcast_tx_sync: () => ({ ok: "sync" }),
      validators: () => ({ ok: "vals" }),
      health: () => ({}),
    });
    const rpc = new RpcClient(server.url);
    expect(await rpc.block(12)).toEqual({ ok: "block" });
    await rpc.block();
    await rpc.tx(HASH.toLowerCase());
    await rpc.abciQuery({ path: "/store/key", data: utf8("k"), height: 3, prove: true });
    await rpc.broadcastTxSync(Uint8Array.of(1, 2, 3));
    await rpc.validators(5, 1, 100);
    expect(await rpc.health()).toEqual({});
    expect(server.requests).toEqual([
      { method: "block", params: { height: "12" } },
      { method: "block", params: {} },
      { method: "tx", params: { hash: toBase64(Buffer.from(HASH, "hex")), prove: false } },
      {
        method: "abci_query",
        params: { path: "/store/key", data: toHex(utf8("k")), height: "3", prove: true },
      },
      { method: "broadcast_tx_sync", params: { tx: "AQID" } },
      { method: "validators", params: { height: "5", page: "1", per_page: "100" } },
      { method: "health", params: {} },
    ]);
  });

  it("encodes search, hash and range parameters as CometBFT expects", async () => {
    const names = [
      "tx_search",
      "block_search",
      "block_by_hash",
      "header_by_hash",
      "blockchain",
      "check_tx",
      "broadcast_tx_async",
      "genesis_chunked",
    ];
    server = await startFakeRpc(Object.fromEntries(names.map((n) => [n, () => ({})])));
    const rpc = new RpcClient(server.url);
    await rpc.txSearch("transfer.sender='x'", { page: 2, perPage: 30, orderBy: "desc" });
    await rpc.blockSearch("block.height>1");
    await rpc.blockByHash(HASH);
    await rpc.headerByHash(`0x${HASH.toLowerCase()}`);
    await rpc.blockchain(3, 9);
    await rpc.checkTx(Uint8Array.of(7));
    await rpc.broadcastTxAsync(Uint8Array.of(8));
    await rpc.genesisChunked(0);
    const hashBytes = Buffer.from(HASH, "hex");
    expect(server.requests).toEqual([
      {
        method: "tx_search",
        params: { query: "transfer.sender='x'", prove: false, page: "2", per_page: "30", order_by: "desc" },
      },
      { method: "block_search", params: { query: "block.height>1" } },
      { method: "block_by_hash", params: { hash: toBase64(hashBytes) } },
      { method: "header_by_hash", params: { hash: toHex(hashBytes) } },
      { method: "blockchain", params: { minHeight: "3", maxHeight: "9" } },
      { method: "check_tx", params: { tx: "Bw==" } },
      { method: "broadcast_tx_async", params: { tx: "CA==" } },
      { method: "genesis_chunked", params: { chunk: "0" } },
    ]);
  });

  it("surfaces the JSON-RPC error's code, message and data", async () => {
    server = await startFakeRpc({
      tx: () => {
        throw new RpcFailure(-32603, "Internal error", `tx (${HASH}) not found`);
      },
    });
    const err = await rpcError(new RpcClient(server.url).tx(HASH));
    expect(err.code).toBe("RPC_ERROR");
    expect(err.rpcCode).toBe(-32603);
    expect(err.rpcMessage).toBe("Internal error");
    expect(err.rpcData).toBe(`tx (${HASH}) not found`);
    expect(err.message).toContain("not found");
  });

  it("reports an unreachable node and a bad URL", async () => {
    server = await startFakeRpc({});
    const url = server.url;
    await server.close();
    server = undefined;
    const err = await rpcError(new RpcClient(url).status());
    expect(err.code).toBe("RPC_UNREACHABLE");
    expect(err.message).toContain(url);
    expect(() => new RpcClient("ftp://x")).toThrow(expect.objectContaining({ code: "RPC_BAD_URL" }));
    expect(new RpcClient("tcp://127.0.0.1:26657").url).toBe("http://127.0.0.1:26657/");
  });

  it("rejects a reply that is not JSON-RPC", async () => {
    const fakeFetch: typeof fetch = async () => new Response("<html>proxy error</html>", { status: 502 });
    const err = await rpcError(new RpcClient("http://127.0.0.1:1", { fetch: fakeFetch }).status());
    expect(err.code).toBe("RPC_BAD_RESPONSE");
    expect(err.message).toContain("502");
  });

  it("rejects a malformed tx hash before calling", async () => {
    const calls: string[] = [];
    const recordingFetch: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response("{}");
    };
    await expect(new RpcClient("http://127.0.0.1:1", { fetch: recordingFetch }).tx("abc")).rejects.toThrow(
      expect.objectContaining({ code: "TX_HASH_INVALID" }),
    );
    expect(calls).toEqual([]);
  });
});

describe("DccnClient", () => {
  const key = PrivateKey.fromSeed(new Uint8Array(32).fill(9));
  const me = toBech32(addressFromPublicKey(key.publicKey));
  const to = toBech32(addressFromPublicKey(PrivateKey.fromSeed(new Uint8Array(32).fill(10)).publicKey));
  const accountValue = (balance: string, nonce: number | string) =>
    toBase64(utf8(JSON.stringify({ address: me, balance, nonce })));

  it("reads an account through abci_query /account/<address>", async () => {
    server = await startFakeRpc({
      abci_query: () => ({ response: { code: 0, log: "", value: accountValue("1500000000000000000", "3") } }),
    });
    const acc = await new DccnClient(server.url).getAccount(me);
    expect(acc).toEqual({ address: me, balance: 1_500_000_000_000_000_000n, nonce: 3 });
    expect(server.requests[0]).toEqual({
      method: "abci_query",
      params: { path: `/account/${me}`, prove: false },
    });
  });

  it("reads an unknown account as empty and a failed query as an error", async () => {
    let code = 0;
    server = await startFakeRpc({ abci_query: () => ({ response: { code, log: "bad path", value: null } }) });
    const client = new DccnClient(server.url);
    expect(await client.getAccount(me)).toEqual({ address: me, balance: 0n, nonce: 0 });
    code = 6;
    await expect(client.getAccount(me)).rejects.toThrow(expect.objectContaining({ code: "QUERY_FAILED" }));
  });

  it("sends with the account's nonce and the node's chain id, then waits for the block", async () => {
    let broadcast: Uint8Array | undefined;
    let polls = 0;
    server = await startFakeRpc({
      status: () => ({ node_info: { network: "dccn-fake" } }),
      abci_query: () => ({ response: { code: 0, log: "", value: accountValue("100", 7) } }),
      broadcast_tx_sync: (p) => {
        broadcast = fromBase64(p.tx as string);
        return {
          code: 0,
          data: null,
          log: "",
          codespace: "",
          hash: Buffer.from(sha256(broadcast)).toString("hex").toUpperCase(),
        };
      },
      tx: () => {
        polls++;
        if (polls < 3) throw new RpcFailure(-32603, "Internal error", "tx (X) not found");
        return { hash: "H", height: "42", index: 0, tx_result: execResult(0), tx: "" };
      },
    });
    const client = new DccnClient(server.url);
    const out = await client.send({
      key,
      to,
      amount: "2ankr",
      gasLimit: 100_000,
      wait: { pollIntervalMs: 1 },
    });
    expect(out).toMatchObject({ code: 0, height: 42, gasUsed: 42000 });
    expect(polls).toBe(3);
    const tx = decodeTx(broadcast!);
    expect(tx.body).toMatchObject({ chainId: "dccn-fake", nonce: 7 });
    expect(decodeMsgSend(tx.body.msg.value).amount).toBe(2n * 10n ** 18n);
    // The tx is polled by the hash the node returned.
    const txReq = server.requests.find((r) => r.method === "tx");
    expect(txReq?.params.hash).toBe(toBase64(sha256(broadcast!)));
  });

  it("raises TX_REJECTED when CheckTx refuses the tx", async () => {
    server = await startFakeRpc({
      broadcast_tx_sync: () => ({
        code: 5,
        data: null,
        log: "insufficient funds",
        codespace: "bank",
        hash: HASH,
      }),
    });
    const client = new DccnClient(server.url, { chainId: "c" });
    const err = await client
      .send({ key, to, amount: 1n, nonce: 0, gasLimit: 100_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DccnClientError);
    expect(err).toMatchObject({ code: "TX_REJECTED", meta: { code: 5, hash: HASH } });
    expect((err as Error).message).toContain("insufficient funds");
    // Given nonce, gas and chain id: no status, account or check_tx round trip.
    expect(server.requests.map((r) => r.method)).toEqual(["broadcast_tx_sync"]);
  });

  it("uses broadcast_tx_commit in commit mode", async () => {
    server = await startFakeRpc({
      broadcast_tx_commit: () => ({
        check_tx: execResult(0),
        tx_result: execResult(11, "out of gas"),
        hash: HASH,
        height: "9",
      }),
    });
    const out = await new DccnClient(server.url, { chainId: "c" }).send({
      key,
      to,
      amount: 1n,
      nonce: 2,
      gasLimit: 100_000,
      mode: "commit",
    });
    expect(out).toMatchObject({ hash: HASH, code: 11, height: 9, log: "out of gas" });
  });

  it("gives up waiting with TX_TIMEOUT", async () => {
    server = await startFakeRpc({
      tx: () => {
        throw new RpcFailure(-32603, "Internal error", "tx not found");
      },
    });
    const err = await new DccnClient(server.url)
      .waitForTx(HASH, { timeoutMs: 0, pollIntervalMs: 1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TX_TIMEOUT" });
  });

  it("does not mistake other RPC errors for 'not yet included'", async () => {
    server = await startFakeRpc({});
    const err = await new DccnClient(server.url)
      .waitForTx(HASH, { pollIntervalMs: 1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RPC_ERROR", rpcCode: -32601 });
  });
});
