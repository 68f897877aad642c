/** Where the node's databases live under its home directory. */
import { join } from "node:path";

export interface DataPaths {
  readonly blockStore: string;
  readonly stateStore: string;
  readonly application: string;
}

export function dataPaths(home: string): DataPaths {
  const data = join(home, "data");
  return {
    blockStore: join(data, "blockstore.db"),
    stateStore: join(data, "state.db"),
    application: join(data, "application.db"),
  };
}
