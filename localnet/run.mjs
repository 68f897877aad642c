#!/usr/bin/env node
/**
 * `npm run localnet` / `npm run localnet:stop`: 4 validators and 1 full node as background
 * processes on 127.0.0.1, run by the built CLI (`dccn localnet …`, src/cli/commands/localnet.ts).
 *
 *   node localnet/run.mjs start    generate localnet/out on first use, start the nodes not running,
 *                                  return once every RPC answers
 *   node localnet/run.mjs stop     stop them all
 *   node localnet/run.mjs status   which nodes run, and their heights
 *   node localnet/run.mjs reset    stop them and delete the network (a new chain next start)
 *
 * $DCCN_LOCALNET_DIR replaces localnet/out; $DCCN_LOCALNET_BASE_PORT moves the port layout
 * (node i: p2p 26656+10i, RPC 26657+10i, metrics 26660+10i) when the network is generated.
 * Needs `npm run build` first (the `npm run localnet` script does it).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "src", "cli", "main.js");
const COMMANDS = ["start", "stop", "status", "reset"];

const command = process.argv[2] ?? "start";
if (!COMMANDS.includes(command)) {
  console.error(`usage: node localnet/run.mjs [${COMMANDS.join("|")}]`);
  process.exit(2);
}
if (!existsSync(CLI)) {
  console.error(`localnet: ${CLI} is missing; run \`npm run build\` first`);
  process.exit(1);
}
const args = [
  CLI,
  "localnet",
  command,
  "--home",
  process.env.DCCN_LOCALNET_DIR ?? join(ROOT, "localnet", "out"),
];
if (command === "start" && process.env.DCCN_LOCALNET_BASE_PORT) {
  args.push("--base-port", process.env.DCCN_LOCALNET_BASE_PORT);
}
const r = spawnSync(process.execPath, [...args, ...process.argv.slice(3)], { stdio: "inherit" });
process.exitCode = r.status ?? 1;
