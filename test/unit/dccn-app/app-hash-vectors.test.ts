/**
 * Pinned app hashes: the state root after genesis and after each block of a fixed scenario, and
 * every tx result's code and gas. Any change in what the app writes (encodings, keys, fees, the
 * order or content of writes) changes these; a performance change must leave them alone.
 */
import { afterEach, describe, expect, it } from "vitest";
import { toHex } from "../../../src/codec/bytes.js";
import { FEE_COLLECTOR } from "../../../src/dccn-app/index.js";
import {
  ANKR,
  accountOf,
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
const carol = wallet(3);
const dave = wallet(4);

afterEach(removeTempDirs);

const send = (from: typeof alice, nonce: number, to: Uint8Array, amount: bigint, gasLimit = 60_000) =>
  signed(from, { nonce, gasLimit, gasPrice: 3n, msg: sendMsg(to, amount) });

describe("app hash test vectors", () => {
  it("reproduces the pinned roots and results", async () => {
    const app = await openApp(tempDir());
    try {
      const roots = [
        toHex(
          await initApp(
            app,
            appState([
              [alice, 100n * ANKR],
              [bob, 5n * ANKR],
              [carol, 1_000_000n],
            ]),
          ),
        ),
      ];
      const results: string[] = [];
      const block = async (height: number, txs: Uint8Array[]) => {
        const r = await runBlock(app, height, txs);
        roots.push(toHex(r.appHash));
        for (const x of r.results) results.push(`${x.code}/${x.gasUsed}`);
      };
      await block(1, [
        send(alice, 0, bob.address, 7n * ANKR + 1n),
        send(bob, 0, dave.address, 123n),
        send(carol, 0, alice.address, 10n ** 30n), // the msg fails: its gas is still paid
        send(alice, 1, alice.address, 5n), // to itself
        send(alice, 1, bob.address, 1n), // nonce used
      ]);
      await block(2, [
        send(dave, 0, alice.address, 1n), // dave holds no fee: refused
        send(bob, 1, carol.address, 2n * ANKR),
        send(alice, 2, carol.address, 1n, 25_000), // the msg runs out of gas
        send(carol, 1, dave.address, 5n),
      ]);
      await block(3, []);
      expect({ roots, results }).toEqual({
        roots: [
          "8b6ac7db8ccf51a41f359134f123344f3a02b4b71118c9b739ee1a1aea2fd8ea",
          "e603ec099a91b7dfa042279a6f7aae2bcdc5d029937557a711b27c34a7b63f9f",
          "4b86ca0766d1023c779f2d61efef200d49f166dcd623b59d424eaa993dd2a909",
          "4b86ca0766d1023c779f2d61efef200d49f166dcd623b59d424eaa993dd2a909",
        ],
        results: [
          ...["0/31920", "0/31760", "8/32040", "0/31760", "6/0"],
          ...["8/0", "0/31940", "10/25000", "0/31760"],
        ],
      });
      // Every charged tx's gas × 3, in one account.
      expect(await accountOf(app, FEE_COLLECTOR)).toEqual({ balance: 648_540n, nonce: 0 });
    } finally {
      await app.close();
    }
  });
});
