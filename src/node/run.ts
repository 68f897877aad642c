/** Entry used by `dccn start`: load the home's config and run a node until stopped. */
import { loadConfig } from "../config/config.js";
import type { Logger } from "../log.js";
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
  const node = await DccnNode.start({ config, role: opts.role ?? "validator", logger: opts.logger });
  return { stop: () => node.stop(), done: node.done, node };
}
