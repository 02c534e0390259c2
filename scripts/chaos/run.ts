#!/usr/bin/env node
// `npm run chaos [-- --only a,b]`: every chaos scenario (scripts/chaos/scenarios.ts) against a control plane of
// its own, real Redis and proxies-as-pods; prints the table and writes JSON under .chaos-results/. Runs in the
// isolated network namespace (`scripts/toolchain --isolated`, as npm run chaos does) for the pod network.
// Exits 1 when a scenario lost a change, left a job stuck, crashed a controller or did not recover.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { printTable } from '../bench/report.ts';
import { startControlPlane, stopControlPlane } from '../control-plane.d/control-plane.ts';
import { chaosRow, chaosVerdict } from './report.ts';
import { runScenario, type ScenarioResult, scenarios } from './scenarios.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({ options: { only: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  process.stdout.write(
    `Usage: npm run chaos [-- --only name,name]\n\nScenarios:\n${scenarios.map((s) => `  ${s.name.padEnd(20)} ${s.what}`).join('\n')}\n`,
  );
  process.exit(0);
}
const only = values.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !scenarios.some((s) => s.name === name)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario: ${unknown.join(', ')} (see --help)\n`);
  process.exit(2);
}
const chosen = scenarios.filter((s) => !only || only.includes(s.name));

const resultsDir = join(repoRoot, '.chaos-results');
mkdirSync(resultsDir, { recursive: true });
const runDir = await mkdtemp(join(tmpdir(), 'kf-chaos-control-plane-'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const results: ScenarioResult[] = [];
try {
  const state = await startControlPlane({ runDir, log });
  if (!state.podNetwork)
    throw new Error(
      `the proxies are pods and need the pod network: ${state.podNetworkUnavailable ?? 'none'}`,
    );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(state.kubeconfig);
  const cluster = {
    kubeConfig,
    kubeconfig: state.kubeconfig,
    kubectl: state.kubectl,
    podNetwork: state.podNetwork,
    controlPlane: state,
  };
  for (const scenario of chosen) {
    log(`chaos: ${scenario.name} — ${scenario.what}`);
    const started = performance.now();
    const result = await runScenario(cluster, scenario, { keepLogsIn: join(resultsDir, 'logs'), log });
    log(
      `chaos: ${scenario.name} done in ${((performance.now() - started) / 1000).toFixed(0)} s${result.error ? `: ${result.error}` : ''}`,
    );
    results.push(result);
  }
} finally {
  await stopControlPlane(runDir);
}

printTable(results.map(chaosRow));
for (const r of results) if (r.notes?.length) process.stdout.write(`${r.scenario}: ${r.notes.join('; ')}\n`);
const file = join(resultsDir, `chaos-${new Date().toISOString().replaceAll(':', '-')}.json`);
const meta = { suite: 'chaos', node: process.version, platform: `${process.platform}/${process.arch}` };
writeFileSync(file, `${JSON.stringify({ ...meta, rows: results }, null, 2)}\n`);
process.stdout.write(`\nresults: ${file}\n`);
const failures = results.filter((r) => chaosVerdict(r) !== 'ok');
if (failures.length > 0) {
  process.stdout.write(`failed: ${failures.map((r) => `${r.scenario} (${chaosVerdict(r)})`).join(', ')}\n`);
  process.exitCode = 1;
}
// The control plane and every scenario's processes are stopped by now; a client a scenario left behind
// (pooled keep-alive sockets) kept the process alive for many minutes after the table was printed.
process.exit();
