/**
 * A small scanner over JSON text that JSON.parse has already accepted. It finds what
 * JSON.parse hides: duplicate object keys (ambiguous in a consensus-critical file) and the
 * exact source text of each top-level member, so `app_state` reaches the app byte for byte
 * (numbers beyond 2^53 included) instead of being re-serialized.
 */

export interface ScanResult {
  /** Source span [start, end) of each top-level member's value. */
  readonly topLevel: ReadonlyMap<string, { readonly start: number; readonly end: number }>;
  /** JSON paths (e.g. `app_state.accounts[0].balance`) of keys that appear twice in one object. */
  readonly duplicateKeys: readonly string[];
}

const isWs = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";

/** Scans valid JSON text whose root is an object. */
export function scanJson(text: string): ScanResult {
  let i = 0;
  const duplicates: string[] = [];
  const topLevel = new Map<string, { start: number; end: number }>();

  const skipWs = () => {
    while (isWs(text[i])) i++;
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string, depth: number): void => {
    const c = text[i];
    if (c === "{") {
      i++;
      const seen = new Set<string>();
      skipWs();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        skipWs();
        const key = readString();
        const keyPath = path === "" ? key : `${path}.${key}`;
        if (seen.has(key)) duplicates.push(keyPath);
        seen.add(key);
        skipWs();
        i++; // colon
        skipWs();
        const start = i;
        value(keyPath, depth + 1);
        if (depth === 0) topLevel.set(key, { start, end: i });
        skipWs();
        if (text[i++] === "}") return;
      }
    }
    if (c === "[") {
      i++;
      skipWs();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        skipWs();
        value(`${path}[${n}]`, depth + 1);
        skipWs();
        if (text[i++] === "]") return;
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    while (i < text.length && !isWs(text[i]) && text[i] !== "," && text[i] !== "}" && text[i] !== "]") i++;
  };

  skipWs();
  value("", 0);
  return { topLevel, duplicateKeys: duplicates };
}
