/**
 * Minimal structured logger: one line per event on stderr, `level module msg key=value…`,
 * or JSON lines when DCCN_LOG_FORMAT=json. Level from DCCN_LOG_LEVEL (debug|info|warn|error).
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(module: string): Logger;
}

function render(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "string") return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

export function createLogger(
  module = "node",
  opts: { level?: LogLevel; json?: boolean; write?: (line: string) => void } = {},
): Logger {
  const envLevel = process.env.DCCN_LOG_LEVEL as LogLevel | undefined;
  const level = opts.level ?? (envLevel && envLevel in ORDER ? envLevel : "info");
  const json = opts.json ?? process.env.DCCN_LOG_FORMAT === "json";
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (lvl: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const time = new Date().toISOString();
    if (json) {
      write(
        JSON.stringify({ time, level: lvl, module, msg, ...fields }, (_k, v) =>
          typeof v === "bigint" ? v.toString() : v instanceof Error ? v.message : v,
        ),
      );
    } else {
      const kv = Object.entries(fields)
        .map(([k, v]) => `${k}=${render(v)}`)
        .join(" ");
      write(`${time} ${lvl.toUpperCase().padEnd(5)} ${module}: ${msg}${kv ? ` ${kv}` : ""}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (sub) => createLogger(`${module}/${sub}`, { level, json, write }),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
