#!/usr/bin/env node
// `npm run bench -- <name> [flags]`: runs one registered benchmark, prints its table, writes JSON results
// under .bench-results/. Benchmarks are measurements, not tests: they never fail on a threshold.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarks } from './registry.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [name, ...rest] = process.argv.slice(2);
const entry = benchmarks.find((b) => b.name === name);
if (!entry) {
  const list = benchmarks.map((b) => `  ${b.name.padEnd(12)} ${b.summary}`).join('\n');
  process.stderr.write(
    `${name ? `unknown benchmark "${name}"\n\n` : ''}Usage: npm run bench -- <name> [flags]\n\nBenchmarks:\n${list}\n`,
  );
  process.exitCode = 2;
} else {
  const benchmark = await entry.load();
  const rows = await benchmark.run(rest);
  const dir = join(repoRoot, '.bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${benchmark.name}-${new Date().toISOString().replaceAll(':', '-')}.json`);
  const meta = {
    benchmark: benchmark.name,
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    argv: rest,
  };
  writeFileSync(file, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
}
