/**
 * Who may rate whom after a deal: the tenant rates the resource provider (and the app provider,
 * if any), the resource provider rates the tenant — each once per task, after completion.
 */
import { MarketError } from "./errors.js";
import type { TaskLifecycle } from "./lifecycle.js";
import type { ReputationRole } from "./reputation.js";

export interface RatingTarget {
  readonly address: string;
  readonly role: ReputationRole;
}

/**
 * The parties `rater` rates for a finished task, given the raters already recorded for it.
 * Throws REPUTATION_NOT_RATABLE (task not completed, or rater not a party) or
 * REPUTATION_ALREADY_RATED.
 */
export function ratingTargets(
  task: TaskLifecycle,
  appProvider: string | undefined,
  rater: string,
  alreadyRated: readonly string[],
): RatingTarget[] {
  if (task.status !== "completed" || task.provider === undefined) {
    throw new MarketError(
      "REPUTATION_NOT_RATABLE",
      `only a completed task can be rated; this one is ${task.status}`,
    );
  }
  if (alreadyRated.includes(rater)) {
    throw new MarketError("REPUTATION_ALREADY_RATED", `${rater} has already rated this task`, { rater });
  }
  if (rater === task.owner) {
    const targets: RatingTarget[] = [{ address: task.provider, role: "resourceProvider" }];
    if (appProvider !== undefined) targets.push({ address: appProvider, role: "appProvider" });
    return targets;
  }
  if (rater === task.provider) return [{ address: task.owner, role: "consumer" }];
  throw new MarketError("REPUTATION_NOT_RATABLE", `${rater} took no part in this task`, { rater });
}
