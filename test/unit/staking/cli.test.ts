/**
 * `dccn tx stake|unstake|candidate …|unjail` and `dccn query validators|candidates|stake|…`
 * through the real command tree, the real client and a real DccnApp: the CLI's fetch is routed
 * to an in-process JSON-RPC shim (status, check_tx, broadcast_tx_commit, abci_query) over the app.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExecTxResult } from "../../../src/abci/types.js";
import { fromHex, toBase64, toHex, toHexUpper } from "../../../src/codec/bytes.js";
import { ResultCode } from "../../../src/dccn-app/index.js";
import type {
  CandidateJson,
  ServiceLevelJson,
  StakeJson,
  ValidatorJson,
} from "../../../src/dccn-app/staking/index.js";
import { saveValidatorKey } from "../../../src/privval/key-file.js";
import { txHash } from "../../../src/types/tx.js";
import { dccn } from "../cli/run.js";
import { ANKR, CHAIN_ID, Chain, consKey, removeTempDirs, wallet } from "./helpers.js";

const alice = wallet(1);
const k = consKey(1);
const NODE = "http://node.test:26657";

const execJson = (r: ExecTxResult) => ({
  code: r.code,
  data: r.data.length === 0 ? null : toBase64(r.data),
  log: r.log,
  info: r.info,
  gas_wanted: String(r.gasWanted),
  gas_used: String(r.gasUsed),
  events: [],
  codespace: r.codespace,
});

/** A JSON-RPC endpoint over the app: each broadcast_tx_commit makes one block. */
function shim(chain: Chain): typeof fetch {
  const handle = async (method: string, p: Record<string, unknown>): Promise<unknown> => {
    if (method === "status") return { node_info: { network: CHAIN_ID } };
    if (method === "check_tx")
      return execJson(await chain.app.checkTx(Buffer.from(String(p.tx), "base64"), "new"));
    if (method === "broadcast_tx_commit") {
      const tx = new Uint8Array(Buffer.from(String(p.tx), "base64"));
      const check = await chain.app.checkTx(tx, "new");
      const hash = toHexUpper(txHash(tx));
      if (check.code !== 0)
        return { check_tx: execJson(check), tx_result: execJson(check), hash, height: "0" };
      const b = await chain.block([tx]);
      return {
        check_tx: execJson(check),
        tx_result: execJson(b.results[0]!),
        hash,
        height: String(chain.height),
      };
    }
    if (method === "abci_query") {
      const r = await chain.app.query({
        path: String(p.path),
        data: p.data === undefined ? new Uint8Array(0) : fromHex(String(p.data)),
        height: Number(p.height ?? 0),
        prove: p.prove === true,
      });
      return {
        response: {
          code: r.code,
          log: r.log,
          info: r.info,
          index: "0",
          key: toBase64(r.key),
          value: toBase64(r.value),
          proofOps: null,
          height: String(r.height),
          codespace: r.codespace,
        },
      };
    }
    throw new Error(`the shim does not serve ${method}`);
  };
  return (async (_url: string | URL | Request, init?: RequestInit) => {
    const req = JSON.parse(String(init?.body)) as {
      id: number;
      method: string;
      params: Record<string, unknown>;
    };
    const result = await handle(req.method, req.params);
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: req.id, result }), {
      headers: { "content-type": "application/json" },
    });
  }) as typeof fetch;
}

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "dccn-staking-cli-"));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  removeTempDirs();
});

describe("dccn staking commands", () => {
  it("stakes, registers a candidate and reads it all back as JSON", async () => {
    const chain = await Chain.start({
      accounts: [[alice, 100n * ANKR]],
      staking: { params: { epoch_blocks: 1000, block_reward: "0" } },
    });
    const fetch = shim(chain);
    const run = (...args: string[]) =>
      dccn([...args, "--home", home, "--node", NODE, "-o", "json"], { fetch });
    expect(
      (await dccn(["keys", "import", "alice", toHex(new Uint8Array(32).fill(1)), "--home", home])).code,
    ).toBe(0);
    await saveValidatorKey(join(home, "config", "priv_validator_key.json"), k.key);

    const staked = await run("tx", "stake", "10ankr", "--from", "alice", "--broadcast-mode", "commit");
    expect(staked.code, staked.stderr).toBe(0);
    expect(staked.json()).toMatchObject({ code: 0, height: 1 });

    const reg = await run(
      "tx",
      "candidate",
      "register",
      "--from",
      "alice",
      "--moniker",
      "alice-node",
      "--broadcast-mode",
      "commit",
    );
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.json<{ code: number }>().code).toBe(0);

    const cands = (await run("query", "candidates")).json<CandidateJson[]>();
    expect(cands).toHaveLength(1);
    expect(cands[0]).toMatchObject({
      operator: alice.bech32,
      moniker: "alice-node",
      consensus_address: toHexUpper(k.address),
      bonded: (10n * ANKR).toString(),
      eligible: true,
    });
    expect((await run("query", "candidate", alice.bech32)).json()).toEqual(cands[0]);
    expect((await run("query", "stake", alice.bech32)).json<StakeJson>()).toMatchObject({
      bonded: (10n * ANKR).toString(),
      unbonding: "0",
    });
    expect((await run("query", "service-level", alice.bech32)).json<ServiceLevelJson>()).toMatchObject({
      service_level_ppm: 500_000,
      source: "genesis",
    });
    expect((await run("query", "validators")).json<ValidatorJson[]>()).toEqual([]);
    expect((await run("query", "election")).json()).toBeNull();
    expect((await run("query", "staking-params")).json<Record<string, unknown>>()).toMatchObject({
      epoch_blocks: 1000,
      block_reward: "0",
    });

    const upd = await run(
      "tx",
      "candidate",
      "update",
      "--from",
      "alice",
      "--moniker",
      "renamed",
      "--broadcast-mode",
      "commit",
    );
    expect(upd.code, upd.stderr).toBe(0);
    expect((await run("query", "candidate", alice.bech32)).json<CandidateJson>().moniker).toBe("renamed");

    const text = await dccn(["query", "stake", alice.bech32, "--home", home, "--node", NODE], { fetch });
    expect(text.stdout).toContain("bonded:     10 ANKR");
  });

  it("reports failed staking txs with their code and a failing exit status", async () => {
    const chain = await Chain.start({
      accounts: [[alice, 100n * ANKR]],
      staking: {
        params: { epoch_blocks: 1000 },
        stakes: [{ address: alice.bech32, amount: (5n * ANKR).toString() }],
      },
    });
    const fetch = shim(chain);
    const run = (...args: string[]) =>
      dccn([...args, "--home", home, "--node", NODE, "-o", "json"], { fetch });
    await dccn(["keys", "import", "alice", toHex(new Uint8Array(32).fill(1)), "--home", home]);

    const over = await run("tx", "unstake", "6ankr", "--from", "alice", "--broadcast-mode", "commit");
    expect(over.code).toBe(1);
    expect(over.json()).toMatchObject({ code: ResultCode.INSUFFICIENT_FUNDS });
    expect(over.json<{ log: string }>().log).toMatch(/has 5000000000000000000 bonded/);

    const unjail = await run("tx", "unjail", "--from", "alice", "--broadcast-mode", "commit");
    expect(unjail.code).toBe(1);
    expect(unjail.json<{ log: string }>().log).toMatch(/is not a candidate/);

    // Usage errors: one line on stderr, nothing sent.
    const zero = await run("tx", "stake", "0", "--from", "alice");
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/greater than zero/);
    const both = await run(
      "tx",
      "candidate",
      "update",
      "--from",
      "alice",
      "--provider",
      alice.bech32,
      "--clear-provider",
    );
    expect(both.code).toBe(2);
    // Without a consensus key file, registration says where it looked.
    const noKey = await run("tx", "candidate", "register", "--from", "alice", "--moniker", "x");
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/priv_validator_key\.json does not exist/);
    // Only the two failed txs reached blocks.
    expect(chain.height).toBe(2);
  });
});
