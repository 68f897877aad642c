import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { utf8 } from "../../../src/codec/bytes.js";
import {
  accountKey,
  type DccnApp,
  decodeAccount,
  PARAMS_KEY,
  ResultCode,
  verifyAccountProof,
} from "../../../src/dccn-app/index.js";
import { isDccnError } from "../../../src/errors.js";
import { decodeSmtProof, verifyProof } from "../../../src/store/smt/proof.js";
import {
  appState,
  initApp,
  openApp,
  removeTempDirs,
  runBlock,
  sendMsg,
  signed,
  tempDir,
  wallet,
} from "./helpers.js";

const alice = wallet(1);
const bob = wallet(2);
const nobody = wallet(9);

let app: DccnApp;
let hashes: Uint8Array[]; // hashes[h] = app hash after height h (h = 0: genesis)

beforeEach(async () => {
  app = await openApp(tempDir());
  hashes = [await initApp(app, appState([[alice, 1_000_000n]]))];
  const tx = (nonce: number, amount: bigint) =>
    signed(alice, { nonce, gasLimit: 40_000, gasPrice: 1n, msg: sendMsg(bob.address, amount) });
  hashes.push((await runBlock(app, 1, [tx(0, 100n)])).appHash);
  hashes.push((await runBlock(app, 2, [tx(1, 200n)])).appHash);
});

afterEach(async () => {
  await app.close();
  removeTempDirs();
});

const json = (v: Uint8Array) => JSON.parse(Buffer.from(v).toString("utf8")) as Record<string, unknown>;
const q = (path: string, data: Uint8Array = new Uint8Array(0), height = 0, prove = false) =>
  app.query({ path, data, height, prove });

describe("DccnApp queries", () => {
  it("serves /account by address bytes and by bech32 path", async () => {
    const byBytes = await q("/account", bob.address);
    const byPath = await q(`/account/${bob.bech32}`);
    expect(byBytes.code).toBe(0);
    expect(byBytes.height).toBe(2);
    expect(json(byBytes.value)).toEqual({ address: bob.bech32, balance: "300", nonce: 0 });
    expect(byPath.value).toEqual(byBytes.value);
    expect(byPath.key).toEqual(accountKey(bob.address));
    expect(json((await q(`/account/${alice.bech32}`)).value).nonce).toBe(2);
  });

  it("selects the version by height", async () => {
    expect(json((await q("/account", bob.address, 1)).value).balance).toBe("100");
    expect(json((await q("/account", bob.address, 2)).value).balance).toBe("300");
    const future = await q("/account", bob.address, 3);
    expect(future.code).toBe(ResultCode.HEIGHT_UNAVAILABLE);
  });

  it("proves accounts against the app hash of that height, and clients verify them", async () => {
    for (const h of [1, 2]) {
      const res = await q("/account", bob.address, h, true);
      expect(res.proofOps?.[0]?.type).toBe("dccn:smt");
      const acct = verifyAccountProof(hashes[h]!, bob.address, res);
      expect(acct.balance).toBe(h === 1 ? 100n : 300n);
      // The proof of height 1 does not verify against height 2's app hash.
      expect(() => verifyAccountProof(hashes[h === 1 ? 2 : 1]!, bob.address, res)).toThrow(
        expect.objectContaining({ code: "PROOF_INVALID" }),
      );
    }
    // An account never seen: zero, proven absent.
    const absent = await q("/account", nobody.address, 0, true);
    expect(verifyAccountProof(hashes[2]!, nobody.address, absent)).toEqual({
      address: nobody.bech32,
      balance: 0n,
      nonce: 0,
    });
  });

  it("verifies CometBFT-JSON shaped responses and rejects tampered values", async () => {
    const res = await q("/account", bob.address, 0, true);
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    const op = res.proofOps![0]!;
    const wire = {
      value: b64(res.value),
      proofOps: { ops: [{ type: op.type, key: b64(op.key), data: b64(op.data) }] },
    };
    expect(verifyAccountProof(hashes[2]!, bob.address, wire).balance).toBe(300n);
    const forged = {
      ...wire,
      value: b64(utf8(JSON.stringify({ address: bob.bech32, balance: "301", nonce: 0 }))),
    };
    expect(() => verifyAccountProof(hashes[2]!, bob.address, forged)).toThrow(
      expect.objectContaining({ code: "PROOF_INVALID" }),
    );
    expect(() => verifyAccountProof(hashes[2]!, alice.address, res)).toThrow(
      expect.objectContaining({ code: "PROOF_INVALID" }),
    );
    expect(() => verifyAccountProof(hashes[2]!, bob.address, { value: res.value, proofOps: null })).toThrow(
      expect.objectContaining({ code: "PROOF_INVALID" }),
    );
    // Claiming a funded account is absent fails too.
    const zero = { ...res, value: utf8(JSON.stringify({ address: bob.bech32, balance: "0", nonce: 0 })) };
    expect(() => verifyAccountProof(hashes[2]!, bob.address, zero)).toThrow(
      expect.objectContaining({ code: "PROOF_INVALID" }),
    );
  });

  it("serves raw state at /store/key with proofs, and params at /app/params", async () => {
    const key = accountKey(alice.address);
    const res = await q("/store/key", key, 0, true);
    expect(res.code).toBe(0);
    expect(res.key).toEqual(key);
    expect(decodeAccount(res.value).nonce).toBe(2);
    expect(verifyProof(hashes[2]!, key, res.value, decodeSmtProof(res.proofOps![0]!.data))).toBe(true);

    const missing = await q("/store/key", utf8("no/such/key"), 0, true);
    expect(missing.value.length).toBe(0);
    expect(verifyProof(hashes[2]!, utf8("no/such/key"), null, missing.proofOps![0]!.data)).toBe(true);

    const params = await q("/app/params", new Uint8Array(0), 0, true);
    expect(json(params.value).max_tx_bytes).toBe(65536);
    expect(params.proofOps![0]!.key).toEqual(PARAMS_KEY);
  });

  it("answers bad paths and data with non-zero codes", async () => {
    expect((await q("/nope")).code).toBe(ResultCode.UNKNOWN_QUERY);
    expect((await q("/account", Uint8Array.of(1, 2))).code).toBe(ResultCode.INVALID_ADDRESS);
    expect((await q("/account/ankr1notanaddress")).code).toBe(ResultCode.INVALID_ADDRESS);
    expect((await q("/store/key")).code).toBe(ResultCode.INVALID_QUERY);
    const r = await q("/nope");
    expect(r.codespace).toBe("dccn");
    expect(r.log).toContain("/account");
  });

  it("answers queries before genesis with HEIGHT_UNAVAILABLE", async () => {
    const fresh = await openApp(tempDir());
    try {
      const r = await fresh.query({ path: "/account", data: bob.address, height: 0, prove: false });
      expect(r.code).toBe(ResultCode.HEIGHT_UNAVAILABLE);
      await expect(fresh.beginBlock({} as never)).rejects.toSatisfy((e) =>
        isDccnError(e, "APP_NOT_INITIALIZED"),
      );
      expect((await fresh.checkTx(Uint8Array.of(1), "new")).code).not.toBe(0);
    } finally {
      await fresh.close();
    }
  });
});
