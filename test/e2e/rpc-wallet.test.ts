/**
 * The CLI wallet against a real node, each command its own process: an encrypted (file
 * keyring) key, automatic nonce and gas, the offline flow generate-only → sign → broadcast,
 * tx_search by sender, and clear errors for a wrong or weak password and a replayed tx.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTestHome, NodeProcess, runCli, type TestHome, waitForHeight } from "./harness.js";

const CHAIN_ID = "e2e-rpc-wallet";
const PASSWORD = "Wallet-E2e#pass";
const BOB = "ankr1qyqszqgpqyqszqgpqyqszqgpqyqszqgpz7j790";

let th: TestHome;
let node: NodeProcess;
let base: string[];
const fileKeyring = ["--keyring-backend", "file"];
const withPassword = { DCCN_KEYRING_PASSWORD: PASSWORD };

/** Runs a command that must succeed; `--node` is added for commands that talk to the node. */
function ok(args: string[], env: Record<string, string> = {}): unknown {
  const r = runCli([...args, ...(args[0] === "keys" ? base.slice(0, 2) : base), "--output", "json"], env);
  if (r.code !== 0) throw new Error(`dccn ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

beforeAll(async () => {
  th = await initTestHome("rpc-wallet", { chainId: CHAIN_ID });
  node = new NodeProcess(th.home, th.rpcPort);
  await node.start();
  await waitForHeight(node.rpcUrl, 1);
  base = ["--home", th.home, "--node", node.rpcUrl];
});

afterAll(async () => {
  await node?.stop();
  if (th) rmSync(th.home, { recursive: true, force: true });
});

describe("CLI wallet with an encrypted key", () => {
  it("funds an encrypted key, signs offline from a file, broadcasts, and finds the tx by sender", async () => {
    const weak = runCli(["keys", "add", "alice", ...fileKeyring, "--home", th.home], {
      DCCN_KEYRING_PASSWORD: "weakpass",
    });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain("[KEY_PASSWORD_WEAK]");

    const alice = ok(["keys", "add", "alice", ...fileKeyring], withPassword) as { address: string };
    // Nonce and gas come from the node.
    const funded = ok(["tx", "send", "--from", "validator", "--to", alice.address, "--amount", "100ankr"]);
    expect(funded).toMatchObject({ code: 0 });

    const unsigned = ok([
      "tx",
      "send",
      "--from",
      alice.address,
      "--to",
      BOB,
      "--amount",
      "1ankr",
      "--generate-only",
    ]) as {
      chain_id: string;
      nonce: string;
      gas_limit: string;
    };
    expect(unsigned).toMatchObject({ chain_id: CHAIN_ID, nonce: "0" });
    const unsignedFile = join(th.home, "unsigned.json");
    writeFileSync(unsignedFile, JSON.stringify(unsigned));

    const wrong = runCli(
      ["tx", "sign", unsignedFile, "--from", "alice", "--offline", ...fileKeyring, ...base],
      {
        DCCN_KEYRING_PASSWORD: "Wrong-Pass#1",
      },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: wrong password for key "alice" \[KEY_PASSWORD_WRONG\]\n$/);

    const signed = ok(
      ["tx", "sign", unsignedFile, "--from", "alice", "--offline", ...fileKeyring],
      withPassword,
    ) as {
      hash: string;
    };
    const signedFile = join(th.home, "signed.json");
    writeFileSync(signedFile, JSON.stringify(signed));
    const sent = ok(["tx", "broadcast", signedFile]) as { hash: string; code: number; height: number };
    expect(sent).toMatchObject({ hash: signed.hash, code: 0 });

    const found = ok(["query", "txs", `transfer.sender='${alice.address}'`]) as {
      total_count: string;
      txs: { hash: string; height: string }[];
    };
    expect(found.total_count).toBe("1");
    expect(found.txs[0]).toMatchObject({ hash: signed.hash, height: String(sent.height) });
    expect(ok(["query", "account", BOB])).toMatchObject({ balance: (10n ** 18n).toString() });

    // The same signed tx again: refused (its nonce is used), in one line.
    const replay = runCli(["tx", "broadcast", signedFile, ...base]);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(/^error: .*(nonce 0 was already used|already).*\n$/);
    await waitForHeight(node.rpcUrl, sent.height + 1);
  });
});
