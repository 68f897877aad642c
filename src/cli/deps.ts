/**
 * What the CLI needs from the rest of the node, injected so the program can run in-process in
 * tests. The defaults load the real modules lazily: `dccn keys list` should not pay for
 * loading libp2p and the VM.
 */

import type { LogConfig } from "../config/types.js";
import type { ScryptParams } from "../keyring/envelope.js";
import { createLogger, type Logger } from "../log.js";
import { type CliIo, processIo } from "./io.js";
import { promptHidden } from "./prompt.js";

export type NodeRole = "validator" | "full";

export interface RunNodeOptions {
  readonly home: string;
  readonly logger: Logger;
  readonly role?: NodeRole;
}

export interface RunningNode {
  stop(): Promise<void>;
  /** Settles when the node has stopped (rejects if it died). */
  readonly done: Promise<void>;
}

export interface ValidatorKeyInfo {
  readonly address: Uint8Array;
  readonly pubKey: Uint8Array;
}

export interface CliDeps {
  readonly io: CliIo;
  generateValidatorKeyFile(path: string): Promise<ValidatorKeyInfo>;
  runNode(opts: RunNodeOptions): Promise<RunningNode>;
  /** Resolves with the signal name when the user asks the node to stop. */
  waitForShutdown(): Promise<string>;
  makeLogger(cfg: LogConfig): Logger;
  /** Wall clock for genesis_time (only at `init`, never in consensus). */
  now(): number;
  /** Injected into RPC clients (tests); defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Asks for a secret without echoing it; absent when there is no terminal. */
  readonly promptPassword?: (question: string) => Promise<string>;
  /** KDF cost of new encrypted keys and exports (tests use a cheap one); default N=2^17, r=8, p=1. */
  readonly keyringKdf?: ScryptParams;
  /** Environment variables read by commands (DCCN_KEYRING_PASSWORD, …); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** SIGINT/SIGTERM once: graceful stop. A second one: leave immediately. */
function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export function defaultDeps(io: CliIo = processIo): CliDeps {
  return {
    io,
    async generateValidatorKeyFile(path) {
      const privval = await import("../privval/index.js");
      return privval.generateValidatorKeyFile(path);
    },
    async runNode(opts) {
      const node = await import("../node/run.js");
      return node.runNode(opts);
    },
    waitForShutdown: waitForSignal,
    makeLogger: (cfg) => createLogger("node", { level: cfg.level, json: cfg.format === "json" }),
    now: () => Date.now(),
    ...(process.stdin.isTTY ? { promptPassword: promptHidden } : {}),
  };
}
