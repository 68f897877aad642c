/** Deterministic in-process consensus network for tests and the Byzantine simulator (not for production). */
export { makeTestBlock, type TestBlockSpec, testKeys, testValidatorSet } from "./fixtures.js";
export {
  type Delivery,
  defaultBuildBlock,
  type Envelope,
  type Outbound,
  type SignatureCheck,
  type TestkitErrorCode,
  TestNetwork,
  type TestNetworkOptions,
} from "./network.js";
export {
  type BuildRequest,
  type ConsensusSigner,
  type Decision,
  type NetMessage,
  type NodeEnvironment,
  TestNode,
  type TestNodeConfig,
} from "./node.js";
