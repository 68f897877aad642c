import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FUND_AMOUNT } from "../../../src/cli/index.js";
import { toBase64, toHexUpper } from "../../../src/codec/bytes.js";
import { loadConfig, loadNodeKey } from "../../../src/config/index.js";
import { addressFromPublicKey, parseAddress } from "../../../src/crypto/address.js";
import { loadGenesisFile, parseGenesisAccounts } from "../../../src/genesis/index.js";
import { openKeyring } from "../../../src/keyring/index.js";
import { loadValidatorKey } from "../../../src/privval/index.js";
import { dccn, GENESIS_NOW } from "./run.js";

let root: string;
let home: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "dccn-cli-init-"));
  home = join(root, "home");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

interface InitJson {
  home: string;
  chain_id: string;
  moniker: string;
  node_id: string;
  validator: { address: string; pub_key: string };
  key: { name: string; address: string; pubkey: string } | null;
  genesis_file: string;
}

const init = (...extra: string[]) =>
  dccn(["init", "--home", home, "--chain-id", "dccn-t1", "--moniker", "node0", "--output", "json", ...extra]);

describe("dccn init", () => {
  it("creates config, keys and a genesis with this node as the single validator", async () => {
    const r = await init();
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.json<InitJson>();
    expect(Object.keys(out).sort()).toEqual(
      ["chain_id", "genesis_file", "home", "key", "moniker", "node_id", "validator"].sort(),
    );
    expect(out).toMatchObject({ home, chain_id: "dccn-t1", moniker: "node0" });

    expect(loadConfig(home).moniker).toBe("node0");
    expect(loadNodeKey(join(home, "config", "node_key.json")).nodeId).toBe(out.node_id);
    const valKey = await loadValidatorKey(join(home, "config", "priv_validator_key.json"));
    const genesis = loadGenesisFile(join(home, "config", "genesis.json"));
    expect(genesis.chainId).toBe("dccn-t1");
    expect(genesis.genesisTimeMs).toBe(GENESIS_NOW);
    expect(genesis.initialHeight).toBe(1);
    expect(genesis.validators).toEqual([
      { address: addressFromPublicKey(valKey.publicKey), pubKey: valKey.publicKey, power: 10, name: "node0" },
    ]);
    expect(out.validator).toEqual({
      address: toHexUpper(addressFromPublicKey(valKey.publicKey)),
      pub_key: toBase64(valKey.publicKey),
    });

    const key = await openKeyring(home).show("validator");
    expect(out.key).toEqual(key);
    expect(parseGenesisAccounts(genesis.appStateJson)).toEqual([
      { address: parseAddress(key.address), balance: DEFAULT_FUND_AMOUNT },
    ]);
    expect(DEFAULT_FUND_AMOUNT).toBe(10n ** 27n);
    expect(existsSync(join(home, "data"))).toBe(true);
    expect(readdirSync(home).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("refuses to overwrite an existing home without --force", async () => {
    expect((await init()).code).toBe(0);
    const before = readFileSync(join(home, "config", "genesis.json"), "utf8");
    const r = await init();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: .*already initialized.*--force.*\[INIT_HOME_EXISTS\]\n$/);
    expect(readFileSync(join(home, "config", "genesis.json"), "utf8")).toBe(before);
    expect(readdirSync(home).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("replaces the home with --force, discarding chain data but keeping the funded key", async () => {
    const first = (await init()).json<InitJson>();
    mkdirSync(join(home, "data", "blockstore.db"), { recursive: true });
    writeFileSync(join(home, "data", "priv_validator_state.json"), "{}");
    const r = await init("--force");
    expect(r.code).toBe(0);
    const second = r.json<InitJson>();
    expect(second.validator.address).not.toBe(first.validator.address);
    expect(second.key).toEqual(first.key);
    expect(readdirSync(join(home, "data"))).toEqual([]);
    const genesis = loadGenesisFile(join(home, "config", "genesis.json"));
    expect(toHexUpper(genesis.validators[0]!.address)).toBe(second.validator.address);
  });

  it("creates no funded key with --no-fund", async () => {
    const r = await init("--no-fund");
    expect(r.code).toBe(0);
    expect(r.json<InitJson>().key).toBeNull();
    expect(await openKeyring(home).list()).toEqual([]);
    const genesis = loadGenesisFile(join(home, "config", "genesis.json"));
    expect(parseGenesisAccounts(genesis.appStateJson)).toEqual([]);
  });

  it.each<[string, string[], string]>([
    ["a chain id over 50 characters", ["--chain-id", "x".repeat(51)], "GENESIS_INVALID"],
    ["an empty chain id", ["--chain-id", " "], "GENESIS_INVALID"],
    ["a moniker over 64 characters", ["--chain-id", "c", "--moniker", "m".repeat(65)], "CONFIG_INVALID"],
  ])("rejects %s without writing anything", async (_name, args, code) => {
    const r = await dccn(["init", "--home", home, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[${code}]`);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(join(home, "config"))).toBe(false);
  });

  it("prints a readable summary in text mode", async () => {
    const r = await dccn(["init", "--home", home, "--chain-id", "dccn-t1", "--moniker", "node0"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("chain id:  dccn-t1");
    expect(r.stdout).toContain(`dccn start --home ${home}`);
  });
});
