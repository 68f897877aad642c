import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunNodeOptions, RunningNode } from "../../../src/cli/deps.js";
import { loadGenesisFile } from "../../../src/genesis/index.js";
import { dccn } from "./run.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "dccn-cli-node-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A stand-in for runNode that records how it was called and whether it was stopped. */
function fakeNode() {
  const calls: RunNodeOptions[] = [];
  const state = { stopped: false };
  let resolve: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const runNode = async (opts: RunNodeOptions): Promise<RunningNode> => {
    calls.push(opts);
    return {
      stop: async () => {
        state.stopped = true;
        resolve();
      },
      done,
    };
  };
  return { calls, state, runNode };
}

describe("dccn start", () => {
  it("runs the node of the home and stops it on a signal", async () => {
    const home = join(root, "h");
    expect((await dccn(["init", "--home", home, "--chain-id", "c1"])).code).toBe(0);
    const node = fakeNode();
    const r = await dccn(["start", "--home", home, "--role", "full", "-o", "json"], {
      runNode: node.runNode,
      waitForShutdown: async () => "SIGTERM",
    });
    expect(r.code).toBe(0);
    expect(node.calls).toHaveLength(1);
    expect(node.calls[0]).toMatchObject({ home, role: "full" });
    expect(node.state.stopped).toBe(true);
    expect(r.json()).toEqual({ home, stopped: true, signal: "SIGTERM" });
  });

  it("fails in one line when the node dies", async () => {
    const home = join(root, "h");
    await dccn(["init", "--home", home, "--chain-id", "c1"]);
    const r = await dccn(["start", "--home", home], {
      runNode: async () => ({ stop: async () => {}, done: Promise.reject(new Error("disk full")) }),
      waitForShutdown: () => new Promise(() => {}),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: disk full\n");
  });

  it("refuses to start a home that was never initialized", async () => {
    const node = fakeNode();
    const r = await dccn(["start", "--home", join(root, "empty")], { runNode: node.runNode });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[CONFIG_NOT_FOUND]");
    expect(node.calls).toHaveLength(0);
  });
});

describe("dccn dev", () => {
  it("initializes a dccn-dev home on first run and reuses it afterwards", async () => {
    const home = join(root, "dev");
    const first = fakeNode();
    const r = await dccn(["dev", "--home", home], {
      runNode: first.runNode,
      waitForShutdown: async () => "SIGINT",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("created development home");
    const genesisPath = join(home, "config", "genesis.json");
    expect(loadGenesisFile(genesisPath).chainId).toBe("dccn-dev");
    expect(existsSync(join(home, "keyring-test", "validator.json"))).toBe(true);
    expect(first.calls[0]).toMatchObject({ home, role: "validator" });
    expect(first.state.stopped).toBe(true);

    const genesis = readFileSync(genesisPath, "utf8");
    const second = fakeNode();
    const again = await dccn(["start-dev", "--home", home], {
      runNode: second.runNode,
      waitForShutdown: async () => "SIGINT",
    });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("");
    expect(readFileSync(genesisPath, "utf8")).toBe(genesis);
    expect(second.calls).toHaveLength(1);
  });
});
