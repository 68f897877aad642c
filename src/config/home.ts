/**
 * The home directory layout (CometBFT-like). Every path a node or the CLI touches is derived
 * here, so the layout is written down once.
 *
 *   <home>/config/{config.toml, genesis.json, node_key.json, priv_validator_key.json}
 *   <home>/data/            databases, priv_validator_state.json, WAL
 *   <home>/keyring-test/    unencrypted development keys
 */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

export const DEFAULT_HOME_DIRNAME = ".dccn";

/** `~/.dccn`, or `$DCCN_HOME` when set. */
export function defaultHome(): string {
  const fromEnv = process.env.DCCN_HOME;
  return fromEnv !== undefined && fromEnv !== "" ? resolve(fromEnv) : join(homedir(), DEFAULT_HOME_DIRNAME);
}

/** Resolves a user-supplied home (`~` expanded, relative to the working directory). */
export function resolveHome(dir: string): string {
  if (dir === "~") return homedir();
  if (dir.startsWith("~/")) return join(homedir(), dir.slice(2));
  return resolve(dir);
}

/** A path from config.toml: absolute paths stay, relative ones are relative to the home. */
export function resolveInHome(home: string, path: string): string {
  return isAbsolute(path) ? path : join(home, path);
}

export interface HomeLayout {
  readonly home: string;
  readonly configDir: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly keyringTestDir: string;
}

export function homeLayout(home: string): HomeLayout {
  const abs = resolve(home);
  return {
    home: abs,
    configDir: join(abs, "config"),
    dataDir: join(abs, "data"),
    configFile: join(abs, "config", "config.toml"),
    keyringTestDir: join(abs, "keyring-test"),
  };
}
