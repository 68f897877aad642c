/**
 * Where the CLI writes. Commands never touch process.stdout directly, so the whole program
 * runs in-process in tests with captured output.
 */
export type OutputFormat = "text" | "json";

export interface CliIo {
  /** Writes to stdout (the caller supplies newlines). */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** All of stdin (for secrets that should not appear in argv). */
  readStdin(): Promise<string>;
}

export const processIo: CliIo = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
};

/** JSON with bigints as decimal strings and byte arrays rejected (callers encode them). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString(10) : v));
}

/** Prints a command's result: one JSON value, or the text rendering. */
export function emit(io: CliIo, format: OutputFormat, json: unknown, text: () => string): void {
  io.out(format === "json" ? `${toJson(json)}\n` : `${text()}\n`);
}

/** Collapses a message to one line (for stderr error output). */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim();
