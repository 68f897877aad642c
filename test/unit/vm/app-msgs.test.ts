/** The contracts module's msg codecs and the client's tx builders. */
import { describe, expect, it } from "vitest";
import {
  buildExecuteTx,
  buildInstantiateTx,
  buildStoreCodeTx,
  encodeArgs,
} from "../../../src/client/wasm.js";
import { utf8 } from "../../../src/codec/bytes.js";
import { ProtoWriter } from "../../../src/codec/proto.js";
import { addressFromPublicKey, toBech32 } from "../../../src/crypto/address.js";
import {
  contractAddress,
  decodeMsgExecuteContract,
  decodeMsgInstantiateContract,
  decodeMsgStoreCode,
  encodeMsgExecuteContract,
  encodeMsgInstantiateContract,
  MSG_EXECUTE_CONTRACT_TYPE_URL,
  MSG_INSTANTIATE_CONTRACT_TYPE_URL,
  MSG_STORE_CODE_TYPE_URL,
} from "../../../src/dccn-app/contracts/index.js";
import { AppError } from "../../../src/dccn-app/index.js";
import { decodeTx } from "../../../src/types/tx.js";
import { wallet } from "../dccn-app/helpers.js";

function rejects(fn: () => unknown, code: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe(code);
  if (message) expect((caught as AppError).message).toMatch(message);
}

const contract = new Uint8Array(20).fill(4);

describe("contract msgs", () => {
  it("round-trip and decode strictly", () => {
    const inst = {
      codeHash: new Uint8Array(32).fill(1),
      args: utf8('{"a":1}'),
      amount: 5n,
      label: "my counter",
    };
    expect(decodeMsgInstantiateContract(encodeMsgInstantiateContract(inst))).toEqual(inst);
    const exec = { contract, method: "transfer_from", args: utf8("{}"), amount: 0n };
    expect(decodeMsgExecuteContract(encodeMsgExecuteContract(exec))).toEqual(exec);

    // An explicit zero amount is not canonical (proto3 omits defaults).
    const zero = new ProtoWriter().bytes(1, contract).string(2, "get").string(4, "0").finish();
    rejects(() => decodeMsgExecuteContract(zero), "TX_DECODE", /canonical/);
    rejects(() => decodeMsgStoreCode(new Uint8Array(0)), "INVALID_MSG", /must not be empty/);
    rejects(
      () =>
        decodeMsgInstantiateContract(encodeMsgInstantiateContract({ ...inst, codeHash: new Uint8Array(31) })),
      "INVALID_MSG",
      /32 bytes/,
    );
    rejects(
      () => decodeMsgInstantiateContract(encodeMsgInstantiateContract({ ...inst, label: "bad\nlabel" })),
      "INVALID_MSG",
      /printable/,
    );
    for (const method of ["init", "memory", "__dccn_gas", "_start", "9lives", "a-b", "x".repeat(65)]) {
      rejects(
        () => decodeMsgExecuteContract(encodeMsgExecuteContract({ ...exec, method })),
        "INVALID_MSG",
        /callable method/,
      );
    }
    rejects(
      () => decodeMsgExecuteContract(encodeMsgExecuteContract({ ...exec, contract: new Uint8Array(19) })),
      "INVALID_ADDRESS",
    );
    rejects(
      () =>
        decodeMsgExecuteContract(encodeMsgExecuteContract({ ...exec, args: new Uint8Array(64 * 1024 + 1) })),
      "INVALID_MSG",
      /limit/,
    );
  });

  it("the client builds signed txs and predicts the instantiated contract's address", () => {
    const w = wallet(9);
    const base = { key: w.key, chainId: "c-1", nonce: 7, gasPrice: "3" };
    const stored = decodeTx(buildStoreCodeTx({ ...base, wasm: Uint8Array.of(0, 97, 115, 109) }).bytes);
    expect(stored.body.msg.typeUrl).toBe(MSG_STORE_CODE_TYPE_URL);
    expect(stored.body.gasPrice).toBe(3n);

    const inst = buildInstantiateTx({
      ...base,
      codeHash: "AB".repeat(32),
      args: { start: 1 },
      amount: "1.5ankr",
    });
    expect(inst.contract).toBe(toBech32(contractAddress(addressFromPublicKey(w.key.publicKey), 7)));
    const decoded = decodeTx(inst.bytes);
    expect(decoded.body.msg.typeUrl).toBe(MSG_INSTANTIATE_CONTRACT_TYPE_URL);
    expect(decodeMsgInstantiateContract(decoded.body.msg.value).amount).toBe(1_500_000_000_000_000_000n);

    const exec = decodeTx(buildExecuteTx({ ...base, contract: toBech32(contract), method: "get" }).bytes);
    expect(exec.body.msg.typeUrl).toBe(MSG_EXECUTE_CONTRACT_TYPE_URL);
    expect(decodeMsgExecuteContract(exec.body.msg.value)).toEqual({
      contract,
      method: "get",
      args: new Uint8Array(0),
      amount: 0n,
    });
    expect(() => buildInstantiateTx({ ...base, codeHash: "xyz" })).toThrow(/64 hex characters/);
    expect(encodeArgs('{"a":1}')).toEqual(utf8('{"a":1}'));
    expect(encodeArgs({ a: 1 })).toEqual(utf8('{"a":1}'));
  });

  it("derives distinct contract addresses per creator and nonce", () => {
    const a = wallet(1).address;
    const b = wallet(2).address;
    const ids = new Set(
      [contractAddress(a, 0), contractAddress(a, 1), contractAddress(b, 0)].map((x) => toBech32(x)),
    );
    expect(ids.size).toBe(3);
    expect(contractAddress(a, 0)).toHaveLength(20);
  });
});
