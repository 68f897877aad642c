export { ConsensusHost, type ConsensusNetwork } from "./consensus-host.js";
export { HEAP_GROWING_PERCENT, startMemoryLog, tuneHeapGrowth } from "./memory.js";
export { DccnNode, type NodeOptions, type NodeRole } from "./node.js";
export { type RunNodeOptions, type RunningNode, runNode } from "./run.js";
export { VERSION } from "./version.js";
