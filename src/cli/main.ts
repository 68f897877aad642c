#!/usr/bin/env node
import "../polyfill.js";
import { runCli } from "./program.js";

const status = await runCli(process.argv.slice(2));
process.exitCode = status;
// Normally the event loop is empty by now; if a library left a handle open, do not hang.
setTimeout(() => process.exit(status), 5_000).unref();
