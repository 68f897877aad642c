/**
 * Loading, validating and writing `<home>/config/config.toml`. Missing keys take their
 * defaults (so older files keep working); unknown keys and wrong values are refused with a
 * `CONFIG_INVALID` error naming the key, so a typo never silently falls back to a default.
 */
import { readFileSync } from "node:fs";
import { parse, stringify, TomlError } from "smol-toml";
import { ConfigError } from "./errors.js";
import { CONFIG_SPEC, camelToSnake, type FieldSpec, SECTION_DOCS, type SectionSpec } from "./fields.js";
import { hasErrno, writeFileAtomic } from "./fs.js";
import { homeLayout, resolveInHome } from "./home.js";
import type { BaseConfig, ConfigOverrides, ConfigSections, NodeConfig, SectionName } from "./types.js";

const SECTION_NAMES: readonly SectionName[] = [
  "rpc",
  "p2p",
  "mempool",
  "consensus",
  "app",
  "txIndex",
  "instrumentation",
  "log",
];

function sectionDefaults<S>(spec: SectionSpec<S>): S {
  const out: Record<string, unknown> = {};
  for (const [prop, field] of Object.entries(spec) as [string, FieldSpec<unknown>][])
    out[prop] = field.default;
  return out as S;
}

function allDefaults(): ConfigSections {
  return {
    base: sectionDefaults(CONFIG_SPEC.base),
    rpc: sectionDefaults(CONFIG_SPEC.rpc),
    p2p: sectionDefaults(CONFIG_SPEC.p2p),
    mempool: sectionDefaults(CONFIG_SPEC.mempool),
    consensus: sectionDefaults(CONFIG_SPEC.consensus),
    app: sectionDefaults(CONFIG_SPEC.app),
    txIndex: sectionDefaults(CONFIG_SPEC.txIndex),
    instrumentation: sectionDefaults(CONFIG_SPEC.instrumentation),
    log: sectionDefaults(CONFIG_SPEC.log),
  };
}

export function defaultConfig(home: string): NodeConfig {
  return assemble(homeLayout(home).home, allDefaults());
}

function assemble(home: string, s: ConfigSections): NodeConfig {
  return { home, ...s.base, ...pickSections(s) };
}

function pickBase(c: NodeConfig): BaseConfig {
  return {
    moniker: c.moniker,
    dbDir: c.dbDir,
    genesisFile: c.genesisFile,
    nodeKeyFile: c.nodeKeyFile,
    privValidatorKeyFile: c.privValidatorKeyFile,
    privValidatorStateFile: c.privValidatorStateFile,
  };
}

function pickSections(s: ConfigSections | NodeConfig): Omit<ConfigSections, "base"> {
  return {
    rpc: s.rpc,
    p2p: s.p2p,
    mempool: s.mempool,
    consensus: s.consensus,
    app: s.app,
    txIndex: s.txIndex,
    instrumentation: s.instrumentation,
    log: s.log,
  };
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function unknownKey(key: string, known: readonly string[]): ConfigError {
  return new ConfigError(
    "CONFIG_INVALID",
    `config.toml: unknown key ${key} (known keys here: ${known.join(", ")})`,
    { key },
  );
}

/** Reads the keys of one table; `prefix` is "" for top-level keys or "rpc." etc. */
function readSection<S>(spec: SectionSpec<S>, defaults: S, entries: [string, unknown][], prefix: string): S {
  const byTomlKey = new Map<string, { prop: string; field: FieldSpec<unknown> }>();
  for (const [prop, field] of Object.entries(spec) as [string, FieldSpec<unknown>][]) {
    byTomlKey.set(camelToSnake(prop), { prop, field });
  }
  const out: Record<string, unknown> = { ...(defaults as object) };
  for (const [key, value] of entries) {
    const known = byTomlKey.get(key);
    if (known === undefined) throw unknownKey(`${prefix}${key}`, [...byTomlKey.keys()]);
    out[known.prop] = known.field.read(value, `${prefix}${key}`);
  }
  return out as S;
}

function crossCheck(cfg: NodeConfig): void {
  if (cfg.mempool.maxTxBytes > cfg.mempool.maxTxsBytes) {
    throw new ConfigError(
      "CONFIG_INVALID",
      "config.toml: mempool.max_tx_bytes must not exceed mempool.max_txs_bytes",
      { key: "mempool.max_tx_bytes" },
    );
  }
}

/** Parses and validates config.toml text. `home` is recorded in the result (paths stay relative). */
export function parseConfigToml(text: string, home: string): NodeConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text, { unsafeKeyBehaviour: "throw" });
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : "";
    const first = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    throw new ConfigError("CONFIG_INVALID", `config.toml is not valid TOML${where}: ${first}`);
  }
  const defaults = allDefaults();
  const baseEntries: [string, unknown][] = [];
  const sectionEntries = new Map<SectionName, [string, unknown][]>();
  for (const [key, value] of Object.entries(doc)) {
    const section = SECTION_NAMES.find((n) => camelToSnake(n) === key);
    if (section !== undefined) {
      if (!isTable(value)) {
        throw new ConfigError("CONFIG_INVALID", `config.toml: ${key} must be a table ([${key}])`, { key });
      }
      sectionEntries.set(section, Object.entries(value));
    } else if (isTable(value)) {
      throw new ConfigError(
        "CONFIG_INVALID",
        `config.toml: unknown section [${key}] (known sections: ${SECTION_NAMES.map(camelToSnake).join(", ")})`,
        { key },
      );
    } else {
      baseEntries.push([key, value]);
    }
  }
  const sec = <S extends SectionName>(name: S): ConfigSections[S] =>
    readSection(
      CONFIG_SPEC[name] as SectionSpec<ConfigSections[S]>,
      defaults[name],
      sectionEntries.get(name) ?? [],
      `${camelToSnake(name)}.`,
    );
  const cfg = assemble(homeLayout(home).home, {
    base: readSection(CONFIG_SPEC.base, defaults.base, baseEntries, ""),
    rpc: sec("rpc"),
    p2p: sec("p2p"),
    mempool: sec("mempool"),
    consensus: sec("consensus"),
    app: sec("app"),
    txIndex: sec("txIndex"),
    instrumentation: sec("instrumentation"),
    log: sec("log"),
  });
  crossCheck(cfg);
  return cfg;
}

function tomlValue(value: unknown): string {
  // smol-toml renders one `k = v` line; keep the right-hand side.
  const line = stringify({ k: value }).trim();
  return line.slice(line.indexOf("=") + 1).trim();
}

function renderSection<S>(spec: SectionSpec<S>, values: S): string[] {
  const lines: string[] = [];
  for (const [prop, field] of Object.entries(spec) as [keyof S & string, FieldSpec<S[keyof S]>][]) {
    lines.push(`# ${field.doc}`, `${camelToSnake(prop)} = ${tomlValue(field.write(values[prop]))}`, "");
  }
  return lines;
}

/** Renders a config as commented TOML. `parseConfigToml(serializeConfig(c), c.home)` equals `c`. */
export function serializeConfig(cfg: NodeConfig): string {
  const sections = pickSections(cfg);
  const lines = [
    "# dccn-node configuration.",
    "# Paths are relative to the home directory unless absolute.",
    "",
    ...renderSection(CONFIG_SPEC.base, pickBase(cfg)),
  ];
  for (const name of SECTION_NAMES) {
    lines.push(`# ${SECTION_DOCS[name]}`, `[${camelToSnake(name)}]`, "");
    lines.push(...renderSection(CONFIG_SPEC[name] as SectionSpec<unknown>, sections[name]));
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** Loads `<home>/config/config.toml`. */
export function loadConfig(home: string): NodeConfig {
  const layout = homeLayout(home);
  let text: string;
  try {
    text = readFileSync(layout.configFile, "utf8");
  } catch (err) {
    if (hasErrno(err, "ENOENT")) {
      throw new ConfigError(
        "CONFIG_NOT_FOUND",
        `no config at ${layout.configFile}; create a home with \`dccn init --home ${layout.home}\``,
        { path: layout.configFile },
      );
    }
    throw new ConfigError("CONFIG_INVALID", `cannot read ${layout.configFile}: ${(err as Error).message}`, {
      path: layout.configFile,
    });
  }
  return parseConfigToml(text, layout.home);
}

/** Defaults merged with `overrides`, validated exactly as a loaded file would be. */
export function buildConfig(home: string, overrides: ConfigOverrides = {}): NodeConfig {
  const d = defaultConfig(home);
  const { rpc, p2p, mempool, consensus, app, txIndex, instrumentation, log, ...base } = overrides;
  const merged: NodeConfig = {
    ...d,
    ...base,
    rpc: { ...d.rpc, ...rpc },
    p2p: { ...d.p2p, ...p2p },
    mempool: { ...d.mempool, ...mempool },
    consensus: { ...d.consensus, ...consensus },
    app: { ...d.app, ...app },
    txIndex: { ...d.txIndex, ...txIndex },
    instrumentation: { ...d.instrumentation, ...instrumentation },
    log: { ...d.log, ...log },
  };
  // Round-trip through the TOML text so overrides get the same validation as a file.
  return parseConfigToml(serializeConfig(merged), d.home);
}

/** Writes `<home>/config/config.toml` (replacing any existing one) and returns the config. */
export function writeDefaultConfig(home: string, overrides: ConfigOverrides = {}): NodeConfig {
  const cfg = buildConfig(home, overrides);
  writeFileAtomic(homeLayout(home).configFile, serializeConfig(cfg));
  return cfg;
}

export interface ConfigPaths {
  readonly configFile: string;
  readonly dbDir: string;
  readonly genesisFile: string;
  readonly nodeKeyFile: string;
  readonly privValidatorKeyFile: string;
  readonly privValidatorStateFile: string;
  readonly walFile: string;
  readonly keyringTestDir: string;
}

/** Absolute paths of everything the config points at. */
export function configPaths(cfg: NodeConfig): ConfigPaths {
  const layout = homeLayout(cfg.home);
  const abs = (p: string) => resolveInHome(layout.home, p);
  return {
    configFile: layout.configFile,
    dbDir: abs(cfg.dbDir),
    genesisFile: abs(cfg.genesisFile),
    nodeKeyFile: abs(cfg.nodeKeyFile),
    privValidatorKeyFile: abs(cfg.privValidatorKeyFile),
    privValidatorStateFile: abs(cfg.privValidatorStateFile),
    walFile: abs(cfg.consensus.walFile),
    keyringTestDir: layout.keyringTestDir,
  };
}

/** Splits `tcp://host:port` (a validated rpc.laddr) into host and port. */
export function parseTcpLaddr(laddr: string): { host: string; port: number } {
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(laddr);
  if (m === null) {
    throw new ConfigError("CONFIG_INVALID", `not a tcp://host:port address: ${laddr}`, { key: "rpc.laddr" });
  }
  const host = m[1]!.startsWith("[") ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port: Number(m[2]) };
}

/** The http:// URL a client uses to reach an RPC listening on `laddr` (wildcards → loopback). */
export function rpcUrlFromLaddr(laddr: string): string {
  const { host, port } = parseTcpLaddr(laddr);
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}
