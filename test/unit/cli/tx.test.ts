/**
 * `dccn tx send|sign|broadcast` in-process against a real DccnApp behind JSON-RPC: automatic
 * nonce and gas, offline signing from a file (test and file keyrings), and broadcast modes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  decodeMsgSend,
  MSG_SEND_TYPE_URL,
  type SignedTxDoc,
  type UnsignedTxDoc,
} from "../../../src/client/index.js";
import { fromBase64 } from "../../../src/codec/bytes.js";
import { decodeTx } from "../../../src/types/tx.js";
import { type AppChain, startAppChain } from "../client/app-chain.js";
import { ANKR, CHAIN_ID, removeTempDirs, wallet } from "../dccn-app/helpers.js";
import { dccn } from "./run.js";

const alice = wallet(31);
const bob = wallet(32);
const ALICE_SEED = "1f".repeat(32);
const PASSWORD = "Cold-Storage#1";

let home: string;
let chain: AppChain;
let node: string[];
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "dccn-clitx-"));
  chain = await startAppChain([[alice, 1000n * ANKR]], { autoCommit: true });
  node = ["--home", home, "--node", chain.rpc.url];
});
afterEach(async () => {
  await chain.close();
  removeTempDirs();
  rmSync(home, { recursive: true, force: true });
});

const file = (name: string, text: string): string => {
  const path = join(home, name);
  writeFileSync(path, text);
  return path;
};

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, code: string): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^[^\n]+\n$/);
  expect(r.stderr).toContain(`[${code}]`);
}

describe("dccn tx send", () => {
  it("fills in chain id, nonce and gas from the node, and waits for the block", async () => {
    expect((await dccn(["keys", "import", "alice", ALICE_SEED, "--home", home])).code).toBe(0);
    for (const nonce of [0, 1]) {
      const r = await dccn([
        "tx",
        "send",
        "--from",
        "alice",
        "--to",
        bob.bech32,
        "--amount",
        "2ankr",
        ...node,
        "-o",
        "json",
      ]);
      expect(r.stderr).toBe("");
      const out = r.json<{ hash: string; code: number; height: number }>();
      expect(out).toEqual({ hash: expect.stringMatching(/^[0-9A-F]{64}$/), code: 0, height: chain.height() });
      const tx = decodeTx(chain.committed.get(out.hash)!.tx);
      expect(tx.body).toMatchObject({ chainId: CHAIN_ID, nonce });
    }
    const bal = await dccn(["query", "account", bob.bech32, ...node, "-o", "json"]);
    expect(bal.json()).toMatchObject({ balance: (4n * ANKR).toString(), nonce: 0 });
  });

  it("reports a CheckTx refusal in one line (more than the balance)", async () => {
    await dccn(["keys", "import", "alice", ALICE_SEED, "--home", home]);
    const r = await dccn([
      "tx",
      "send",
      "--from",
      "alice",
      "--to",
      bob.bech32,
      "--amount",
      "5000ankr",
      ...node,
    ]);
    expectOneLineError(r, "TX_REJECTED");
    expect(r.stderr).toMatch(/balance/);
  });

  it("returns at once with --no-wait (height null) in sync and async modes", async () => {
    await dccn(["keys", "import", "alice", ALICE_SEED, "--home", home]);
    const base = [
      "tx",
      "send",
      "--from",
      "alice",
      "--to",
      bob.bech32,
      "--amount",
      "1",
      ...node,
      "-o",
      "json",
    ];
    const sync = await dccn([...base, "--no-wait"]);
    expect(sync.json()).toEqual({ hash: expect.any(String), code: 0, height: null });
    // async: broadcast_tx_async is not served by this test chain, so the refusal proves the mode.
    const asyncRun = await dccn([...base, "--no-wait", "--broadcast-mode", "async"]);
    expect(asyncRun.stderr).toContain("broadcast_tx_async");
  });
});

describe("offline signing: generate-only → sign → broadcast", () => {
  it("generates an unsigned tx for an address (no key needed), with the node's fields filled in", async () => {
    const r = await dccn([
      "tx",
      "send",
      "--from",
      alice.bech32,
      "--to",
      bob.bech32,
      "--amount",
      "3",
      "--memo",
      "m",
      "--generate-only",
      ...node,
      "-o",
      "json",
    ]);
    expect(r.stderr).toBe("");
    const doc = r.json<UnsignedTxDoc>();
    expect(doc).toMatchObject({
      type: "dccn/unsigned-tx",
      chain_id: CHAIN_ID,
      from: alice.bech32,
      nonce: "0",
      gas_price: "0",
      memo: "m",
      msg: { type_url: MSG_SEND_TYPE_URL },
    });
    expect(Number(doc.gas_limit)).toBeGreaterThan(20_000);
    expect(decodeMsgSend(fromBase64(doc.msg.value))).toEqual({ to: bob.address, amount: 3n });

    const offline = await dccn([
      "tx",
      "send",
      "--from",
      alice.bech32,
      "--to",
      bob.bech32,
      "--amount",
      "3",
      "--generate-only",
      "--offline",
      "--node",
      "http://127.0.0.1:1",
      "--home",
      home,
      "-o",
      "json",
    ]);
    expect(offline.json<UnsignedTxDoc>()).toMatchObject({ chain_id: null, nonce: null, gas_limit: null });
  });

  it("signs offline with an encrypted key and broadcasts the signed file", async () => {
    const pw = file("pw.txt", `${PASSWORD}\n`);
    const keyring = ["--keyring-backend", "file", "--password-file", pw];
    expect((await dccn(["keys", "import", "alice", ALICE_SEED, ...keyring, "--home", home])).code).toBe(0);
    const unsigned = await dccn([
      "tx",
      "send",
      "--from",
      "alice",
      "--to",
      bob.bech32,
      "--amount",
      "1ankr",
      "--generate-only",
      "--offline",
      ...keyring,
      "--home",
      home,
    ]);
    const unsignedFile = file("unsigned.json", unsigned.stdout);

    // Offline, nothing may be guessed: the command names what is missing.
    const missing = await dccn([
      "tx",
      "sign",
      unsignedFile,
      "--from",
      "alice",
      "--offline",
      ...keyring,
      "--home",
      home,
    ]);
    expectOneLineError(missing, "TX_FIELD_MISSING");
    expect(missing.stderr).toContain("--chain-id, --nonce, --gas <limit>");

    const signedFile = join(home, "signed.json");
    const signed = await dccn([
      "tx",
      "sign",
      unsignedFile,
      "--from",
      "alice",
      "--offline",
      "--chain-id",
      CHAIN_ID,
      "--nonce",
      "0",
      "--gas",
      "200000",
      "--output-document",
      signedFile,
      ...keyring,
      "--home",
      home,
      "-o",
      "json",
    ]);
    expect(signed.stderr).toBe("");
    const doc = JSON.parse(readFileSync(signedFile, "utf8")) as SignedTxDoc;
    expect(signed.json()).toEqual({ hash: doc.hash, file: signedFile });
    expect(doc).toMatchObject({
      type: "dccn/signed-tx",
      from: alice.bech32,
      chain_id: CHAIN_ID,
      gas_limit: "200000",
    });

    const sent = await dccn(["tx", "broadcast", signedFile, ...node, "-o", "json"]);
    expect(sent.json()).toEqual({ hash: doc.hash, code: 0, height: chain.height() });
    const bal = await dccn(["query", "account", bob.bech32, ...node, "-o", "json"]);
    expect(bal.json()).toMatchObject({ balance: ANKR.toString() });
  });

  it("signs online, fetching the fields the file leaves open; flags override the file", async () => {
    await dccn(["keys", "import", "alice", ALICE_SEED, "--home", home]);
    const unsigned = await dccn([
      "tx",
      "send",
      "--from",
      "alice",
      "--to",
      bob.bech32,
      "--amount",
      "1",
      "--generate-only",
      "--offline",
      "--home",
      home,
    ]);
    const signed = await dccn(
      ["tx", "sign", "-", "--from", "alice", "--gas-price", "2", ...node, "-o", "json"],
      {},
      unsigned.stdout,
    );
    const doc = signed.json<SignedTxDoc>();
    expect(doc).toMatchObject({ chain_id: CHAIN_ID, nonce: "0", gas_price: "2" });
    const tx = decodeTx(fromBase64(doc.tx));
    expect(tx.body.gasLimit).toBe(Number(doc.gas_limit));
    // Bare base64 bytes are accepted too, from stdin.
    const sent = await dccn(["tx", "broadcast", "-", ...node, "-o", "json"], {}, `${doc.tx}\n`);
    expect(sent.json()).toMatchObject({ hash: doc.hash, code: 0 });
  });

  it("refuses a signer other than the one the tx names, unsigned or altered files, and unreadable input", async () => {
    await dccn(["keys", "import", "alice", ALICE_SEED, "--home", home]);
    await dccn(["keys", "import", "eve", "20".repeat(32), "--home", home]);
    const unsigned = await dccn([
      "tx",
      "send",
      "--from",
      "alice",
      "--to",
      bob.bech32,
      "--amount",
      "1",
      "--generate-only",
      ...node,
    ]);
    const unsignedFile = file("u.json", unsigned.stdout);
    expectOneLineError(
      await dccn(["tx", "sign", unsignedFile, "--from", "eve", ...node]),
      "TX_SIGNER_MISMATCH",
    );
    expectOneLineError(await dccn(["tx", "broadcast", unsignedFile, ...node]), "TX_DOC_INVALID");

    const signed = (
      await dccn(["tx", "sign", unsignedFile, "--from", "alice", ...node, "-o", "json"])
    ).json<SignedTxDoc>();
    const altered = file("altered.json", JSON.stringify({ ...signed, hash: "00".repeat(32) }));
    const r = await dccn(["tx", "broadcast", altered, ...node]);
    expectOneLineError(r, "TX_DOC_INVALID");
    expect(r.stderr).toContain("not the hash of its tx bytes");
    expectOneLineError(await dccn(["tx", "broadcast", file("junk", "not a tx"), ...node]), "TX_DOC_INVALID");
    expectOneLineError(
      await dccn(["tx", "sign", join(home, "missing.json"), "--from", "alice", ...node]),
      "INPUT_UNREADABLE",
    );
    expect(chain.committed.size).toBe(0);
  });
});
