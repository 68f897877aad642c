/** The last-sign guard on a real state file, across restarts, and the validator key file. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toHexUpper, utf8 } from "../../../src/codec/bytes.js";
import { makeTestBlock, testKeys, testValidatorSet } from "../../../src/consensus/testkit/fixtures.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { PrivateKey, verifySignature } from "../../../src/crypto/ed25519.js";
import { isDccnError } from "../../../src/errors.js";
import {
  generateValidatorKeyFile,
  INITIAL_SIGN_STATE,
  loadValidatorKey,
  PrivvalError,
  Signer,
  saveValidatorKey,
} from "../../../src/privval/index.js";
import { blockHash } from "../../../src/types/block.js";
import { proposalSignBytes, VoteType, voteSignBytes } from "../../../src/types/vote.js";

const CHAIN = "privval-test";
const [key] = testKeys(1, "privval");
const hashA = new Uint8Array(32).fill(0xa);
const hashB = new Uint8Array(32).fill(0xb);

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDccnError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

let dir = "";
let statePath = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dccn-privval-"));
  statePath = join(dir, "data", "priv_validator_state.json");
  mkdirSync(join(dir, "data")); // <home>/data exists once `init` ran
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("Signer (last-sign guard)", () => {
  it("signs votes with a signature that verifies, and persists the state before returning", async () => {
    const signer = await Signer.open(statePath, key!, CHAIN);
    const fields = {
      type: VoteType.Prevote,
      height: 5,
      round: 1,
      blockHash: hashA,
      validatorIndex: 3,
    } as const;
    const vote = await signer.signVote(fields);
    expect(vote.validatorAddress).toEqual(addressFromPublicKey(key!.publicKey));
    expect(vote.validatorIndex).toBe(3);
    expect(verifySignature(key!.publicKey, voteSignBytes(CHAIN, fields), vote.signature)).toBe(true);
    const onDisk = JSON.parse(readFileSync(statePath, "utf8"));
    expect(onDisk).toMatchObject({ height: "5", round: 1, step: 2 });
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
  });

  it("refuses a double sign across a restart, and re-signs the identical payload idempotently", async () => {
    const first = await Signer.open(statePath, key!, CHAIN);
    const vote = await first.signVote({
      type: VoteType.Precommit,
      height: 9,
      round: 2,
      blockHash: hashA,
      validatorIndex: 0,
    });
    // "Crash" and restart on the same file.
    const reopened = await Signer.open(statePath, key!, CHAIN);
    await rejectsWith(
      reopened.signVote({
        type: VoteType.Precommit,
        height: 9,
        round: 2,
        blockHash: hashB,
        validatorIndex: 0,
      }),
      "PRIVVAL_DOUBLE_SIGN",
    );
    await rejectsWith(
      reopened.signVote({
        type: VoteType.Precommit,
        height: 9,
        round: 2,
        blockHash: null,
        validatorIndex: 0,
      }),
      "PRIVVAL_DOUBLE_SIGN",
    );
    const again = await reopened.signVote({
      type: VoteType.Precommit,
      height: 9,
      round: 2,
      blockHash: hashA,
      validatorIndex: 0,
    });
    expect(again.signature).toEqual(vote.signature);
  });

  it("refuses to go back in height, round or step", async () => {
    const signer = await Signer.open(statePath, key!, CHAIN);
    await signer.signVote({
      type: VoteType.Prevote,
      height: 10,
      round: 3,
      blockHash: null,
      validatorIndex: 0,
    });
    const v = (height: number, round: number, type: VoteType) =>
      signer.signVote({ type, height, round, blockHash: null, validatorIndex: 0 });
    await rejectsWith(v(9, 5, VoteType.Precommit), "PRIVVAL_HEIGHT_REGRESSION");
    await rejectsWith(v(10, 2, VoteType.Precommit), "PRIVVAL_ROUND_REGRESSION");
    const block = makeTestBlock({
      chainId: CHAIN,
      height: 10,
      proposer: new Uint8Array(20),
      prevBlockHash: new Uint8Array(32),
      validators: testValidatorSet([key!], [1]),
    });
    await rejectsWith(
      signer.signProposal({ height: 10, round: 3, polRound: -1, block }),
      "PRIVVAL_STEP_REGRESSION",
    );
    // Forward is fine: precommit in the same round, then a proposal in the next round.
    await v(10, 3, VoteType.Precommit);
    const p = await signer.signProposal({ height: 10, round: 4, polRound: 2, block });
    const bytes = proposalSignBytes(CHAIN, {
      height: 10,
      round: 4,
      polRound: 2,
      blockHash: blockHash(block),
    });
    expect(verifySignature(key!.publicKey, bytes, p.signature)).toBe(true);
    expect(signer.lastSignState).toMatchObject({ height: 10, round: 4, step: 1 });
  });

  it("serialises concurrent requests: of two conflicting votes exactly one is signed", async () => {
    const signer = await Signer.open(statePath, key!, CHAIN);
    const results = await Promise.allSettled([
      signer.signVote({ type: VoteType.Prevote, height: 2, round: 0, blockHash: hashA, validatorIndex: 0 }),
      signer.signVote({ type: VoteType.Prevote, height: 2, round: 0, blockHash: hashB, validatorIndex: 0 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
  });

  it("a torn or invalid state file is a typed error, never a silent reset", async () => {
    const signer = await Signer.open(statePath, key!, CHAIN);
    await signer.signVote({
      type: VoteType.Prevote,
      height: 3,
      round: 0,
      blockHash: hashA,
      validatorIndex: 0,
    });
    const good = readFileSync(statePath, "utf8");
    const broken = [
      good.slice(0, Math.floor(good.length / 2)), // torn write
      "",
      "[]",
      good.replace('"3"', "3"), // height must be a string
      good.replace('"step": 2', '"step": 7'),
      good.replace(/"signature": "[^"]+"/, '"signature": "AAAA"'),
    ];
    for (const text of broken) {
      writeFileSync(statePath, text);
      await rejectsWith(Signer.open(statePath, key!, CHAIN), "PRIVVAL_STATE_CORRUPT");
      // The file is left as found for the operator to inspect.
      expect(readFileSync(statePath, "utf8")).toBe(text);
    }
  });

  it("releases no signature when the state cannot be persisted", async () => {
    let failing = false;
    let saved = 0;
    const store = {
      load: async () => INITIAL_SIGN_STATE,
      save: async () => {
        if (failing) throw new PrivvalError("PRIVVAL_STATE_IO", "disk full");
        saved++;
      },
    };
    const signer = await Signer.withStore(store, key!, CHAIN);
    failing = true;
    const a = { type: VoteType.Prevote, height: 4, round: 0, blockHash: hashA, validatorIndex: 0 } as const;
    await rejectsWith(signer.signVote(a), "PRIVVAL_STATE_IO");
    expect(signer.lastSignState).toBe(INITIAL_SIGN_STATE);
    // Nothing left the signer, so a different payload at that position is still safe to sign.
    failing = false;
    await signer.signVote({ ...a, blockHash: hashB });
    expect(saved).toBe(1);
  });

  it("creates the state file (and its directory) on first use", async () => {
    const path = join(dir, "fresh", "data", "priv_validator_state.json");
    const signer = await Signer.open(path, key!, CHAIN);
    expect(signer.lastSignState).toMatchObject({ height: 0, step: 0 });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ height: "0", round: 0, step: 0 });
  });

  it("rejects malformed requests with a typed error", async () => {
    const signer = await Signer.open(statePath, key!, CHAIN);
    await rejectsWith(
      signer.signVote({ type: 5 as VoteType, height: 1, round: 0, blockHash: null, validatorIndex: 0 }),
      "PRIVVAL_BAD_REQUEST",
    );
    await rejectsWith(
      signer.signVote({ type: VoteType.Prevote, height: 0, round: 0, blockHash: null, validatorIndex: 0 }),
      "PRIVVAL_BAD_REQUEST",
    );
    // The failed requests did not block the queue.
    await signer.signVote({
      type: VoteType.Prevote,
      height: 1,
      round: 0,
      blockHash: null,
      validatorIndex: 0,
    });
  });
});

describe("validator key file", () => {
  it("generates a CometBFT-shaped key file that loads back to the same key", async () => {
    const path = join(dir, "config", "priv_validator_key.json");
    const { address, pubKey } = await generateValidatorKeyFile(path);
    const doc = JSON.parse(readFileSync(path, "utf8"));
    expect(doc.address).toBe(toHexUpper(address));
    expect(doc.pub_key).toEqual({
      type: "tendermint/PubKeyEd25519",
      value: Buffer.from(pubKey).toString("base64"),
    });
    expect(doc.priv_key.type).toBe("tendermint/PrivKeyEd25519");
    const priv = Buffer.from(doc.priv_key.value, "base64");
    expect(priv).toHaveLength(64);
    expect(new Uint8Array(priv.subarray(32))).toEqual(pubKey);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const loaded = await loadValidatorKey(path);
    expect(loaded.publicKey).toEqual(pubKey);
    const msg = utf8("hello");
    expect(verifySignature(pubKey, msg, loaded.sign(msg))).toBe(true);
  });

  it("refuses to overwrite an existing key file", async () => {
    const path = join(dir, "priv_validator_key.json");
    await generateValidatorKeyFile(path);
    const before = readFileSync(path, "utf8");
    await rejectsWith(generateValidatorKeyFile(path), "PRIVVAL_KEY_EXISTS");
    await rejectsWith(saveValidatorKey(path, key!), "PRIVVAL_KEY_EXISTS");
    expect(readFileSync(path, "utf8")).toBe(before);
    await saveValidatorKey(path, key!, { overwrite: true });
    expect((await loadValidatorKey(path)).publicKey).toEqual(key!.publicKey);
  });

  it("rejects missing, malformed and inconsistent key files with typed errors", async () => {
    const path = join(dir, "k.json");
    await rejectsWith(loadValidatorKey(path), "PRIVVAL_KEY_NOT_FOUND");
    await saveValidatorKey(path, key!);
    const doc = JSON.parse(readFileSync(path, "utf8"));
    const other = PrivateKey.fromSeed(new Uint8Array(32).fill(3));
    const cases: unknown[] = [
      "not json",
      { ...doc, address: "00".repeat(20) },
      { ...doc, pub_key: { ...doc.pub_key, value: Buffer.from(other.publicKey).toString("base64") } },
      { ...doc, priv_key: { ...doc.priv_key, value: Buffer.alloc(32).toString("base64") } },
      { ...doc, priv_key: { ...doc.priv_key, type: "other" } },
    ];
    for (const c of cases) {
      writeFileSync(path, typeof c === "string" ? c : JSON.stringify(c));
      await rejectsWith(loadValidatorKey(path), "PRIVVAL_KEY_INVALID");
    }
  });
});
