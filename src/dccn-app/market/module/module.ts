/**
 * The marketplace as a DCCN app Module: providers, tasks with escrow, metering and settlement,
 * ratings, the WDRF scheduler, ack timeouts, expiries and epoch rewards at EndBlock, and the
 * `/market/…` queries. Genesis: `app_state.market = {"params": {…}}`, every member optional.
 */
import { AppFatalError } from "../../codes.js";
import type { Module } from "../../module.js";
import { MarketError } from "../errors.js";
import { marketEndBlock } from "./end-block.js";
import { parseMarketParamsJson } from "./params.js";
import { providerHandlers } from "./provider-msgs.js";
import { marketQueries } from "./queries.js";
import { setMarketParams } from "./store.js";
import { taskHandlers } from "./task-msgs.js";
import { usageHandlers } from "./usage-msgs.js";

function genesisInvalid(why: string, field = "market"): AppFatalError {
  return new AppFatalError("APP_GENESIS_INVALID", `app_state.${field} ${why}`, { field });
}

export const marketModule: Module = {
  name: "market",
  msgs: [...providerHandlers, ...taskHandlers, ...usageHandlers],
  genesisKeys: ["market"],
  initGenesis(ctx, appState) {
    const section = appState.market ?? {};
    if (typeof section !== "object" || section === null || Array.isArray(section)) {
      throw genesisInvalid("must be an object");
    }
    const { params, ...rest } = section as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw genesisInvalid("is not a known member (params)", `market.${extra}`);
    try {
      setMarketParams(ctx.store, parseMarketParamsJson(params));
    } catch (err) {
      if (err instanceof MarketError) {
        throw genesisInvalid(
          `is invalid: ${err.message}`,
          `market.params${err.meta.field ? `.${String(err.meta.field)}` : ""}`,
        );
      }
      throw err;
    }
  },
  async endBlock(ctx) {
    await marketEndBlock(ctx);
    return undefined;
  },
  queries: marketQueries,
};
