/**
 * The DCCN app's feature modules beyond the built-in bank, in the order their hooks run.
 * Every node of a chain must run the same list (it decides state transitions), so this is
 * code, not configuration. Each feature adds its own line here.
 */
import { contractsModule } from "../dccn-app/contracts/index.js";
import { marketModule } from "../dccn-app/market/index.js";
import type { Module } from "../dccn-app/module.js";
import { createStakingModule } from "../dccn-app/staking/index.js";

export function appModules(): Module[] {
  return [contractsModule(), marketModule, createStakingModule()];
}
