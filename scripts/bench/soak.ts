// Memory over time at fleet size: KIC's own golden-fixture inputs applied to a real kube-apiserver, N
// simulated proxies, one Ingress change every few seconds for a long while, and the controller's RSS
// (read from /proc, apart from this process's simulators) printed as a table row each minute.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { parseDuration } from '../../lib/duration.ts';
import { sleep } from '../../lib/sleep.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { KIC_GOLDEN_DIR, KIC_GOLDEN_MISSING } from '../../testing/kic-golden.ts';
import { kubectl } from '../control-plane.d/kubectl.ts';
import {
  type ControllerStack,
  controllerHeap,
  loadAverage,
  ownUsage,
  percentile,
  processUsage,
  startControllerStack,
} from './controller-stack.ts';
import type { Benchmark } from './registry.ts';
import { printTable, round1 } from './report.ts';

function durationFlag(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new Error(`--${name}: "${text}" is not a duration (5s, 30m, …)`);
  return ms;
}

/**
 * Applies every `in.yaml` of KIC's golden fixtures (read in place from shared/conformance): their
 * namespaces first, then each file on its own so that one kind the control plane lacks costs only that
 * file. Returns how many objects were applied.
 */
async function applyKicInputs(stack: ControllerStack, log: (line: string) => void): Promise<number> {
  if (!KIC_GOLDEN_DIR) throw new Error(KIC_GOLDEN_MISSING);
  const options = { kubectl: stack.kubectl, kubeconfig: stack.kubeconfig };
  const files: string[] = [];
  // Enterprise-only cases (consumer groups, custom entities of Kong EE) do not validate on the
  // community-edition proxies simulated here: a build of them all would never ship.
  for (const entry of await readdir(KIC_GOLDEN_DIR, { withFileTypes: true }))
    if (entry.isDirectory() && !entry.name.endsWith('-ee'))
      files.push(join(KIC_GOLDEN_DIR, entry.name, 'in.yaml'));
  const namespaces = new Set<string>();
  let objects = 0;
  const texts: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    texts.push(text);
    for (const doc of parseAllDocuments(text)) {
      const object = doc.toJS() as { metadata?: { namespace?: string } } | null;
      if (!object) continue;
      objects += 1;
      if (object.metadata?.namespace) namespaces.add(object.metadata.namespace);
    }
  }
  for (const namespace of namespaces)
    await kubectl(['create', 'namespace', namespace], options).catch(() => undefined);
  let failed = 0;
  for (const text of texts) {
    await kubectl(['apply', '-f', '-'], { ...options, input: text }).catch((err: Error) => {
      failed += 1;
      log(`  (one fixture did not apply fully: ${err.message.split('\n').at(-1)})`);
    });
  }
  log(`applied ${objects} objects from ${files.length} KIC fixtures (${failed} files with errors)`);
  return objects;
}

export const benchmark: Benchmark = {
  name: 'soak',
  summary:
    'controller RSS over time: N proxies, KIC fixture config, one Ingress change every 5 s (table each minute)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        proxies: { type: 'string', default: '100' },
        duration: { type: 'string', default: '30m' },
        'change-every': { type: 'string', default: '5s' },
        /** Ask the controller for a heap snapshot (written in its working directory) at these minutes, e.g. "3,10". */
        'heap-snapshots-at': { type: 'string' },
        'controller-log': { type: 'string' },
        /** Extra node flags for the controller, space-separated (to compare heap settings). */
        'node-flags': { type: 'string', default: '' },
      },
    });
    const proxyCount = Number(values.proxies);
    const durationMs = durationFlag('duration', values.duration);
    const changeEveryMs = durationFlag('change-every', values['change-every']);
    const snapshotMinutes = new Set(
      (values['heap-snapshots-at'] ?? '')
        .split(',')
        .filter(Boolean)
        .map((m) => Number(m)),
    );
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const stack = await startControllerStack({
      proxies: proxyCount,
      log,
      nodeFlags: [
        ...values['node-flags'].split(' ').filter(Boolean),
        ...(snapshotMinutes.size > 0 ? ['--heapsnapshot-signal=SIGUSR2'] : []),
      ],
      ...(values['controller-log'] ? { controllerLog: values['controller-log'] } : {}),
    });
    const pid = stack.controller.pid!;
    const rows: Record<string, unknown>[] = [];
    try {
      const objects = await applyKicInputs(stack, log);
      const { core, networking, namespace, builds, fleet } = stack;
      await core.createNamespacedService({
        namespace,
        body: { metadata: { name: 'soak', namespace }, spec: { ports: [{ name: 'http', port: 80 }] } },
      });
      const ingress = (path: string) => ({
        metadata: { name: 'soak', namespace },
        spec: {
          ingressClassName: 'kong',
          rules: [
            {
              http: {
                paths: [
                  { path, pathType: 'Prefix', backend: { service: { name: 'soak', port: { number: 80 } } } },
                ],
              },
            },
          ],
        },
      });
      await networking.createNamespacedIngress({ namespace, body: ingress('/soak-0') });
      /** Resolves with the new desired hash once every proxy reports one other than `previous`. */
      const converged = (previous: string | undefined, timeoutMs: number) =>
        waitFor(
          async () => {
            const desired = (await builds.desired())?.hash;
            if (!desired || desired === previous) return undefined;
            return fleet.proxies.every((p) => p.state().configurationHash === desired) ? desired : undefined;
          },
          { timeoutMs, intervalMs: 20, description: 'every proxy to report the new hash' },
        );
      let hash = await converged(undefined, 180_000);
      const text = await builds.text(hash);
      log(
        `converged on ${hash} (${Math.round((text?.length ?? 0) / 1024)} KiB config); soaking for ${values.duration}`,
      );

      const started = performance.now();
      const header = [
        'minute',
        'rss_mib',
        'peak_rss_mib',
        'heap_mib',
        'external_mib',
        'cpu_pct',
        'changes',
        'converge_p50_ms',
        'converge_max_ms',
        'unconverged',
        'sim_rss_mib',
        'load',
      ];
      process.stdout.write(`${header.join('  ')}\n`);
      let minute = 0;
      let change = 0;
      let cpuAtMinute = (await processUsage(pid)).cpuSeconds;
      let latencies: number[] = [];
      let failures = 0;
      // Ctrl-C ends the soak early with the table so far (a 30 min run need not run to its end).
      const interrupted = new AbortController();
      const interrupt = () => interrupted.abort();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      while (performance.now() - started < durationMs && !interrupted.signal.aborted) {
        const due = started + (change + 1) * changeEveryMs;
        await sleep(Math.max(0, due - performance.now()), interrupted.signal);
        if (interrupted.signal.aborted) break;
        change += 1;
        const changeStarted = performance.now();
        await networking.patchNamespacedIngress({
          name: 'soak',
          namespace,
          body: [{ op: 'replace', path: '/spec/rules/0/http/paths/0/path', value: `/soak-${change}` }],
        });
        // Timed until the next change is due: the changes keep their pace whatever the fleet does.
        try {
          hash = await converged(hash, Math.max(100, due + changeEveryMs - performance.now()));
          latencies.push(performance.now() - changeStarted);
        } catch {
          failures += 1;
          hash = (await builds.desired())?.hash ?? hash;
        }
        const elapsedMinutes = Math.floor((performance.now() - started) / 60_000);
        while (minute < elapsedMinutes) {
          minute += 1;
          const usage = await processUsage(pid);
          const heap = await controllerHeap(stack.baseUrl);
          const row = {
            minute,
            rss_mib: round1(usage.rssMiB),
            peak_rss_mib: round1(usage.peakRssMiB),
            heap_mib: round1(heap.heapMiB),
            external_mib: round1(heap.externalMiB),
            cpu_pct: round1(((usage.cpuSeconds - cpuAtMinute) / 60) * 100),
            changes: latencies.length,
            converge_p50_ms: latencies.length ? Math.round(percentile(latencies, 50)) : '-',
            converge_max_ms: latencies.length ? Math.round(Math.max(...latencies)) : '-',
            sim_rss_mib: round1(ownUsage().rssMiB),
            load: await loadAverage(),
            unconverged: failures,
          };
          cpuAtMinute = usage.cpuSeconds;
          latencies = [];
          failures = 0;
          rows.push(row);
          process.stdout.write(`${header.map((key) => String(row[key as keyof typeof row])).join('  ')}\n`);
          if (snapshotMinutes.has(minute)) {
            log(`minute ${minute}: asking the controller (pid ${pid}) for a heap snapshot`);
            process.kill(pid, 'SIGUSR2');
          }
        }
      }
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      const ranMinutes = round1((performance.now() - started) / 60_000);
      process.stdout.write(`\nsoaked ${ranMinutes} min (${change} changes, ${objects} fixture objects)\n`);
      if (rows.length === 0) return [];
      printTable(rows.map((row) => ({ ...row, proxies: proxyCount, objects })));
      return rows.map((row) => ({ ...row, proxies: proxyCount, objects }));
    } finally {
      await stack.stop();
    }
  },
};
