import { afterEach, describe, expect, it, vi } from "vitest";
import { VerifyPool } from "../../../src/crypto/verify-pool.js";
import { ResultCode } from "../../../src/dccn-app/codes.js";
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

// Count real Ed25519 verifications made by the app.
const verifications = vi.hoisted(() => ({ count: 0 }));
vi.mock("../../../src/crypto/ed25519.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../src/crypto/ed25519.js")>();
  return {
    ...real,
    verifySignature: (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => {
      verifications.count++;
      return real.verifySignature(pk, msg, sig);
    },
  };
});

afterEach(removeTempDirs);

describe("verified-signature cache", () => {
  it("verifies a tx once across CheckTx, recheck and DeliverTx", async () => {
    const alice = wallet(1);
    const app = await openApp(tempDir());
    const other = await openApp(tempDir());
    try {
      const genesis = appState([[alice, 10n ** 18n]]);
      await initApp(app, genesis);
      await initApp(other, genesis);
      const tx = signed(alice, { msg: sendMsg(wallet(2).address, 5n) });
      const tx2 = signed(alice, { nonce: 1, msg: sendMsg(wallet(2).address, 6n) });
      verifications.count = 0;
      expect((await app.checkTx(tx, "new")).code).toBe(0);
      expect((await app.checkTx(tx2, "new")).code).toBe(0);
      expect(verifications.count).toBe(2);
      const { results } = await runBlock(app, 1, [tx]);
      expect(results[0]!.code).toBe(0);
      expect((await app.checkTx(tx2, "recheck")).code).toBe(0);
      expect(verifications.count).toBe(2);
      // A node that never saw the tx verifies it in DeliverTx.
      await runBlock(other, 1, [tx]);
      expect(verifications.count).toBe(3);
    } finally {
      await app.close();
      await other.close();
    }
  });

  it("with a worker verifier, preCheckTx takes every signature check off the calling thread", async () => {
    const alice = wallet(1);
    const pool = new VerifyPool({ workers: 1 });
    const app = await openApp(tempDir(), { verifier: pool });
    const other = await openApp(tempDir(), { verifier: pool });
    try {
      const genesis = appState([[alice, 10n ** 18n]]);
      await initApp(app, genesis);
      await initApp(other, genesis);
      const txs = [0, 1, 2].map((nonce) => signed(alice, { nonce, msg: sendMsg(wallet(2).address, 5n) }));
      const forged = signed(alice, { nonce: 3, msg: sendMsg(wallet(2).address, 5n) });
      forged[forged.length - 1]! ^= 1;
      verifications.count = 0;
      await Promise.all([...txs, forged].map((t) => app.preCheckTx(t)));
      for (const t of txs) expect((await app.checkTx(t, "new")).code).toBe(0);
      expect(verifications.count).toBe(0);
      // A forged signature is left for CheckTx, which verifies it itself and refuses it.
      expect(await app.checkTx(forged, "new")).toMatchObject({ code: ResultCode.BAD_SIGNATURE });
      expect(verifications.count).toBe(1);
      // A node that never saw the txs: preCheckTx before the block, DeliverTx verifies nothing.
      await Promise.all(txs.map((t) => other.preCheckTx(t)));
      const { results } = await runBlock(other, 1, txs);
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(verifications.count).toBe(1);
    } finally {
      await app.close();
      await other.close();
      await pool.close();
    }
  });

  it("trusts the verifier's answer: a tx it passed is not verified again", async () => {
    const alice = wallet(1);
    // A verifier that says yes to anything shows CheckTx relying on preCheckTx's verdict.
    const app = await openApp(tempDir(), { verifier: { verify: async () => true } });
    try {
      await initApp(app, appState([[alice, 10n ** 18n]]));
      const forged = signed(alice, { msg: sendMsg(wallet(2).address, 5n) });
      forged[forged.length - 1]! ^= 1;
      expect((await app.checkTx(forged, "new")).code).toBe(ResultCode.BAD_SIGNATURE);
      const forged2 = signed(alice, { nonce: 0, memo: "again", msg: sendMsg(wallet(2).address, 5n) });
      forged2[forged2.length - 1]! ^= 1;
      await app.preCheckTx(forged2);
      expect((await app.checkTx(forged2, "new")).code).toBe(0);
    } finally {
      await app.close();
    }
  });

  it("a failing verifier costs nothing but the work: CheckTx verifies by itself", async () => {
    const alice = wallet(1);
    const app = await openApp(tempDir(), {
      verifier: {
        verify: async () => {
          throw new Error("worker gone");
        },
      },
    });
    try {
      await initApp(app, appState([[alice, 10n ** 18n]]));
      const tx = signed(alice, { msg: sendMsg(wallet(2).address, 5n) });
      await expect(app.preCheckTx(tx)).resolves.toBeUndefined();
      verifications.count = 0;
      expect((await app.checkTx(tx, "new")).code).toBe(0);
      expect(verifications.count).toBe(1);
    } finally {
      await app.close();
    }
  });
});
