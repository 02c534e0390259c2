// Shared output helpers for benchmarks: summary statistics and the aligned table printed to stdout.

/** Median, min and max of a non-empty list. */
export function summarize(values: readonly number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** A full collection before a timed run, when node runs with --expose-gc (npm run bench does). */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** One decimal place, for tables and JSON results. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Rows as a right-aligned table with the first row's keys as the header. */
export function printTable(rows: readonly Record<string, unknown>[]): void {
  const cols = Object.keys(rows[0] ?? {});
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  process.stdout.write(`${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join('\n')}\n`);
}
