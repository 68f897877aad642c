/**
 * The contracts module ("wasm"): WebAssembly contracts on the DCCN chain (issue 5; runtime in
 * src/vm, SDK and examples in contracts/). Msgs store code, instantiate and execute contracts;
 * `abci_query` paths read code and contract records, raw contract storage and run read-only
 * smart queries:
 *
 *   /wasm/code/<code hash hex>             CodeInfoJson
 *   /wasm/contract/<ankr1…>                ContractInfoJson
 *   /wasm/state/<ankr1…>      data = key   the raw value stored under the contract's key
 *   /wasm/call/<ankr1…>/<method> data = args  the method's return data (read-only, gas-capped)
 *
 * Create one module per app instance: it holds the VM's compiled-module cache and the storage
 * key index, which describe that app's state.
 */
import { fromHex, utf8 } from "../../codec/bytes.js";
import { parseAddress } from "../../crypto/address.js";
import { isDccnError } from "../../errors.js";
import { isCallableMethodName } from "../../vm/host-api.js";
import { getAccount } from "../bank/accounts.js";
import { AppError } from "../codes.js";
import { type Module, msgHandler, type QueryResult } from "../module.js";
import { ContractsKeeper, type ContractsOptions } from "./keeper.js";
import { CODE_HASH_SIZE, codeInfoKey, contractKey, storageKey } from "./keys.js";
import {
  decodeMsgExecuteContract,
  decodeMsgInstantiateContract,
  decodeMsgStoreCode,
  MSG_EXECUTE_CONTRACT_TYPE_URL,
  MSG_INSTANTIATE_CONTRACT_TYPE_URL,
  MSG_STORE_CODE_TYPE_URL,
  type MsgExecuteContract,
  type MsgInstantiateContract,
  type MsgStoreCode,
} from "./msgs.js";
import { codeInfoJson, contractInfoJson, decodeCodeInfo, decodeContractInfo } from "./records.js";

export const CONTRACTS_MODULE_NAME = "wasm";

/** Gas of each msg on top of the tx's intrinsic gas; deploy and contract gas come on top. */
export const STORE_CODE_GAS = 50_000;
export const INSTANTIATE_GAS = 50_000;
export const EXECUTE_GAS = 20_000;

function parseContract(text: string): Uint8Array {
  try {
    return parseAddress(text);
  } catch (err) {
    throw new AppError("INVALID_ADDRESS", isDccnError(err) ? err.message : `invalid address ${text}`);
  }
}

function parseCodeHash(text: string): Uint8Array {
  let hash: Uint8Array | undefined;
  try {
    hash = fromHex(text);
  } catch {
    hash = undefined;
  }
  if (hash === undefined || hash.length !== CODE_HASH_SIZE) {
    throw new AppError("INVALID_QUERY", `a code hash is ${CODE_HASH_SIZE * 2} hex characters, got "${text}"`);
  }
  return hash;
}

export function contractsModule(opts: ContractsOptions = {}): Module {
  const keeper = new ContractsKeeper(opts);
  return {
    name: CONTRACTS_MODULE_NAME,
    msgs: [
      msgHandler<MsgStoreCode>({
        typeUrl: MSG_STORE_CODE_TYPE_URL,
        defaultGas: STORE_CODE_GAS,
        decode: decodeMsgStoreCode,
        spend: () => 0n,
        deliver: (ctx, msg) => keeper.storeCode(ctx, msg),
      }),
      msgHandler<MsgInstantiateContract>({
        typeUrl: MSG_INSTANTIATE_CONTRACT_TYPE_URL,
        defaultGas: INSTANTIATE_GAS,
        decode: decodeMsgInstantiateContract,
        spend: (msg) => msg.amount,
        deliver: (ctx, msg) => keeper.instantiate(ctx, msg),
      }),
      msgHandler<MsgExecuteContract>({
        typeUrl: MSG_EXECUTE_CONTRACT_TYPE_URL,
        defaultGas: EXECUTE_GAS,
        decode: decodeMsgExecuteContract,
        spend: (msg) => msg.amount,
        deliver: (ctx, msg) => keeper.execute(ctx, msg),
      }),
    ],
    beginBlock(ctx) {
      keeper.beginBlock(ctx);
    },
    queries: [
      {
        path: "/wasm/code/",
        handle(ctx, _data, rest): QueryResult {
          const codeHash = parseCodeHash(rest);
          const key = codeInfoKey(codeHash);
          const raw = ctx.store.get(key);
          if (raw === undefined) throw new AppError("CODE_NOT_FOUND", `no code stored under hash ${rest}`);
          return { key, value: utf8(JSON.stringify(codeInfoJson(codeHash, decodeCodeInfo(raw)))) };
        },
      },
      {
        path: "/wasm/contract/",
        handle(ctx, _data, rest): QueryResult {
          const address = parseContract(rest);
          const key = contractKey(address);
          const raw = ctx.store.get(key);
          if (raw === undefined) throw new AppError("CONTRACT_NOT_FOUND", `no contract at ${rest}`);
          const balance = getAccount(ctx.store, address).balance;
          return {
            key,
            value: utf8(JSON.stringify(contractInfoJson(address, decodeContractInfo(raw), balance))),
          };
        },
      },
      {
        path: "/wasm/state/",
        handle(ctx, data, rest): QueryResult {
          const address = parseContract(rest);
          const limit = keeper.vm.limits.maxStorageKeyBytes;
          if (data.length === 0 || data.length > limit) {
            throw new AppError(
              "INVALID_QUERY",
              `/wasm/state/<address> takes the contract's storage key (1..${limit} bytes) as data`,
            );
          }
          const key = storageKey(address, data);
          return { key, value: ctx.store.get(key) ?? new Uint8Array(0) };
        },
      },
      {
        path: "/wasm/call/",
        async handle(ctx, data, rest): Promise<QueryResult> {
          const parts = rest.split("/");
          const [addressText, method] = parts;
          if (parts.length !== 2 || addressText === undefined || method === undefined) {
            throw new AppError(
              "INVALID_QUERY",
              "the path is /wasm/call/<ankr1… address>/<method>, args as data",
            );
          }
          const address = parseContract(addressText);
          if (method.length > keeper.vm.limits.maxMethodNameBytes || !isCallableMethodName(method)) {
            throw new AppError(
              "INVALID_QUERY",
              `${JSON.stringify(method.slice(0, 80))} is not a callable method name`,
            );
          }
          const value = await keeper.smartQuery(ctx, address, method, data);
          return { key: contractKey(address), value };
        },
      },
    ],
  };
}
