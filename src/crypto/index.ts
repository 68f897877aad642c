export * from "./address.js";
export * from "./ed25519.js";
export * from "./hash.js";
export * from "./merkle.js";
export * from "./verify-pool.js";
