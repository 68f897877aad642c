import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toBase64, toHexUpper } from "../../../src/codec/bytes.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import { PrivateKey } from "../../../src/crypto/ed25519.js";
import {
  dccnAppStateJson,
  type GenesisDoc,
  GenesisError,
  loadGenesisFile,
  parseGenesis,
  parseGenesisAccounts,
  serializeGenesis,
  writeGenesisFile,
} from "../../../src/genesis/index.js";
import { DEFAULT_CONSENSUS_PARAMS } from "../../../src/types/params.js";

const key = (n: number) => PrivateKey.fromSeed(new Uint8Array(32).fill(n));
const k1 = key(1);
const k2 = key(2);

function sampleDoc(): GenesisDoc {
  return {
    genesisTimeMs: Date.UTC(2024, 4, 1, 12, 30, 15, 250),
    chainId: "dccn-test-1",
    initialHeight: 1,
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
    validators: [
      { address: addressFromPublicKey(k1.publicKey), pubKey: k1.publicKey, power: 10, name: "node0" },
      { address: addressFromPublicKey(k2.publicKey), pubKey: k2.publicKey, power: 5, name: "node1" },
    ],
    appHash: new Uint8Array(0),
    appStateJson: dccnAppStateJson([{ address: addressFromPublicKey(k1.publicKey), balance: 10n ** 27n }]),
  };
}

/** A CometBFT-style file as `cometbft init` would write it (nanoseconds, extra params). */
function cometJson(): Record<string, unknown> {
  return {
    genesis_time: "2024-05-01T12:30:15.123456789Z",
    chain_id: "dccn-test-1",
    initial_height: "1",
    consensus_params: {
      block: { max_bytes: "22020096", max_gas: "100000000" },
      evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
      validator: { pub_key_types: ["ed25519"] },
      version: { app: "0" },
      abci: { vote_extensions_enable_height: "0" },
    },
    validators: [
      {
        address: toHexUpper(addressFromPublicKey(k1.publicKey)),
        pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(k1.publicKey) },
        power: "10",
        name: "node0",
      },
    ],
    app_hash: "",
    app_state: { accounts: [] },
  };
}

function genesisError(fn: () => unknown): GenesisError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GenesisError);
    return err as GenesisError;
  }
  throw new Error("expected a GenesisError");
}

describe("genesis round trip", () => {
  it("serializes to CometBFT's shape and parses back to the same document", () => {
    const doc = sampleDoc();
    const text = serializeGenesis(doc);
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(json.genesis_time).toBe("2024-05-01T12:30:15.250Z");
    expect(json.initial_height).toBe("1");
    expect(json.consensus_params).toEqual({
      block: { max_bytes: "4194304", max_gas: "1000000000" },
      evidence: { max_age_num_blocks: "100000", max_bytes: "1048576" },
      validator: { pub_key_types: ["ed25519"] },
    });
    expect((json.validators as unknown[])[0]).toEqual({
      address: toHexUpper(addressFromPublicKey(k1.publicKey)),
      pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(k1.publicKey) },
      power: "10",
      name: "node0",
    });
    expect(json.app_state).toEqual({
      accounts: [{ address: toBech32(addressFromPublicKey(k1.publicKey)), balance: (10n ** 27n).toString() }],
    });
    expect(parseGenesis(text)).toEqual(doc);
    expect(serializeGenesis(parseGenesis(text))).toBe(text);
  });

  it("reads a CometBFT-written file, truncating sub-millisecond time", () => {
    const doc = parseGenesis(JSON.stringify(cometJson(), null, 2));
    expect(doc.genesisTimeMs).toBe(Date.UTC(2024, 4, 1, 12, 30, 15, 123));
    expect(doc.consensusParams).toEqual({
      block: { maxBytes: 22020096, maxGas: 100000000 },
      evidence: { maxAgeBlocks: 100000, maxBytes: 1048576 },
    });
    expect(doc.validators[0]?.address).toEqual(addressFromPublicKey(k1.publicKey));
    expect(doc.appHash).toHaveLength(0);
  });

  it("keeps app_state as its exact source text (big numbers included)", () => {
    const text = JSON.stringify({ ...cometJson(), app_state: null }).replace(
      '"app_state":null',
      '"app_state":{"accounts":[],"x":123456789012345678901234567890, "y" : [1,{"z":"}"}]}',
    );
    const doc = parseGenesis(text);
    expect(doc.appStateJson).toBe('{"accounts":[],"x":123456789012345678901234567890, "y" : [1,{"z":"}"}]}');
    expect(parseGenesis(serializeGenesis(doc)).appStateJson).toBe(doc.appStateJson);
  });

  it("applies CometBFT's defaults: derived address, height 0 → 1, default params, empty app state", () => {
    const j = cometJson();
    const v = (j.validators as Record<string, unknown>[])[0]!;
    delete v.address;
    j.initial_height = "0";
    delete j.consensus_params;
    delete j.app_state;
    const doc = parseGenesis(JSON.stringify(j));
    expect(doc.validators[0]?.address).toEqual(addressFromPublicKey(k1.publicKey));
    expect(doc.initialHeight).toBe(1);
    expect(doc.consensusParams).toEqual(DEFAULT_CONSENSUS_PARAMS);
    expect(doc.appStateJson).toBe("{}");
  });

  it("accepts a time zone offset", () => {
    const j = { ...cometJson(), genesis_time: "2024-05-01T14:30:15+02:00" };
    expect(parseGenesis(JSON.stringify(j)).genesisTimeMs).toBe(Date.UTC(2024, 4, 1, 12, 30, 15));
  });

  it("writes and loads a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "dccn-genesis-"));
    try {
      const path = join(dir, "config", "genesis.json");
      writeGenesisFile(path, sampleDoc());
      expect(loadGenesisFile(path)).toEqual(sampleDoc());
      const missing = genesisError(() => loadGenesisFile(join(dir, "nope.json")));
      expect(missing.code).toBe("GENESIS_NOT_FOUND");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

type Mutation = (j: Record<string, unknown>) => void;
const cp = (j: Record<string, unknown>) => j.consensus_params as Record<string, Record<string, unknown>>;
const val0 = (j: Record<string, unknown>) => (j.validators as Record<string, unknown>[])[0]!;
const pub0 = (j: Record<string, unknown>) => val0(j).pub_key as Record<string, unknown>;

describe("genesis validation", () => {
  const cases: [string, Mutation, string][] = [
    [
      "an unknown top-level field",
      (j) => {
        j.app_hashes = "";
      },
      "app_hashes",
    ],
    [
      "a missing genesis_time",
      (j) => {
        delete j.genesis_time;
      },
      "genesis_time",
    ],
    [
      "a genesis_time without zone",
      (j) => {
        j.genesis_time = "2024-05-01T12:30:15";
      },
      "genesis_time",
    ],
    [
      "a date that does not exist",
      (j) => {
        j.genesis_time = "2024-02-30T00:00:00Z";
      },
      "genesis_time",
    ],
    [
      "an empty chain_id",
      (j) => {
        j.chain_id = "";
      },
      "chain_id",
    ],
    [
      "a blank chain_id",
      (j) => {
        j.chain_id = "   ";
      },
      "chain_id",
    ],
    [
      "a chain_id over 50 characters",
      (j) => {
        j.chain_id = "c".repeat(51);
      },
      "chain_id",
    ],
    [
      "a numeric chain_id",
      (j) => {
        j.chain_id = 7;
      },
      "chain_id",
    ],
    [
      "a negative initial_height",
      (j) => {
        j.initial_height = "-1";
      },
      "initial_height",
    ],
    [
      "a non-integer initial_height",
      (j) => {
        j.initial_height = "1.5";
      },
      "initial_height",
    ],
    [
      "block.max_bytes 0",
      (j) => {
        cp(j).block!.max_bytes = "0";
      },
      "consensus_params.block.max_bytes",
    ],
    [
      "block.max_bytes over 100 MiB",
      (j) => {
        cp(j).block!.max_bytes = "104857601";
      },
      "consensus_params.block.max_bytes",
    ],
    [
      "block.max_gas -1",
      (j) => {
        cp(j).block!.max_gas = "-1";
      },
      "consensus_params.block.max_gas",
    ],
    [
      "an unknown block field",
      (j) => {
        cp(j).block!.time_iota_ms = "1";
      },
      "consensus_params.block.time_iota_ms",
    ],
    [
      "a missing evidence section",
      (j) => {
        delete cp(j).evidence;
      },
      "consensus_params.evidence",
    ],
    [
      "evidence.max_age_num_blocks 0",
      (j) => {
        cp(j).evidence!.max_age_num_blocks = "0";
      },
      "consensus_params.evidence.max_age_num_blocks",
    ],
    [
      "evidence.max_bytes above block.max_bytes",
      (j) => {
        cp(j).evidence!.max_bytes = "22020097";
      },
      "consensus_params.evidence.max_bytes",
    ],
    [
      "a non-ed25519 key type",
      (j) => {
        cp(j).validator!.pub_key_types = ["secp256k1"];
      },
      "consensus_params.validator.pub_key_types",
    ],
    [
      "vote extensions enabled",
      (j) => {
        cp(j).abci!.vote_extensions_enable_height = "5";
      },
      "consensus_params.abci.vote_extensions_enable_height",
    ],
    [
      "validators not an array",
      (j) => {
        j.validators = {};
      },
      "validators",
    ],
    [
      "a wrong key type",
      (j) => {
        pub0(j).type = "tendermint/PubKeySecp256k1";
      },
      "validators[0].pub_key.type",
    ],
    [
      "a short public key",
      (j) => {
        pub0(j).value = toBase64(new Uint8Array(31));
      },
      "validators[0].pub_key.value",
    ],
    [
      "a public key that is not base64",
      (j) => {
        pub0(j).value = "!!";
      },
      "validators[0].pub_key.value",
    ],
    [
      "an address of another key",
      (j) => {
        val0(j).address = toHexUpper(addressFromPublicKey(k2.publicKey));
      },
      "validators[0].address",
    ],
    [
      "an address that is not hex",
      (j) => {
        val0(j).address = "ankr1xyz";
      },
      "validators[0].address",
    ],
    [
      "power 0",
      (j) => {
        val0(j).power = "0";
      },
      "validators[0].power",
    ],
    [
      "a fractional power",
      (j) => {
        val0(j).power = "1.5";
      },
      "validators[0].power",
    ],
    [
      "power over the cap",
      (j) => {
        val0(j).power = String(2 ** 50 + 1);
      },
      "validators[0].power",
    ],
    [
      "a numeric name",
      (j) => {
        val0(j).name = 3;
      },
      "validators[0].name",
    ],
    [
      "an unknown validator field",
      (j) => {
        val0(j).proposer_priority = "0";
      },
      "validators[0].proposer_priority",
    ],
    [
      "the same validator twice",
      (j) => {
        j.validators = [val0(j), val0(j)];
      },
      "validators[1]",
    ],
    [
      "an app_hash that is not hex",
      (j) => {
        j.app_hash = "xyz";
      },
      "app_hash",
    ],
  ];

  it.each(cases)("rejects %s, naming the field", (_name, mutate, field) => {
    const j = cometJson();
    mutate(j);
    const err = genesisError(() => parseGenesis(JSON.stringify(j)));
    expect(err.code).toBe("GENESIS_INVALID");
    expect(err.meta.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it("rejects text that is not a JSON object", () => {
    expect(genesisError(() => parseGenesis("{")).code).toBe("GENESIS_INVALID");
    expect(genesisError(() => parseGenesis("[]")).code).toBe("GENESIS_INVALID");
  });

  it("rejects duplicate keys anywhere, naming their path", () => {
    const text = JSON.stringify(cometJson()).replace('"app_state":{', '"app_state":{"accounts":[],');
    expect(genesisError(() => parseGenesis(text)).meta.field).toBe("app_state.accounts");
    const top = JSON.stringify(cometJson()).replace('"chain_id":', '"chain_id":"other","chain_id":');
    expect(genesisError(() => parseGenesis(top)).meta.field).toBe("chain_id");
  });

  it("refuses to serialize a document that would not parse back", () => {
    expect(genesisError(() => serializeGenesis({ ...sampleDoc(), chainId: "" })).meta.field).toBe("chain_id");
    const zeroPower = { ...sampleDoc(), validators: [{ ...sampleDoc().validators[0]!, power: 0 }] };
    expect(genesisError(() => serializeGenesis(zeroPower)).meta.field).toBe("validators[0].power");
    expect(genesisError(() => serializeGenesis({ ...sampleDoc(), appStateJson: "{" })).meta.field).toBe(
      "app_state",
    );
    expect(
      genesisError(() => serializeGenesis({ ...sampleDoc(), genesisTimeMs: Number.NaN })).meta.field,
    ).toBe("genesis_time");
  });
});

describe("DCCN app state", () => {
  const a1 = addressFromPublicKey(k1.publicKey);
  const a2 = addressFromPublicKey(k2.publicKey);

  it("round-trips accounts", () => {
    const accounts = [
      { address: a1, balance: 10n ** 27n },
      { address: a2, balance: 0n },
    ];
    expect(parseGenesisAccounts(dccnAppStateJson(accounts))).toEqual(accounts);
    expect(parseGenesisAccounts("{}")).toEqual([]);
  });

  const bad: [string, unknown, string][] = [
    ["accounts not an array", { accounts: {} }, "app_state.accounts"],
    [
      "a bad address",
      { accounts: [{ address: "cosmos1abc", balance: "1" }] },
      "app_state.accounts[0].address",
    ],
    [
      "a leading zero",
      { accounts: [{ address: toBech32(a1), balance: "01" }] },
      "app_state.accounts[0].balance",
    ],
    [
      "a numeric balance",
      { accounts: [{ address: toBech32(a1), balance: 5 }] },
      "app_state.accounts[0].balance",
    ],
    [
      "an extra field",
      { accounts: [{ address: toBech32(a1), balance: "1", nonce: 0 }] },
      "app_state.accounts[0].nonce",
    ],
    [
      "a repeated account",
      {
        accounts: [
          { address: toBech32(a1), balance: "1" },
          { address: toBech32(a1), balance: "2" },
        ],
      },
      "app_state.accounts[1].address",
    ],
  ];
  it.each(bad)("rejects %s", (_name, state, field) => {
    expect(genesisError(() => parseGenesisAccounts(JSON.stringify(state))).meta.field).toBe(field);
  });
});
