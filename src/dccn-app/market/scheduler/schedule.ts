/**
 * The WDRF scheduler run at EndBlock over pending tasks (seed pp.6–8): a pure function of the
 * market's state, so every node computes the same placements.
 *
 * 1. Select at most `maxTasksPerCall` candidates by weighted round-robin over users: user i's
 *    k-th oldest task gets virtual time (k+1)/w_i, ties to the user with the lower market-wide
 *    weighted dominant share, then the lower address. One user's backlog cannot crowd out the
 *    others, and whoever was passed over has the lower share next block.
 * 2. Route every candidate with Filter + Prioritize (InstanceIndex.best) to its best instance,
 *    which names the provider whose queue it joins. Routing sees free capacity at the start of
 *    the round; so that one batch does not all queue at the single best provider, a provider
 *    leaves the routing view once the demand routed to it passes routingOversubscriptionPct of
 *    its free capacity — enough contenders for WDRF to choose among — unless no other provider
 *    can take the task (with one provider, this is exactly the seed's algorithm).
 * 3. WDRFSche per provider: capacities R (its available instances), consumed C (running tasks +
 *    this call's placements), U_i (user i's tasks there, carried between blocks through `usage`).
 *    Repeatedly pick the user with the lowest s_i = max_j(U_ij/R_j)/w_i (ties: lower address),
 *    take D, the demand of its next task (oldest first, ties by id). If C + D ≤ R and one of the
 *    provider's instances still fits D, place it there (best score again) and update C, U_i, s_i;
 *    else the provider is full: it takes nothing more this call.
 * 4. Tasks left in full providers' queues are routed again among open providers, up to
 *    `maxRounds` rounds; the rest stay pending for the next block.
 *
 * Cost: O(P log P) to order the pending tasks, O(N log N) to build the index, then per round
 * (at most maxRounds) O(N) to copy the routing view, O(T · log n) routing and O(T · log U) heap
 * work for T ≤ maxTasksPerCall candidates. Everything is bigint or integer; nothing depends on
 * input order or on Map iteration order.
 */
import { MarketError } from "../errors.js";
import { minBig, ONE } from "../fixed.js";
import { assertResources, subFloorZero, toVector } from "../resources.js";
import { type Candidate, compileQuery, selectCandidates } from "./candidates.js";
import { type IndexedInstance, InstanceIndex } from "./instance-index.js";
import { weightedShareOf } from "./share.js";
import {
  type Assignment,
  checkSchedulerParams,
  DEFAULT_SCHEDULER_PARAMS,
  type InstanceState,
  type ScheduleInput,
  type ScheduleResult,
  type SchedulerParams,
} from "./types.js";
import { addInto, DIMS, zeroVector } from "./vector.js";
import { newProviderRun, oversubscribed, type ProviderRun, wdrfAtProvider } from "./wdrf.js";

const invalid = (message: string) => new MarketError("MARKET_INVALID_INPUT", message);
const compareStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The validated market for one call: the index, each provider's WDRF state, users' weights. */
interface MarketView {
  readonly index: InstanceIndex;
  /** Available instances in leaf order. */
  readonly instances: readonly InstanceState[];
  readonly runs: ReadonlyMap<string, ProviderRun>;
  readonly weightOf: (user: string) => bigint;
  /** A user's weighted dominant share of the whole market (candidate tie-break). */
  readonly marketShareOf: (user: string) => bigint;
}

/** Σ_m w_m · R_im per provider, after checking the provider list. */
function providerScores(
  input: ScheduleInput,
  params: SchedulerParams,
): Map<string, { repPart: bigint; reputation: bigint }> {
  const out = new Map<string, { repPart: bigint; reputation: bigint }>();
  for (const p of input.providers) {
    if (out.has(p.address)) throw invalid(`provider ${p.address} is listed twice`);
    if (p.indices.length !== params.indexWeights.length) {
      throw invalid(
        `provider ${p.address} has ${p.indices.length} indices, params weigh ${params.indexWeights.length}`,
      );
    }
    if (p.reputation < 0n || p.indices.some((v) => v < 0n)) {
      throw invalid(`provider ${p.address} has a negative reputation or index`);
    }
    let repPart = 0n;
    p.indices.forEach((v, m) => {
      repPart += params.indexWeights[m]! * v;
    });
    out.set(p.address, { repPart, reputation: p.reputation });
  }
  return out;
}

function buildMarketView(input: ScheduleInput, params: SchedulerParams): MarketView {
  const scores = providerScores(input, params);

  const seen = new Set<string>();
  const instances: InstanceState[] = [];
  for (const x of input.instances) {
    const key = `${x.provider}\u0000${x.id}`;
    if (seen.has(key)) throw invalid(`instance ${x.id} of ${x.provider} is listed twice`);
    seen.add(key);
    assertResources(x.capacity, `instance ${x.id} capacity`);
    assertResources(x.prices, `instance ${x.id} prices`);
    assertResources(x.used, `instance ${x.id} used`);
    if (!scores.has(x.provider)) throw invalid(`instance ${x.id} belongs to unknown provider ${x.provider}`);
    if (x.available) instances.push(x);
  }
  // Leaf order: best provider score first (right-hand subtrees bound lower, so searches prune
  // sooner), then provider and id; each provider's instances stay contiguous.
  const repOf = (x: InstanceState) => scores.get(x.provider)!.repPart;
  instances.sort((a, b) => {
    const ra = repOf(a);
    const rb = repOf(b);
    return ra > rb ? -1 : ra < rb ? 1 : compareStr(a.provider, b.provider) || compareStr(a.id, b.id);
  });
  const indexed: IndexedInstance[] = instances.map((x) => ({
    provider: x.provider,
    id: x.id,
    free: toVector(subFloorZero(x.capacity, x.used)),
    prices: toVector(x.prices),
    region: x.region,
    tags: x.tags,
    repPart: scores.get(x.provider)!.repPart,
    reputation: scores.get(x.provider)!.reputation,
  }));
  const index = new InstanceIndex(indexed, params.priceWeight);

  const runs = new Map<string, ProviderRun>();
  const marketCapacity = zeroVector();
  instances.forEach((x, leaf) => {
    let run = runs.get(x.provider);
    if (run === undefined) {
      run = newProviderRun(x.provider, leaf);
      runs.set(x.provider, run);
    }
    run.hi = leaf + 1;
    const cap = toVector(x.capacity);
    const used = toVector(x.used);
    for (let k = 0; k < DIMS; k++) {
      run.capacity[k]! += cap[k]!;
      run.consumed[k]! += minBig(used[k]!, cap[k]!);
      marketCapacity[k]! += cap[k]!;
    }
  });

  const weights = new Map<string, bigint>();
  for (const u of input.users) {
    if (u.weight <= 0n) throw invalid(`user ${u.address} needs a positive weight, got ${u.weight}`);
    if (weights.has(u.address)) throw invalid(`user ${u.address} is listed twice`);
    weights.set(u.address, u.weight);
  }
  const weightOf = (user: string): bigint => weights.get(user) ?? ONE;

  // Carried usage: U_i per provider for WDRF, and market-wide for candidate tie-breaks.
  const marketUsed = new Map<string, bigint[]>();
  for (const u of input.usage) {
    assertResources(u.used, `usage of ${u.user} at ${u.provider}`);
    const v = toVector(u.used);
    const total = marketUsed.get(u.user) ?? zeroVector();
    addInto(total, v);
    marketUsed.set(u.user, total);
    const run = runs.get(u.provider);
    if (run === undefined) continue;
    const at = run.userUsed.get(u.user) ?? zeroVector();
    addInto(at, v);
    run.userUsed.set(u.user, at);
  }
  const marketShareOf = (user: string): bigint =>
    weightedShareOf(marketUsed.get(user) ?? zeroVector(), marketCapacity, weightOf(user));

  return { index, instances, runs, weightOf, marketShareOf };
}

/** Runs Filter, Prioritize and WDRFSche for one block. Pure: the input is not modified. */
export function scheduleTasks(
  input: ScheduleInput,
  params: SchedulerParams = DEFAULT_SCHEDULER_PARAMS,
): ScheduleResult {
  checkSchedulerParams(params);
  const market = buildMarketView(input, params);
  const { index, runs } = market;
  const candidates = selectCandidates(
    input.pending,
    params.maxTasksPerCall,
    market.weightOf,
    market.marketShareOf,
  ).map(
    (task, rank): Candidate => ({
      task,
      rank,
      demand: toVector(task.demand),
      query: compileQuery(task, index),
    }),
  );

  const assignments: Assignment[] = [];
  const unplaced: string[] = [];
  const fullProviders: string[] = [];
  let queue = candidates;
  let rounds = 0;
  while (queue.length > 0 && rounds < params.maxRounds) {
    rounds++;
    // Step 2, Filter + Prioritize: each candidate joins its best instance's provider's queue.
    // The routing view drops a provider once this round's claims on it pass the oversubscription
    // limit; a task that fits nowhere else still goes to its overall best.
    const routing = index.clone();
    const claims = new Map<string, bigint[]>();
    const routed = new Map<string, Candidate[]>();
    for (const c of queue) {
      let leaf = -1;
      if (c.query !== undefined) {
        leaf = routing.best(c.query, 0, routing.size, params.maxVisitsPerTask).leaf;
        if (leaf < 0) leaf = index.best(c.query, 0, index.size, params.maxVisitsPerTask).leaf;
      }
      if (leaf < 0) {
        unplaced.push(c.task.id);
        continue;
      }
      const provider = index.provider(leaf);
      const list = routed.get(provider);
      if (list === undefined) routed.set(provider, [c]);
      else list.push(c);
      const run = runs.get(provider)!;
      const claim = claims.get(provider) ?? zeroVector();
      addInto(claim, c.demand);
      claims.set(provider, claim);
      if (oversubscribed(claim, run, params.routingOversubscriptionPct)) routing.close(run.lo, run.hi);
    }
    // Step 3, WDRFSche per provider. Providers touch disjoint leaves and their own users' shares,
    // so their order does not matter; sorted anyway so traces read the same everywhere.
    const spill: Candidate[] = [];
    for (const provider of [...routed.keys()].sort(compareStr)) {
      const run = runs.get(provider)!;
      spill.push(
        ...wdrfAtProvider(
          run,
          routed.get(provider)!,
          index,
          market.instances,
          params,
          market.weightOf,
          assignments,
        ),
      );
      if (run.full) fullProviders.push(provider);
    }
    spill.sort((a, b) => a.rank - b.rank);
    queue = spill;
  }
  for (const c of queue) unplaced.push(c.task.id);
  unplaced.sort(compareStr);
  fullProviders.sort(compareStr);
  return { assignments, unplaced, considered: candidates.length, rounds, fullProviders };
}
