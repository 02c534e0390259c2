// Proxy restart → config restored, end to end: a real kube-apiserver, a real redis-server, the real
// `kong-fleet run` and N simulated proxies. A proxy is restarted (its config lost) several times in a
// row, 1-4 s apart like a crash-looping pod, and each time timed until it reports the desired hash again.
// Also the controller's idle CPU with the status probe on, the probe's cost at this fleet size.
import { parseArgs } from 'node:util';
import { parseDuration } from '../../lib/duration.ts';
import { sleep } from '../../lib/sleep.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { loadAverage, ownUsage, percentile, processUsage, startControllerStack } from './controller-stack.ts';
import type { Benchmark } from './registry.ts';
import { printTable, round1 } from './report.ts';

function durationFlag(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`--${name}: "${text}" is not a duration (500ms, 4s, …)`);
  return ms;
}

export const benchmark: Benchmark = {
  name: 'restart',
  summary: 'proxy restart (config lost) → restored p50/p99, for the 1st … 5th restart in a row, 1-4 s apart',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        proxies: { type: 'string', default: '10' },
        /** Crash loops measured, each on the next proxy. */
        rounds: { type: 'string', default: '20' },
        /** Restarts in a row per loop. */
        restarts: { type: 'string', default: '5' },
        'gap-min': { type: 'string', default: '1s' },
        'gap-max': { type: 'string', default: '4s' },
        /** The controller's KONG_FLEET_STATUS_PROBE_INTERVAL (its default when not given). */
        'probe-interval': { type: 'string' },
        /** Idle time over which the controller's CPU is measured before the restarts. */
        idle: { type: 'string', default: '30s' },
        'controller-log': { type: 'string' },
      },
    });
    const proxyCount = Number(values.proxies);
    const rounds = Number(values.rounds);
    const restarts = Number(values.restarts);
    const gapMin = durationFlag('gap-min', values['gap-min']);
    const gapMax = durationFlag('gap-max', values['gap-max']);
    const idleMs = durationFlag('idle', values.idle);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const stack = await startControllerStack({
      proxies: proxyCount,
      log,
      env: values['probe-interval'] ? { KONG_FLEET_STATUS_PROBE_INTERVAL: values['probe-interval'] } : {},
      ...(values['controller-log'] ? { controllerLog: values['controller-log'] } : {}),
    });
    const pid = stack.controller.pid!;
    try {
      const { core, networking, namespace, builds, fleet } = stack;
      await core.createNamespacedService({
        namespace,
        body: { metadata: { name: 'echo', namespace }, spec: { ports: [{ name: 'http', port: 80 }] } },
      });
      await networking.createNamespacedIngress({
        namespace,
        body: {
          metadata: { name: 'echo', namespace },
          spec: {
            ingressClassName: 'kong',
            rules: [
              {
                http: {
                  paths: [
                    {
                      path: '/',
                      pathType: 'Prefix',
                      backend: { service: { name: 'echo', port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        },
      });
      const desired = await waitFor(
        async () => {
          const hash = (await builds.desired())?.hash;
          return hash && fleet.proxies.every((p) => p.state().configurationHash === hash) ? hash : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 20, description: 'every proxy to report the first build' },
      );

      log(`measuring the controller's idle CPU for ${values.idle}`);
      const idleFrom = await processUsage(pid);
      const simFrom = ownUsage();
      await sleep(idleMs);
      const idleTo = await processUsage(pid);
      const idleCpuPct = ((idleTo.cpuSeconds - idleFrom.cpuSeconds) / (idleMs / 1000)) * 100;
      const simIdleCpuPct = ((ownUsage().cpuSeconds - simFrom.cpuSeconds) / (idleMs / 1000)) * 100;

      log(`${rounds} crash loops of ${restarts} restarts, ${values['gap-min']}-${values['gap-max']} apart`);
      const byOrdinal: number[][] = Array.from({ length: restarts }, () => []);
      const loadFrom = await processUsage(pid);
      const loopsStarted = performance.now();
      for (let round = 0; round < rounds; round++) {
        const victim = fleet.proxies[round % fleet.proxies.length]!;
        const times: number[] = [];
        for (let i = 0; i < restarts; i++) {
          const gap = gapMin + Math.random() * (gapMax - gapMin);
          victim.faults.restart();
          const restartedAt = performance.now();
          await waitFor(() => victim.state().configurationHash === desired, {
            timeoutMs: 120_000,
            intervalMs: 5,
            description: `${victim.id} restored after restart ${i + 1}`,
          });
          const ms = performance.now() - restartedAt;
          byOrdinal[i]!.push(ms);
          times.push(Math.round(ms));
          // The next crash comes `gap` after this one, or right after the repair when that took longer.
          await sleep(Math.max(50, gap - (performance.now() - restartedAt)));
        }
        log(`  loop ${round + 1} on ${victim.id}: ${times.join(' ')} ms`);
      }
      const loopsSeconds = (performance.now() - loopsStarted) / 1000;
      const loadTo = await processUsage(pid);
      const load = await loadAverage();
      const all = byOrdinal.flat();
      const row = (restart: string, values: readonly number[]) => ({
        restart,
        count: values.length,
        p50_ms: round1(percentile(values, 50)),
        p99_ms: round1(percentile(values, 99)),
        max_ms: round1(Math.max(...values)),
      });
      const rows = [...byOrdinal.map((values, i) => row(`#${i + 1}`, values)), row('all', all)];
      printTable(rows);
      const usage = {
        proxies: proxyCount,
        probe_interval: values['probe-interval'] ?? 'default',
        controller_idle_cpu_pct: round1(idleCpuPct),
        simulators_idle_cpu_pct: round1(simIdleCpuPct),
        controller_cpu_pct_during_restarts: round1(
          ((loadTo.cpuSeconds - loadFrom.cpuSeconds) / loopsSeconds) * 100,
        ),
        controller_rss_mib: round1(loadTo.rssMiB),
        controller_peak_rss_mib: round1(loadTo.peakRssMiB),
        simulators_rss_mib: round1(ownUsage().rssMiB),
        load,
      };
      process.stdout.write('\n');
      printTable([usage]);
      return [...rows.map((r) => ({ ...r, proxies: proxyCount })), { restart: 'usage', ...usage }];
    } finally {
      await stack.stop();
    }
  },
};
