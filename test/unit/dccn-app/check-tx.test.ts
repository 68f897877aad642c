import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProtoWriter } from "../../../src/codec/proto.js";
import { type DccnApp, ResultCode } from "../../../src/dccn-app/index.js";
import { decodeTxRaw, encodeTxRaw, type TxBody } from "../../../src/types/tx.js";
import {
  accountOf,
  appState,
  CHAIN_ID,
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
const BALANCE = 1_000_000_000n;
const GAS = 100_000;

let app: DccnApp;

beforeEach(async () => {
  app = await openApp(tempDir(), { minGasPrice: 2n });
  await initApp(app, appState([[alice, BALANCE]], { max_tx_bytes: 400 }));
});

afterEach(async () => {
  await app.close();
  removeTempDirs();
});

const send = (amount: bigint, over: Partial<TxBody> = {}) =>
  signed(alice, { gasLimit: GAS, gasPrice: 2n, msg: sendMsg(bob.address, amount), ...over });

/** The largest amount alice can send with her current, untouched balance. */
const allIn = () => send(BALANCE - BigInt(GAS) * 2n);

describe("DccnApp CheckTx rejections", () => {
  const withBadSignature = () => {
    const raw = decodeTxRaw(send(1n));
    const signature = raw.signature.slice();
    signature[0]! ^= 1;
    return encodeTxRaw({ ...raw, signature });
  };
  const cases: [keyof typeof ResultCode, () => Uint8Array][] = [
    ["TX_DECODE", () => Uint8Array.of(0xff, 0x01, 0x02)],
    ["TX_TOO_LARGE", () => send(1n, { memo: "x".repeat(400) })],
    ["WRONG_CHAIN_ID", () => send(1n, { chainId: "other-chain" })],
    ["BAD_SIGNATURE", withBadSignature],
    ["NONCE_AHEAD", () => send(1n, { nonce: 3 })],
    ["INSUFFICIENT_FUNDS", () => send(BALANCE - BigInt(GAS) * 2n + 1n)],
    ["UNKNOWN_MSG_TYPE", () => send(1n, { msg: { typeUrl: "/dccn.nope.v1.Msg", value: new Uint8Array(0) } })],
    ["OUT_OF_GAS", () => send(1n, { gasLimit: 20_000 })],
    ["GAS_PRICE_TOO_LOW", () => send(1n, { gasPrice: 1n })],
    ["INVALID_ADDRESS", () => send(1n, { msg: sendMsg(bob.address.subarray(0, 19), 1n) })],
    [
      "INVALID_AMOUNT",
      () =>
        send(1n, {
          msg: {
            typeUrl: "/dccn.bank.v1.MsgSend",
            value: new ProtoWriter().bytes(1, bob.address).string(2, "-5").finish(),
          },
        }),
    ],
    ["INVALID_AMOUNT", () => send(1n, { msg: sendMsg(bob.address, 0n) })],
    [
      "TX_DECODE",
      () =>
        send(1n, {
          msg: {
            typeUrl: "/dccn.bank.v1.MsgSend",
            value: new ProtoWriter().bytes(1, bob.address).bytes(9, Uint8Array.of(1)).finish(),
          },
        }),
    ],
  ];

  it.each(cases)("answers %s and changes nothing", async (code, make) => {
    const res = await app.checkTx(make(), "new");
    expect(res.code).toBe(ResultCode[code]);
    expect(res.codespace).toBe("dccn");
    expect(res.log.length).toBeGreaterThan(0);
    expect(res.nonceAhead === true).toBe(code === "NONCE_AHEAD");
    // Nothing reserved: the check state still admits a tx spending the whole balance at nonce 0.
    expect((await app.checkTx(allIn(), "new")).code).toBe(ResultCode.OK);
    expect(await accountOf(app, alice)).toEqual({ balance: BALANCE, nonce: 0 });
  });

  it("reports sender and nonce for decodable txs so the mempool can order them", async () => {
    const res = await app.checkTx(send(1n, { nonce: 2 }), "new");
    expect(res.code).toBe(ResultCode.NONCE_AHEAD);
    expect(res.nonceAhead).toBe(true);
    expect(res.sender).toEqual(alice.address);
    expect(res.nonce).toBe(2);
  });
});

describe("DccnApp CheckTx nonces and reservations", () => {
  it("advances the check-state nonce: replays are NONCE_TOO_LOW, gaps NONCE_AHEAD", async () => {
    const ok0 = await app.checkTx(send(10n), "new");
    expect(ok0.code).toBe(0);
    expect(ok0.gasWanted).toBe(GAS);
    expect(ok0.priority).toBe(2n);
    expect((await app.checkTx(send(10n), "new")).code).toBe(ResultCode.NONCE_TOO_LOW);
    expect((await app.checkTx(send(11n), "new")).code).toBe(ResultCode.NONCE_TOO_LOW);
    const ahead = await app.checkTx(send(10n, { nonce: 2 }), "new");
    expect(ahead.code).toBe(ResultCode.NONCE_AHEAD);
    expect(ahead.nonceAhead).toBe(true);
    expect((await app.checkTx(send(10n, { nonce: 1 }), "new")).code).toBe(0);
    expect((await app.checkTx(send(10n, { nonce: 2 }), "new")).code).toBe(0);
    // Committed state is untouched by CheckTx.
    expect(await accountOf(app, alice)).toEqual({ balance: BALANCE, nonce: 0 });
  });

  it("reserves each admitted tx's worst-case cost for the sender's next tx", async () => {
    const half = BALANCE / 2n;
    expect((await app.checkTx(send(half), "new")).code).toBe(0);
    // Left in the check state: BALANCE - half - GAS*2; a second half no longer fits.
    expect((await app.checkTx(send(half, { nonce: 1 }), "new")).code).toBe(ResultCode.INSUFFICIENT_FUNDS);
    expect((await app.checkTx(send(half - BigInt(GAS) * 4n, { nonce: 1 }), "new")).code).toBe(0);
  });

  it("resets the check state to committed state on Commit (the mempool rechecks)", async () => {
    const tx0 = send(10n);
    const tx1 = send(10n, { nonce: 1 });
    expect((await app.checkTx(tx0, "new")).code).toBe(0);
    expect((await app.checkTx(tx1, "new")).code).toBe(0);
    await runBlock(app, 1, [tx0]);
    expect((await app.checkTx(tx0, "recheck")).code).toBe(ResultCode.NONCE_TOO_LOW);
    expect((await app.checkTx(tx1, "recheck")).code).toBe(0);
  });

  it("enforces the minimum gas price only in CheckTx, not in DeliverTx", async () => {
    const cheap = send(10n, { gasPrice: 1n });
    expect((await app.checkTx(cheap, "new")).code).toBe(ResultCode.GAS_PRICE_TOO_LOW);
    const { results } = await runBlock(app, 1, [cheap]);
    expect(results[0]!.code).toBe(0);
  });

  it("ignores a tx signed for another chain even when everything else is right", async () => {
    const res = await app.checkTx(
      signed(alice, { chainId: `${CHAIN_ID}x`, gasPrice: 2n, msg: sendMsg(bob.address, 1n) }),
      "new",
    );
    expect(res.code).toBe(ResultCode.WRONG_CHAIN_ID);
  });
});

describe("DccnApp dry-run CheckTx (RPC check_tx)", () => {
  it("answers like CheckTx but reserves nothing", async () => {
    const tx = send(10n);
    expect((await app.dryRunCheckTx(tx)).code).toBe(0);
    expect((await app.dryRunCheckTx(tx)).code).toBe(0);
    expect((await app.dryRunCheckTx(send(1n, { gasPrice: 1n }))).code).toBe(ResultCode.GAS_PRICE_TOO_LOW);
    // The real admission still sees nonce 0 free, then taken.
    expect((await app.checkTx(tx, "new")).code).toBe(0);
    expect((await app.dryRunCheckTx(tx)).code).toBe(ResultCode.NONCE_TOO_LOW);
  });
});
