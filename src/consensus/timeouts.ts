/** Timeout durations: base + delta·round, so rounds lengthen until the network's delay fits. */
import type { TimeoutConfig, TimeoutStep } from "./types.js";

/** setTimeout's limit; larger values would fire immediately in Node. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function timeoutDuration(config: TimeoutConfig, step: TimeoutStep, round: number): number {
  let base: number;
  let delta: number;
  switch (step) {
    case "propose":
      base = config.proposeMs;
      delta = config.proposeDeltaMs;
      break;
    case "prevote":
      base = config.prevoteMs;
      delta = config.prevoteDeltaMs;
      break;
    case "precommit":
      base = config.precommitMs;
      delta = config.precommitDeltaMs;
      break;
  }
  return Math.min(base + delta * round, MAX_TIMEOUT_MS);
}
