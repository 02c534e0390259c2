#!/usr/bin/env node
// `node scripts/bench/heap-compare.ts <earlier.heapsnapshot> [<later.heapsnapshot>] [top]`: what grew between two
// V8 heap snapshots (the soak benchmark's `--heap-snapshots-at`), as self sizes and counts summed by node type
// and constructor name, largest growth first. Self sizes, not retained ones: enough to see which kind of
// object piles up, and cheap to compute on a snapshot of hundreds of megabytes.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** `type:name` → total self size and count. Names of strings and numbers are not kept apart. */
function aggregate(file: string): Map<string, { size: number; count: number }> {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const keepName = type === 'object' || type === 'closure' || type === 'native';
    const name = keepName ? snapshot.strings[snapshot.nodes[i + nameAt]!]!.slice(0, 60) : '';
    const key = `${type}:${name}`;
    const entry = out.get(key) ?? { size: 0, count: 0 };
    entry.size += snapshot.nodes[i + sizeAt]!;
    entry.count += 1;
    out.set(key, entry);
  }
  return out;
}

const files = process.argv.slice(2).filter((arg) => !/^\d+$/.test(arg));
const top = process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? '25';
const [earlier, later] = files;
if (!earlier) {
  process.stderr.write('usage: heap-compare.ts <earlier.heapsnapshot> [<later.heapsnapshot>] [top]\n');
  process.exit(2);
}
// One snapshot: what it holds, largest first (as growth from nothing).
const before = later ? aggregate(earlier) : new Map<string, { size: number; count: number }>();
const after = aggregate(later ?? earlier);
const total = (m: Map<string, { size: number }>) => [...m.values()].reduce((sum, e) => sum + e.size, 0);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
process.stdout.write(`self size: ${mib(total(before))} MiB → ${mib(total(after))} MiB\n\n`);
const rows = [...new Set([...before.keys(), ...after.keys()])]
  .map((key) => {
    const a = before.get(key) ?? { size: 0, count: 0 };
    const b = after.get(key) ?? { size: 0, count: 0 };
    return { key, growth: b.size - a.size, size: b.size, countGrowth: b.count - a.count, count: b.count };
  })
  .sort((x, y) => y.growth - x.growth)
  .slice(0, Number(top));
process.stdout.write(
  `${'growth MiB'.padStart(10)}  ${'now MiB'.padStart(8)}  ${'+count'.padStart(9)}  what\n`,
);
for (const row of rows)
  process.stdout.write(
    `${mib(row.growth).padStart(10)}  ${mib(row.size).padStart(8)}  ${String(row.countGrowth).padStart(9)}  ${row.key}\n`,
  );
