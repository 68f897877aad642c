/** One row of `npm run bench`: a measurement beside the limit or peer it is judged against. */
export interface BenchRow {
  readonly group: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The limit or peer measured in the same run, when there is one. */
  readonly limit?: { readonly name: string; readonly value: number; readonly unit: string };
  /** A target stated as text, e.g. "≥ 40% of limit"; `ok` says whether it was met. */
  readonly target?: string;
  readonly ok?: boolean;
}

const fmt = (v: number): string =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(3).replace(/\.?0+$/, "");

export function renderTable(rows: readonly BenchRow[]): string {
  const header = ["group", "benchmark", "value", "limit / peer", "ratio", "target"];
  const body = rows.map((r) => [
    r.group,
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.limit ? `${fmt(r.limit.value)} ${r.limit.unit} (${r.limit.name})` : "",
    r.limit && r.limit.value !== 0 ? `${(r.value / r.limit.value).toFixed(2)}` : "",
    r.target ? `${r.target} ${r.ok === undefined ? "" : r.ok ? "✔" : "✘"}` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" │ ");
  return [line(header), widths.map((w) => "─".repeat(w)).join("─┼─"), ...body.map(line)].join("\n");
}
