import { readFileSync } from "node:fs";

/** The package version, read once from package.json (dist/src/node → ../../../package.json). */
function readVersion(): string {
  for (const rel of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "dccn-node" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return "0.0.0";
}

export const VERSION = readVersion();
/** Block protocol version shown in headers' `version.block` (CometBFT v0.38 uses 11). */
export const BLOCK_PROTOCOL = 11;
export const P2P_PROTOCOL = 8;
export const APP_PROTOCOL = 1;
