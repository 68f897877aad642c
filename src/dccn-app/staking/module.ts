/**
 * The staking module: SLSBFT's stake, candidates, service level, election, slashing and rewards
 * (seed pp.11–15, 18–19; DESIGN.md "Consensus (SLSBFT)").
 *
 *   BeginBlock  duplicate-vote evidence → slash + jail; liveness window → downtime slash + jail;
 *               block reward + collected fees → validators (slashing.ts, rewards.ts)
 *   DeliverTx   stake, unstake, candidate register/update/withdraw, unjail (handlers.ts)
 *   EndBlock    unbonding releases; at an epoch's end stake-holding rewards and the election,
 *               otherwise removal of unfit validators → validator updates (epoch.ts)
 *
 * The election seed uses the hash of the block being executed, which only BeginBlock receives;
 * it is carried to the same block's EndBlock keyed by that block's state layer (a WeakMap, so
 * nothing outlives the block and nothing is shared between apps).
 */
import { AppFatalError } from "../codes.js";
import type { Module } from "../module.js";
import { stakingEndBlock } from "./epoch.js";
import { initStakingGenesis } from "./genesis.js";
import { stakingMsgHandlers } from "./handlers.js";
import { MARKET_SERVICE_LEVEL_INPUTS } from "./market-inputs.js";
import { stakingQueries } from "./queries.js";
import { distributeBlockRewards } from "./rewards.js";
import type { ServiceLevelInputs } from "./service-level.js";
import { handleEvidence, trackLiveness } from "./slashing.js";
import { getParams } from "./store.js";

export interface StakingModuleOptions {
  /** Where service levels come from; default the marketplace's records. */
  readonly serviceLevel?: ServiceLevelInputs;
}

export function createStakingModule(opts: StakingModuleOptions = {}): Module {
  const inputs = opts.serviceLevel ?? MARKET_SERVICE_LEVEL_INPUTS;
  const blockHashes = new WeakMap<object, Uint8Array>();
  return {
    name: "staking",
    msgs: stakingMsgHandlers,
    genesisKeys: ["staking"],
    initGenesis(ctx, appState) {
      initStakingGenesis(ctx, appState.staking);
    },
    async beginBlock(ctx, req) {
      blockHashes.set(ctx.store, req.hash);
      const params = getParams(ctx.store);
      await handleEvidence(ctx, params, req.byzantineValidators);
      await trackLiveness(ctx, params, req.lastCommitInfo.votes);
      distributeBlockRewards(ctx, params, req);
    },
    async endBlock(ctx) {
      const hash = blockHashes.get(ctx.store);
      if (hash === undefined) {
        throw new AppFatalError("APP_NO_BLOCK", "staking EndBlock without its BeginBlock");
      }
      blockHashes.delete(ctx.store);
      const validatorUpdates = await stakingEndBlock(ctx, getParams(ctx.store), inputs, hash);
      return { validatorUpdates };
    },
    queries: stakingQueries(inputs),
  };
}

/** The staking module with the marketplace's service levels (what the node runs). */
export const stakingModule: Module = createStakingModule();
