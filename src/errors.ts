/**
 * The one error base of the project. Every module throws a `DccnError` (or a subclass) whose
 * `code` is a stable, machine-readable string and whose message a person can act on.
 * Modules declare their own code unions, e.g. `DccnError<"CODEC_TRUNCATED" | ...>`.
 */
export class DccnError<C extends string = string> extends Error {
  readonly code: C;
  readonly meta: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, meta: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DccnError";
    this.code = code;
    this.meta = meta;
  }

  toJSON(): { code: C; message: string; meta: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, meta: this.meta };
  }
}

export function isDccnError(err: unknown, code?: string): err is DccnError {
  return err instanceof DccnError && (code === undefined || err.code === code);
}

/** Renders any thrown value as a one-line message (for logs and CLI output). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
