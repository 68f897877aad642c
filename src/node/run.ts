/** Entry used by `dccn start`: load the home's config and run a node until stopped. */
import { loadConfig } from "../config/config.js";
import type { Logger } from "../log.js";
import { startMemoryLog, tuneHeapGrowth } from "./memory.js";
import { DccnNode, type NodeRole } from "./node.js";

export interface RunNodeOptions {
  readonly home: string;
  readonly logger: Logger;
  readonly role?: NodeRole;
}

export interface RunningNode {
  stop(): Promise<void>;
  readonly done: Promise<void>;
  readonly node: DccnNode;
}

export async function runNode(opts: RunNodeOptions): Promise<RunningNode> {
  const config = loadConfig(opts.home);
  // Bounds the heap (and the native memory of garbage awaiting GC) under sustained load; see memory.ts.
  const heapFlag = tuneHeapGrowth();
  const node = await DccnNode.start({ config, role: opts.role ?? "validator", logger: opts.logger });
  if (heapFlag !== null) opts.logger.debug("v8 heap growth capped", { flag: heapFlag });
  const stopMemoryLog = startMemoryLog(opts.logger.child("memory"));
  const done = node.done.finally(stopMemoryLog);
  // `done` may reject (a fatal stop); callers await it, this copy only must not go unhandled.
  done.catch(() => {});
  return { stop: () => node.stop(), done, node };
}
