/** The Byzantine consensus simulator (test and tooling only; never part of a running node). */
export { Adversary, type AdversaryStats } from "./adversary.js";
export { SimError, type SimErrorCode } from "./errors.js";
export { Gossip } from "./gossip.js";
export {
  LIVENESS_ROUNDS,
  livenessBoundMs,
  Monitor,
  type Violation,
  type ViolationKind,
  validBlock,
} from "./monitor.js";
export { Prng } from "./prng.js";
export { RawSigner } from "./raw-signer.js";
export {
  DEFAULT_SEEDS,
  explainFailure,
  type RunSeedsOptions,
  type RunSeedsResult,
  replayOptions,
  runSeeds,
} from "./run-seeds.js";
export {
  BYZANTINE_BEHAVIOURS,
  type ByzantineBehaviour,
  type ByzantineSpec,
  buildScenario,
  type Crash,
  DEFAULT_HEIGHTS,
  describeScenario,
  type NetworkSpec,
  type Partition,
  replayCommand,
  type Scenario,
  type ScenarioOptions,
  SIM_TIMEOUTS,
  scaleTimeouts,
} from "./scenario.js";
export { SIM_CHAIN_ID, type SimOptions, type SimResult, type SimStats, simulate } from "./simulate.js";
export { Trace } from "./trace.js";
