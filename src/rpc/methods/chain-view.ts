/** Reads shared by the block and info methods: the stored range and header versions. */
import type { RpcEnv } from "../env.js";
import type { HeaderVersion } from "../format.js";

export interface StoredRange {
  readonly latest: number;
  readonly base: number;
}

export async function storedRange(env: RpcEnv): Promise<StoredRange> {
  const [latest, base] = await Promise.all([env.blockStore.height(), env.blockStore.base()]);
  return { latest, base };
}

/**
 * The latest height whose validators/params are known: the next block's, unless the node is
 * still catching up (CometBFT's latestUncommittedHeight).
 */
export function latestUncommittedHeight(env: RpcEnv, latest: number): number {
  return env.isCatchingUp() ? latest : latest + 1;
}

export function headerVersion(env: RpcEnv): HeaderVersion {
  const v = env.nodeInfo().protocolVersion;
  return { block: v.block, app: v.app };
}
