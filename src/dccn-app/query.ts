/** Routing of `abci_query` paths to module handlers: exact paths first, then the longest prefix. */
import type { QueryRoute } from "./module.js";

export class QueryRouter {
  private readonly exact = new Map<string, QueryRoute>();
  /** Prefix routes, longest first. */
  private readonly prefixes: QueryRoute[];

  constructor(routes: readonly QueryRoute[]) {
    const prefixes: QueryRoute[] = [];
    for (const r of routes) {
      if (r.path.endsWith("/")) prefixes.push(r);
      else this.exact.set(r.path, r);
    }
    this.prefixes = prefixes.sort((a, b) => b.path.length - a.path.length);
  }

  find(path: string): { route: QueryRoute; rest: string } | undefined {
    const exact = this.exact.get(path);
    if (exact !== undefined) return { route: exact, rest: "" };
    for (const r of this.prefixes) {
      if (path.startsWith(r.path) && path.length > r.path.length)
        return { route: r, rest: path.slice(r.path.length) };
    }
    return undefined;
  }

  /** Every routable path, for error messages. */
  paths(): string[] {
    return [...this.exact.keys(), ...this.prefixes.map((r) => `${r.path}…`)].sort();
  }
}
