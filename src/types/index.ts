export * from "./block.js";
export * from "./params.js";
export * from "./tx.js";
export * from "./validator.js";
export * from "./vote.js";
