/** Random but seeded markets for the scheduler's property tests. */
import {
  type InstanceState,
  ONE,
  type PendingTask,
  type ProviderView,
  type Resources,
  resources,
  type ScheduleInput,
  type UserUsage,
  type UserView,
} from "../../../src/dccn-app/market/index.js";
import type { Prng } from "./prng.js";

export const REGIONS = ["eu", "us", "asia"];
export const TAGS = ["ssd", "gpu", "edge", "tier3"];

export function randomCapacity(rng: Prng): Resources {
  return resources({
    cpu: BigInt(rng.int(1, 16) * 1000),
    memory: BigInt(rng.int(1, 64)) << 30n,
    disk: BigInt(rng.int(0, 500)) << 30n,
    bandwidth: BigInt(rng.int(0, 10) * 100_000_000),
    gpu: BigInt(rng.chance(20) ? rng.int(1, 4) : 0),
  });
}

export function randomDemand(rng: Prng): Resources {
  return resources({
    cpu: BigInt(rng.int(1, 40) * 100),
    memory: BigInt(rng.int(1, 64)) << 27n,
    disk: rng.chance(50) ? BigInt(rng.int(1, 100)) << 28n : 0n,
    bandwidth: rng.chance(30) ? BigInt(rng.int(1, 50) * 1_000_000) : 0n,
    gpu: rng.chance(5) ? 1n : 0n,
  });
}

export function randomPrices(rng: Prng): Resources {
  return resources({
    cpu: BigInt(rng.int(1, 1000)) * 1_000n,
    memory: BigInt(rng.int(1, 100)),
    disk: BigInt(rng.int(0, 10)),
    bandwidth: BigInt(rng.int(0, 10)),
    gpu: BigInt(rng.int(1, 1000)) * 1_000_000n,
  });
}

export interface MarketShape {
  providers: number;
  instancesPerProvider: number;
  users: number;
  tasks: number;
  /** Percentage of tasks carrying constraints. */
  constrained?: number;
  /** Percentage of instances already partly used. */
  busy?: number;
}

export function randomMarket(rng: Prng, shape: MarketShape): ScheduleInput {
  const providers: ProviderView[] = [];
  const instances: InstanceState[] = [];
  for (let p = 0; p < shape.providers; p++) {
    const address = `ankr1prov${String(p).padStart(5, "0")}`;
    providers.push({
      address,
      reputation: BigInt(rng.int(0, 100)) * (ONE / 100n),
      indices: Array.from({ length: 5 }, () => BigInt(rng.int(0, 1000)) * (ONE / 1000n)),
    });
    for (let j = 0; j < shape.instancesPerProvider; j++) {
      const capacity = randomCapacity(rng);
      const busy = rng.chance(shape.busy ?? 0);
      instances.push({
        id: `inst-${j}`,
        provider: address,
        capacity,
        used: busy ? resources({ cpu: capacity.cpu / 2n, memory: capacity.memory / 3n }) : resources({}),
        prices: randomPrices(rng),
        available: !rng.chance(5),
        region: rng.pick(REGIONS),
        tags: TAGS.filter(() => rng.chance(40)),
      });
    }
  }
  const users: UserView[] = [];
  for (let u = 0; u < shape.users; u++) {
    users.push({ address: `ankr1user${String(u).padStart(5, "0")}`, weight: ONE * BigInt(rng.int(1, 3)) });
  }
  const pending: PendingTask[] = [];
  for (let t = 0; t < shape.tasks; t++) {
    const owner = rng.pick(users).address;
    const constrained = rng.chance(shape.constrained ?? 0);
    pending.push({
      id: `task-${String(t).padStart(6, "0")}`,
      owner,
      submitHeight: rng.int(1, 5),
      demand: randomDemand(rng),
      maxPricePerSec: BigInt(rng.int(1, 100)) * 10n ** 10n,
      ...(constrained
        ? {
            constraints: {
              ...(rng.chance(50) ? { region: rng.pick(REGIONS) } : {}),
              ...(rng.chance(50) ? { tags: [rng.pick(TAGS)] } : {}),
              ...(rng.chance(30) ? { minReputation: BigInt(rng.int(0, 100)) * (ONE / 100n) } : {}),
            },
          }
        : {}),
      ...(rng.chance(5) && providers.length > 0 ? { avoidProviders: [rng.pick(providers).address] } : {}),
    });
  }
  const usage: UserUsage[] = [];
  return { instances, providers, users, usage, pending };
}
