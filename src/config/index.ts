export {
  buildConfig,
  type ConfigPaths,
  configPaths,
  defaultConfig,
  loadConfig,
  parseConfigToml,
  parseTcpLaddr,
  rpcUrlFromLaddr,
  serializeConfig,
  writeDefaultConfig,
} from "./config.js";
export { ConfigError, type ConfigErrorCode } from "./errors.js";
export { hasErrno, type WriteOptions, writeFileAtomic } from "./fs.js";
export { defaultHome, type HomeLayout, homeLayout, resolveHome, resolveInHome } from "./home.js";
export * from "./node-key.js";
export type * from "./types.js";
