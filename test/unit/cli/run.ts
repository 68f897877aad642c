/** Runs the real `dccn` command tree in-process with captured output. */

import type { CliDeps } from "../../../src/cli/deps.js";
import { runCli } from "../../../src/cli/program.js";
import { silentLogger } from "../../../src/log.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = unknown>(): T;
}

/** Fixed clock so genesis files are reproducible. */
export const GENESIS_NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 6);

export async function dccn(args: string[], deps: Partial<CliDeps> = {}, stdin = ""): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    io: { out: (s) => out.push(s), err: (s) => err.push(s), readStdin: async () => stdin },
    now: () => GENESIS_NOW,
    makeLogger: () => silentLogger,
    // Encrypted keys with a cheap KDF: the cost is stored in each file, the code path is the same.
    keyringKdf: { log2n: 10, r: 8, p: 1 },
    ...deps,
  });
  const stdout = out.join("");
  return {
    code,
    stdout,
    stderr: err.join(""),
    json: <T>() => JSON.parse(stdout) as T,
  };
}
