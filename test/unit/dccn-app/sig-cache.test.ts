import { afterEach, describe, expect, it, vi } from "vitest";
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
});
