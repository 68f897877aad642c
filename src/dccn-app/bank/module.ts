/**
 * The bank module: accounts and balances, genesis accounts, MsgSend and the `/account` query.
 * Fees and nonces use the same account records but are charged by the app core (tx.ts).
 */
import { utf8 } from "../../codec/bytes.js";
import { ADDRESS_SIZE, parseAddress, toBech32 } from "../../crypto/address.js";
import { isDccnError } from "../../errors.js";
import { AppError, AppFatalError } from "../codes.js";
import {
  type GenesisContext,
  type Module,
  msgHandler,
  type QueryContext,
  type QueryResult,
} from "../module.js";
import { type AccountJson, accountKey } from "./account.js";
import { getAccount, setAccount, transfer } from "./accounts.js";
import { decodeMsgSend, MSG_SEND_TYPE_URL, type MsgSend } from "./msg-send.js";

/** Gas a transfer costs on top of the tx's intrinsic gas. */
export const SEND_GAS = 20_000;

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

const sendHandler = msgHandler<MsgSend>({
  typeUrl: MSG_SEND_TYPE_URL,
  defaultGas: SEND_GAS,
  decode: decodeMsgSend,
  spend: (msg) => msg.amount,
  deliver(ctx, msg) {
    ctx.events.push(transfer(ctx.store, ctx.sender, msg.to, msg.amount));
  },
});

function genesisInvalid(field: string, why: string): AppFatalError {
  return new AppFatalError("APP_GENESIS_INVALID", `app_state.${field} ${why}`, { field });
}

/** Writes `app_state.accounts`: `[{"address":"ankr1…","balance":"<decimal base units>"}]`. */
function initAccounts(ctx: GenesisContext, accounts: unknown): void {
  if (accounts === undefined) return;
  if (!Array.isArray(accounts)) throw genesisInvalid("accounts", "must be an array");
  const seen = new Set<string>();
  accounts.forEach((entry: unknown, i) => {
    const field = `accounts[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw genesisInvalid(field, "must be an object");
    }
    const { address, balance, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined)
      throw genesisInvalid(`${field}.${extra}`, "is not a known field (address, balance)");
    if (typeof address !== "string")
      throw genesisInvalid(`${field}.address`, "must be an ankr1… address string");
    let bytes: Uint8Array;
    try {
      bytes = parseAddress(address);
    } catch (err) {
      throw genesisInvalid(
        `${field}.address`,
        isDccnError(err) ? `is invalid: ${err.message}` : "is invalid",
      );
    }
    if (typeof balance !== "string" || !DECIMAL.test(balance)) {
      throw genesisInvalid(`${field}.balance`, 'must be a decimal string of base units, e.g. "1000"');
    }
    const id = toBech32(bytes);
    if (seen.has(id)) throw genesisInvalid(`${field}.address`, `repeats account ${id}`);
    seen.add(id);
    setAccount(ctx.store, bytes, { balance: BigInt(balance), nonce: 0 });
  });
}

function accountQuery(ctx: QueryContext, address: Uint8Array): QueryResult {
  const account = getAccount(ctx.store, address);
  const json: AccountJson = {
    address: toBech32(address),
    balance: account.balance.toString(),
    nonce: account.nonce,
  };
  const key = accountKey(address);
  return { key, value: utf8(JSON.stringify(json)), proveKey: key };
}

export const bankModule: Module = {
  name: "bank",
  msgs: [sendHandler],
  genesisKeys: ["accounts"],
  initGenesis(ctx, appState) {
    initAccounts(ctx, appState.accounts);
  },
  queries: [
    {
      // data = the 20 address bytes
      path: "/account",
      handle(ctx, data) {
        if (data.length !== ADDRESS_SIZE) {
          throw new AppError(
            "INVALID_ADDRESS",
            `/account takes ${ADDRESS_SIZE} address bytes as data, got ${data.length}`,
          );
        }
        return accountQuery(ctx, data);
      },
    },
    {
      // /account/ankr1…
      path: "/account/",
      handle(ctx, _data, rest) {
        let address: Uint8Array;
        try {
          address = parseAddress(rest);
        } catch (err) {
          throw new AppError("INVALID_ADDRESS", isDccnError(err) ? err.message : `invalid address ${rest}`);
        }
        return accountQuery(ctx, address);
      },
    },
  ],
};
