import { describe, expect, it } from "vitest";
import {
  type NodeInstance,
  resources,
  type TaskSpec,
  totalDemand,
  validateInstance,
  validateTaskSpec,
} from "../../../src/dccn-app/market/index.js";
import { isDccnError } from "../../../src/errors.js";

const spec: TaskSpec = {
  demand: resources({ cpu: 500n, memory: 1n << 29n }),
  replicas: 2,
  kind: "job",
  durationSec: 3600,
  maxPricePerSec: 1_000_000n,
  appProvider: "ankr1app",
  appFeeBps: 300,
  constraints: { region: "eu", tags: ["ssd"], minReputation: 0n },
};

const inst: NodeInstance = {
  id: "i1",
  provider: "ankr1prov",
  capacity: resources({ cpu: 4000n, memory: 8n << 30n }),
  prices: resources({ cpu: 1n }),
  available: true,
  region: "eu",
  tags: ["ssd"],
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return isDccnError(err) ? err.code : "untyped";
  }
  return undefined;
}

describe("task and instance admission", () => {
  it("accepts a well-formed task and computes its whole demand", () => {
    expect(codeOf(() => validateTaskSpec(spec))).toBeUndefined();
    expect(totalDemand(spec)).toEqual(resources({ cpu: 1000n, memory: 1n << 30n }));
    expect(
      codeOf(() => validateTaskSpec({ ...spec, kind: "service", durationSec: undefined })),
    ).toBeUndefined();
  });

  it("rejects zero or negative resources and malformed tasks", () => {
    const cases: [Partial<TaskSpec>, string][] = [
      [{ demand: resources({}) }, "MARKET_INVALID_TASK"],
      [{ demand: resources({ cpu: 0n, memory: 1n }) }, "MARKET_INVALID_TASK"],
      [{ demand: resources({ cpu: -1n, memory: 1n }) }, "MARKET_INVALID_RESOURCES"],
      [{ demand: resources({ cpu: 2n ** 62n, memory: 1n }), replicas: 4 }, "MARKET_INVALID_RESOURCES"],
      [{ replicas: 0 }, "MARKET_INVALID_TASK"],
      [{ replicas: 1.5 }, "MARKET_INVALID_TASK"],
      [{ durationSec: undefined }, "MARKET_INVALID_TASK"],
      [{ kind: "service" }, "MARKET_INVALID_TASK"],
      [{ maxPricePerSec: -1n }, "MARKET_INVALID_TASK"],
      [{ appProvider: undefined }, "MARKET_INVALID_TASK"],
      [{ appFeeBps: 60_000 }, "MARKET_INVALID_TASK"],
      [{ constraints: { tags: ["a", "a"] } }, "MARKET_INVALID_TASK"],
      [{ constraints: { region: "" } }, "MARKET_INVALID_TASK"],
      [{ constraints: { minReputation: -1n } }, "MARKET_INVALID_TASK"],
    ];
    for (const [over, code] of cases) {
      expect(
        codeOf(() => validateTaskSpec({ ...spec, ...over })),
        JSON.stringify(Object.keys(over)),
      ).toBe(code);
    }
  });

  it("checks instances", () => {
    expect(codeOf(() => validateInstance(inst))).toBeUndefined();
    expect(codeOf(() => validateInstance({ ...inst, capacity: resources({ memory: 1n }) }))).toBe(
      "MARKET_INVALID_INSTANCE",
    );
    expect(codeOf(() => validateInstance({ ...inst, prices: resources({ cpu: -2n }) }))).toBe(
      "MARKET_INVALID_RESOURCES",
    );
    expect(codeOf(() => validateInstance({ ...inst, tags: ["x", "x"] }))).toBe("MARKET_INVALID_INSTANCE");
    expect(codeOf(() => validateInstance({ ...inst, id: "" }))).toBe("MARKET_INVALID_INSTANCE");
  });
});
